"""What the demo hands the services: Form A from a task's data, a year's dates, Form B for a quarter (the
indicators' values on their way to the target), and a small evidence PDF."""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any

from registry import clock
from registry.demo.cases import NOTE_TEXTS, QUARTER_DEADLINES, RATING_REGULATIONS, REFERENCES, TEXTS
from registry.models import Field, Indicator, OrgLevel, OrgUnit, Person, ProgressStatus, Task, Year
from registry.services import tasks

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def fill(value: Any, year: int) -> Any:
    """A text of the data files with {y} (the year) and {y1} (the year before) filled in."""
    return value.format(y=year, y1=year - 1) if isinstance(value, str) else value


def form_data(spec: dict[str, Any], year: Year, fields: dict[str, Field]) -> dict[str, Any]:
    """Service input for the Form A keys present in ``spec`` (the whole task, or a step's changes)."""
    y = year.year
    out: dict[str, Any] = {}
    for key in tasks.TEXT_FIELDS + ("kind", "authority"):
        if key in spec:
            out[key] = fill(spec[key], y)
    if "field" in spec:
        out["field_id"] = fields[spec["field"]].id
    if "deadline" in spec:
        out["deadline"] = date(y, *spec["deadline"])
    if "indicators" in spec:
        out["indicators"] = [dict(indicator) for indicator in spec["indicators"]]
    if "milestones" in spec:
        out["milestones"] = [{"description": fill(text, y), "due_on": date(y, *due)} for due, text in
                             spec["milestones"]]
    return out


def full_form(spec: dict[str, Any], year: Year, fields: dict[str, Field], owner: Person,
              units: dict[str, OrgUnit]) -> dict[str, Any]:
    """A whole registration: the task's Form A, its locality by default, the committee's plan first among the
    reference documents, and the commitment."""
    data = form_data(spec, year, fields)
    data.setdefault("locality", locality(units[spec["unit"]] if spec.get("unit") else owner.org_unit))
    refs = [reference(units[spec["committee"]], year.year)]
    refs += [data["reference_documents"]] if data.get("reference_documents") else []
    data["reference_documents"] = "; ".join(refs)
    data["is_committed"] = True
    return data


def reference(committee: OrgUnit, year: int) -> str:
    """The plan of the committee a registration cites: its own entry, or a ward's or commune's plan."""
    name = committee.name[0].lower() + committee.name[1:]
    return REFERENCES.get(committee.code, REFERENCES["default"]).format(y=year, y1=year - 1, committee=name)


def locality(unit: OrgUnit | None) -> str:
    """The commune and the district above it, e.g. "Phường Thụy Khuê, Quận Tây Hồ" before the reform; once there
    is no district, the province: "Phường Thụy Khuê, Thành phố Hà Nội" (a cell names its ward instead)."""
    names = []
    while unit is not None:
        if unit.level in (OrgLevel.COMMUNE, OrgLevel.DISTRICT, OrgLevel.PROVINCE):
            names.append(unit.name)
        if unit.level in (OrgLevel.DISTRICT, OrgLevel.PROVINCE):
            break
        unit = unit.parent
    return ", ".join(names)


def year_data(number: int, opens: date, closes: date) -> dict[str, Any]:
    """A year for ``admin.save_year``: its window, the quarter deadlines and the rating regulation in force."""
    deadlines = {f"q{q}_deadline": date(number, *md) for q, md in enumerate(QUARTER_DEADLINES, start=1)}
    regulation = [name for since, name in RATING_REGULATIONS if since <= number][-1]
    return {"year": number, "registration_opens_on": opens, "registration_closes_on": closes, **deadlines,
            "rating_regulation": regulation}


def at(day: date, minutes: int = 0) -> datetime:
    """8:00 Vietnam time on ``day``, plus ``minutes``."""
    return datetime.combine(day, time(8, 0), tzinfo=clock.LOCAL_TZ) + timedelta(minutes=minutes)


def value(indicator: Indicator, share: float) -> float:
    """The indicator's value ``share`` of the way from its baseline (0 when unknown) to its target; whole
    numbers stay whole, rounded towards the baseline."""
    base = indicator.baseline or 0.0
    step = (indicator.target - base) * share
    if float(base).is_integer() and float(indicator.target).is_integer():
        return base + math.trunc(round(step, 6))
    return round(base + step, 1)


def number(amount: float) -> str:
    """44 → "44", 44000 → "44.000", 46.5 → "46,5" (Vietnamese style)."""
    if float(amount).is_integer():
        return f"{int(amount):,}".replace(",", ".")
    return f"{amount}".replace(".", ",")


def progress(task: Task, quarter: int, end_share: float, slowness: float) -> tuple[float, str]:
    """The share of the way made by the end of ``quarter`` and the status the owner reports: progress runs
    evenly to ``end_share`` by the deadline (stretched by ``slowness``)."""
    months = task.deadline.month
    planned = min(1.0, 3 * quarter / months)
    share = end_share * min(1.0, 3 * quarter / (months * slowness))
    if share >= 1.0:
        return 1.0, ProgressStatus.DONE.value
    ratio = share / planned
    status = ProgressStatus.ON_TRACK if ratio >= 0.95 else ProgressStatus.AT_RISK if ratio >= 0.8 \
        else ProgressStatus.LATE
    return share, status.value


def quarter_span(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def note_data(task: Task, quarter: int, share: float, status: str) -> dict[str, Any]:
    """Form B for ``quarter``: milestones of the quarter, indicator values ``share`` of the way to the target,
    and the difficulties, causes and proposals of a task behind."""
    first, last = quarter_span(task.year.year, quarter)
    values = {indicator.id: value(indicator, share) for indicator in task.indicators}
    due = [m.description for m in task.milestones if first <= m.due_on <= last]
    upcoming = [m.description for m in task.milestones if m.due_on > last]
    results = "; ".join(TEXTS["result"].format(name=i.name, value=number(values[i.id]), unit=i.unit)
                        for i in task.indicators)
    done = TEXTS["milestones_done"].format(milestones="; ".join(due)) if due else TEXTS["no_milestone"]
    behind = NOTE_TEXTS.get(status, {})
    return {
        "work_done": TEXTS["work_done"].format(done=done, quarter=ROMAN[quarter], results=results),
        "status": status, "values": {str(k): v for k, v in values.items()},
        "percent_complete": round(share * 100), "difficulties": behind.get("difficulties", ""),
        "causes": behind.get("causes", ""), "proposals": behind.get("proposals", ""),
        "next_plan": TEXTS["next_plan"].format(milestone=upcoming[0]) if upcoming else TEXTS["last_plan"],
    }


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D").replace("–", "-").replace("—", "-")
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return plain.encode("ascii", "replace").decode("ascii")


def pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` (without diacritics: the standard font has none)."""
    def escape(line: str) -> str:
        return _ascii(line)[:95].replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = ("BT /F1 12 Tf 16 TL 60 790 Td " + " ".join(f"({escape(line)}) '" for line in lines) + " ET").encode()
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)
