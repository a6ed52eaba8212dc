"""The PDF writer: a document rendered from the print template (A4, the 36-HD/VPTW margins) by WeasyPrint.

WeasyPrint needs Pango and HarfBuzz from the system (``scripts/ensure-pdf-deps.sh`` installs them with a
Times-metric font); it is imported on first use so the rest of the application runs without them.
"""

from __future__ import annotations

from flask import render_template

from registry.exports.document import Document

MIMETYPE = "application/pdf"
TEMPLATE = "dossier/print.html"


def render_html(document: Document) -> str:
    """The print template filled in: the same page WeasyPrint lays out."""
    return render_template(TEMPLATE, doc=document)


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes."""
    from weasyprint import HTML  # noqa: PLC0415 - optional system libraries; loaded only when a PDF is asked for

    return HTML(string=render_html(document)).write_pdf()
