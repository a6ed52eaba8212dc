"""Text helpers: diacritic folding for search, and the ASCII fallback of a downloaded file's name."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def fold(text: str | None) -> str:
    """Lower-case ``text`` without Vietnamese diacritics: "Thụy Khuê" → "thuy khue"."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def ascii_fallback(name: str) -> str:
    """``name`` in plain ASCII for old browsers, case kept: "Biên bản đối thoại.pdf" → "Bien ban doi thoai.pdf"
    (đ and Đ have no decomposition, so they are folded by hand)."""
    name = name.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").encode("ascii", "ignore") \
        .decode("ascii")


def attachment_names(name: str) -> dict[str, str]:
    """The ``Content-Disposition`` parameters of an attachment: the ASCII ``filename`` and, when the name is not
    plain ASCII, the UTF-8 ``filename*`` (RFC 6266)."""
    simple = ascii_fallback(name)
    if simple == name:
        return {"filename": name}
    return {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+^`|~')}"}
