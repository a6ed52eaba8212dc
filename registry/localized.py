"""Names of editable reference data (fields, verdict levels) in the current language.

The secretariat types these names, so they are not Babel msgids: each row has its Vietnamese ``name`` and an
optional English ``name_en``. English mode shows ``name_en`` when it is filled; Vietnamese is the default and
the fallback. Every page, form choice, report and export shows reference names through this module (the models'
``display_name`` calls it), so the rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import get_locale


def current_language() -> str:
    """The language of the current request or ``force_locale`` block ("vi" outside of both)."""
    locale = get_locale()
    return locale.language if locale is not None else "vi"


def pick_name(name: str, name_en: str | None) -> str:
    """``name_en`` in English mode when it is not blank, otherwise the Vietnamese ``name``."""
    if name_en and name_en.strip() and current_language() == "en":
        return name_en.strip()
    return name


def localized_name(item: Any) -> str:
    """The name of a reference row in the current language: a model row with ``name`` and ``name_en``, or a
    mapping with those keys (a report's figures)."""
    if isinstance(item, Mapping):
        return pick_name(item["name"], item.get("name_en"))
    return pick_name(item.name, getattr(item, "name_en", None))
