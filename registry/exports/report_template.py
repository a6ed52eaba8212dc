"""Builds the Word template of the sơ kết / tổng kết reports, ``registry/exports/templates/so_ket.docx``:

    .venv/bin/python -m registry.exports.report_template [PATH]

The template is a Party document (Hướng dẫn 36-HD/VPTW, the layout of ``registry.exports.docx``) whose texts are
docxtpl tags (Jinja in Word: ``{{ issuer }}``, ``{%p for section in sections %}``, ``{%tr …%}`` rows and
``{%tc …%}`` columns), filled by ``registry.exports.reports.report_docx`` with ``docx_context``. The office may
edit the shipped file in Word (fonts, spacing, the letterhead, the signature) as long as every tag stays whole
in one run; rerunning this script brings the original back.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.shared import Mm

from registry.exports.docx import (
    CENTER,
    JUSTIFY,
    LEFT,
    PARTY_SIZE,
    SMALL_SIZE,
    TITLE_SIZE,
    TEXT_WIDTH_MM,
    _cell_text,
    _layout_table,
    _paragraph,
    _repeat_header,
    _rule_below,
    party_document,
)

DEFAULT_PATH = Path(__file__).parent / "templates" / "so_ket.docx"


def _generic_table(document) -> None:
    """One table of the report: its header cells repeated over ``t.columns``, its rows over ``t.rows``; the
    first and last column only carry the column loop's tags and disappear when filled."""
    table = document.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    table.autofit = False
    widths = [Mm(1), Mm(TEXT_WIDTH_MM - 2), Mm(1)]
    for column, width in zip(table.columns, widths):
        column.width = width
    cells = [
        ["{%tc for c in t.columns %}", "{{ c }}", "{%tc endfor %}"],
        ["{%tr for row in t.rows %}", "", ""],
        ["{%tc for cell in row %}", "{{ cell }}", "{%tc endfor %}"],
        ["{%tr endfor %}", "", ""],
    ]
    _repeat_header(table.rows[0])
    for r, (row, texts) in enumerate(zip(table.rows, cells)):
        for cell, text, width in zip(row.cells, texts, widths):
            cell.width = width
            _cell_text(cell, text, bold=r == 0, align=CENTER if r == 0 else LEFT)


def build(path: Path = DEFAULT_PATH) -> Path:
    """Write the template to ``path``."""
    document = party_document("Báo cáo sơ kết, tổng kết việc khó", "registry")

    # the letterhead: superior body and issuer (with "*") | ĐẢNG CỘNG SẢN VIỆT NAM; number | place and date
    head = _layout_table(document, 2, [70, 90])
    left, right = head.rows[0].cells
    _paragraph(left, "{{ superior }}", first=True)
    _paragraph(left, "{{ issuer }}", bold=True)
    _paragraph(left, "*")
    _rule_below(_paragraph(right, "{{ party_name }}", size=PARTY_SIZE, bold=True, first=True), 4)
    reference, place_date = head.rows[1].cells
    _paragraph(reference, "{{ reference }}", first=True, before=4)
    _paragraph(place_date, "{{ date_line }}", italic=True, first=True, before=4)

    title = _paragraph(document, "{{ title }}", size=TITLE_SIZE, bold=True, before=18)
    title.paragraph_format.keep_with_next = True
    _paragraph(document, "{%p for line in subtitle %}")
    _paragraph(document, "{{ line }}", bold=True)
    _paragraph(document, "{%p endfor %}")
    _rule_below(_paragraph(document, "", after=12), 55)
    _paragraph(document, "{{ as_of }}", italic=True, align=JUSTIFY, after=3)

    # the body: each section's heading, then each table with its title
    _paragraph(document, "{%p for section in sections %}")
    _paragraph(document, "{{ section.heading }}", bold=True, align=LEFT, before=6, after=3)
    _paragraph(document, "{%p for t in section.tables %}")
    _paragraph(document, "{{ t.title }}", bold=True, italic=True, align=LEFT, before=4, after=2)
    _generic_table(document)
    _paragraph(document, "{%p endfor %}")
    _paragraph(document, "{%p endfor %}")

    # the closing: "Nơi nhận:" (size 12) | T/M BAN THƯỜNG VỤ, BÍ THƯ, the name
    _paragraph(document, "", after=6)
    closing = _layout_table(document, 1, [80, 80])
    recipients, signature = closing.rows[0].cells
    _paragraph(recipients, "{{ recipients_label }}", size=SMALL_SIZE, bold=True, italic=True, underline=True,
               align=LEFT, first=True)
    _paragraph(recipients, "{%p for line in recipients %}", size=SMALL_SIZE, align=LEFT)
    _paragraph(recipients, "{{ line }}", size=SMALL_SIZE, align=LEFT)
    _paragraph(recipients, "{%p endfor %}", size=SMALL_SIZE, align=LEFT)
    _paragraph(signature, "{{ on_behalf }}", bold=True, first=True)
    _paragraph(signature, "{{ secretary_title }}", bold=True)
    for _ in range(3):
        _paragraph(signature, "")
    _paragraph(signature, "{{ secretary }}", bold=True)

    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH))
