"""Text helpers: diacritic folding for search."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower-case ``text`` without Vietnamese diacritics: "Thụy Khuê" → "thuy khue"."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
