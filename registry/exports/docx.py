"""The DOCX writer: a document laid out with python-docx as a Party document (Hướng dẫn 36-HD/VPTW).

A4 with margins 25/25/35/15 mm (top/bottom/left/right), Times New Roman 14 for the body, a two-column letterhead
table (the superior body and issuer on the left, "ĐẢNG CỘNG SẢN VIỆT NAM" with a rule below on the right, then the
reference and the place-and-date line), the title, the body, then "Nơi nhận:" (size 12) beside the signature.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document as new_document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from registry.exports.document import Document, Heading, Paragraph, Table

MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(25), Mm(25), Mm(35), Mm(15)
#: the width between the margins: 210 − 35 − 15 mm
TEXT_WIDTH_MM = 160
BODY_SIZE, PARTY_SIZE, TITLE_SIZE, SMALL_SIZE = Pt(14), Pt(15), Pt(15), Pt(12)

CENTER, LEFT, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.JUSTIFY

#: elements that follow ``w:pBdr`` inside ``w:pPr`` (the schema's order)
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _set_font(run_or_style, size=None, bold=None, italic=None, underline=None) -> None:
    """Times New Roman for every script (Latin, complex and East Asian), with the given size and emphasis."""
    font = run_or_style.font
    font.name = FONT
    r_fonts = run_or_style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        r_fonts.set(qn(attribute), FONT)
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    if underline is not None:
        font.underline = underline


def _paragraph(target, text: str = "", *, size=BODY_SIZE, bold=False, italic=False, underline=False,
               align=CENTER, before=0, after=0, first: bool = False) -> DocxParagraph:
    """A paragraph with one run; ``first`` reuses the empty paragraph a new table cell starts with."""
    paragraph = target.paragraphs[0] if first and not target.paragraphs[0].text else target.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    if text:
        _set_font(paragraph.add_run(text), size=size, bold=bold, italic=italic, underline=underline)
    return paragraph


def _rule_below(paragraph: DocxParagraph, indent_mm: float) -> None:
    """A rule under the paragraph, shortened by ``indent_mm`` on both sides."""
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p_pr.insert_element_before(borders, *_AFTER_PBDR)
    paragraph.paragraph_format.left_indent = Mm(indent_mm)
    paragraph.paragraph_format.right_indent = Mm(indent_mm)


def _layout_table(document, rows: int, widths_mm: list[float]) -> DocxTable:
    """A borderless table of fixed column widths (for the letterhead and the closing)."""
    table = document.add_table(rows=rows, cols=len(widths_mm))
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)  # the grid, read by LibreOffice
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)  # each cell, read by Word
    return table


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _cell_text(cell: _Cell, text: str, *, bold=False, align=LEFT) -> None:
    _paragraph(cell, text, size=SMALL_SIZE, bold=bold, align=align, first=True)


def _letterhead(document, doc: Document) -> None:
    head = doc.letterhead
    table = _layout_table(document, 2, [70, 90])
    left, right = table.rows[0].cells
    if head.superior:
        _paragraph(left, head.superior.upper(), first=True)
    _paragraph(left, head.issuer.upper(), bold=True, first=True)
    _paragraph(left, "*")
    party = _paragraph(right, doc.party_name, size=PARTY_SIZE, bold=True, first=True)
    _rule_below(party, 4)
    reference, place_date = table.rows[1].cells
    _paragraph(reference, doc.reference, first=True, before=4)
    _paragraph(place_date, doc.date_line, italic=True, first=True, before=4)


def _data_table(document, block: Table) -> None:
    table = document.add_table(rows=1, cols=len(block.columns))
    table.style = "Table Grid"
    table.autofit = False
    weights = block.widths or [1] * len(block.columns)
    widths = [Mm(TEXT_WIDTH_MM * w / sum(weights)) for w in weights]
    for column, width in zip(table.columns, widths):
        column.width = width
    _repeat_header(table.rows[0])
    for cell, title, width in zip(table.rows[0].cells, block.columns, widths):
        cell.width = width
        _cell_text(cell, str(title), bold=True, align=CENTER)
    for values in block.rows:
        cells = table.add_row().cells
        for cell, value, width in zip(cells, values, widths):
            cell.width = width
            _cell_text(cell, str(value))
    _paragraph(document, "", after=2)


def _body(document, doc: Document) -> None:
    for block in doc.blocks:
        if isinstance(block, Heading):
            _paragraph(document, block.text, bold=True, italic=block.level > 1, align=LEFT, before=6, after=3)
        elif isinstance(block, Paragraph):
            paragraph = _paragraph(document, align=JUSTIFY, after=3)
            if block.label:
                _set_font(paragraph.add_run(f"{block.label}: "), size=BODY_SIZE, bold=True)
            _set_font(paragraph.add_run(block.text), size=BODY_SIZE)
        else:
            _data_table(document, block)


def _closing(document, doc: Document) -> None:
    _paragraph(document, "", after=6)
    table = _layout_table(document, 1, [80, 80])
    recipients, signature = table.rows[0].cells
    _paragraph(recipients, doc.recipients_label, size=SMALL_SIZE, bold=True, italic=True, underline=True,
               align=LEFT, first=True)
    for line in doc.recipient_lines:
        _paragraph(recipients, line, size=SMALL_SIZE, align=LEFT)
    _paragraph(signature, doc.on_behalf, bold=True, first=True)
    _paragraph(signature, doc.secretary_title, bold=True)
    for _ in range(3):
        _paragraph(signature, "")
    _paragraph(signature, doc.letterhead.secretary, bold=True)


def party_document(title: str, author: str):
    """A new Word document in the Party layout: the A4 page and its margins, the body font, and ``title`` and
    ``author`` in its properties (the rendered reports and the reports' template start from it)."""
    document = new_document()
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    normal = document.styles["Normal"]
    _set_font(normal, size=BODY_SIZE)
    normal.paragraph_format.space_after = Pt(0)
    properties = document.core_properties
    properties.title = title
    properties.author = properties.last_modified_by = author
    return document


def render_docx(doc: Document) -> bytes:
    """The document as DOCX bytes."""
    document = party_document(str(doc.title), doc.letterhead.issuer or "registry")
    document.core_properties.comments = ""

    _letterhead(document, doc)
    title = _paragraph(document, str(doc.title).upper(), size=TITLE_SIZE, bold=True, before=18)
    title.paragraph_format.keep_with_next = True
    for line in doc.subtitle:
        _paragraph(document, line, bold=True)
    _rule_below(_paragraph(document, "", after=12), 55)
    _body(document, doc)
    _closing(document, doc)

    out = BytesIO()
    document.save(out)
    return out.getvalue()
