"""Printed documents laid out as Party documents (Hướng dẫn 36-HD/VPTW): the content is built once as plain data
(``document``), then written as PDF with WeasyPrint (``pdf``) or as DOCX with python-docx (``docx``)."""
