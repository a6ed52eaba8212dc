"""Text helpers: diacritic folding for search, and the ASCII fallback of a downloaded file's name."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


class _WithoutMarks(dict):
    """A ``str.translate`` table deleting the combining marks (category Mn), each character's verdict kept once
    worked out (the table is read per character; a search's snippets fold hundreds of texts a page)."""

    def __missing__(self, code: int) -> int | None:
        verdict = None if unicodedata.category(chr(code)) == "Mn" else code
        self[code] = verdict
        return verdict


_WITHOUT_MARKS = _WithoutMarks()


def fold(text: str | None) -> str:
    """Lower-case ``text`` without Vietnamese diacritics: "Thụy Khuê" → "thuy khue"."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = unicodedata.normalize("NFD", text).translate(_WITHOUT_MARKS)
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
