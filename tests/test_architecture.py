"""The capability map of docs/architecture.md ("Capabilities: where each one lives") is the layout: every module
of the layers belongs to exactly one capability, and every name the map gives exists."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "registry"
#: the map's columns and the folder each one's names are relative to
LAYERS = {"models": REGISTRY / "models", "services": REGISTRY / "services", "pages": REGISTRY / "blueprints",
          "API": REGISTRY / "api", "templates": REGISTRY / "templates"}


def capability_map() -> dict[str, dict[str, list[str]]]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Capabilities: where each one lives", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header == ["capability", *LAYERS], header
    out = {}
    for line in rows[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        out[cells[0]] = {layer: [name.strip() for name in cell.split(",") if name.strip()]
                         for layer, cell in zip(LAYERS, cells[1:], strict=True)}
    return out


def layer_entries(layer: str) -> set[str]:
    """What a layer is made of: its modules (the API's schemas too), blueprint packages, template folders."""
    folder = LAYERS[layer]
    names = set()
    for path in folder.iterdir():
        if path.name == "__pycache__":
            continue
        if layer == "API" and path.name == "schemas":
            names |= {f"schemas/{p.name}" for p in path.glob("*.py")}
        elif path.is_dir():
            names.add(path.name + "/")
        elif path.suffix in (".py", ".html"):
            names.add(path.name)
    return names


def test_every_module_belongs_to_one_capability():
    mapping = capability_map()
    assert len(mapping) >= 10
    for layer in LAYERS:
        claimed = Counter(name for row in mapping.values() for name in row[layer])
        twice = [name for name, n in claimed.items() if n > 1]
        assert not twice, f"{layer}: in more than one capability: {twice}"
        present = layer_entries(layer)
        assert not set(claimed) - present, f"{layer}: the map names what does not exist: {set(claimed) - present}"
        assert not present - set(claimed), f"{layer}: not in docs/architecture.md's map: {present - set(claimed)}"


def test_the_map_names_the_capabilities_of_the_issue():
    names = " ".join(capability_map())
    for capability in ("tasks", "progress", "monitoring", "review", "dossier", "reports", "admin", "audit"):
        assert re.search(rf"\b{capability}\b", names), capability
