"""The packet's files: DOCX copies of the proposed orders, the review PDF and the zip.

`order_docx` turns the order's own HTML (the template the PDF is rendered from) into a DOCX, paragraph by
paragraph, so the chambers copy holds exactly the order's text. `merge_pdfs` is the review merge with one
bookmark per document; it has the shape of the documents package's merge (``merge_pdfs(parts, ...)``) so the
two can become one when that package lands (docs/DECISIONS.md).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from lxml import html as lxml_html
from pypdf import PdfReader, PdfWriter

_BLOCKS = ("h1", "h2", "h3", "p", "li", "tr")


def _text(el: Any) -> str:
    if el.tag == "tr":
        return " | ".join(" ".join(c.text_content().split()) for c in el if c.tag in ("td", "th"))
    return " ".join(el.text_content().split())


def order_docx(order_html: str, title: str) -> bytes:
    """A DOCX of the order: one paragraph per block of its HTML, in document order."""
    tree = lxml_html.fromstring(order_html)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    doc.core_properties.title = title
    numbered = 0
    for el in tree.iter(*_BLOCKS):
        if any(a.tag in ("p", "li") for a in el.iterancestors()):
            continue  # nested blocks are already in their parent's text
        if el.tag == "p" and any(a.tag == "tr" for a in el.iterancestors()):
            continue
        text = _text(el)
        if not text:
            continue
        if el.tag in ("h1", "h2", "h3"):
            para = doc.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            para.add_run(text).bold = True
        elif el.tag == "li":
            numbered += 1
            doc.add_paragraph(f"{numbered}. {text}")
        else:
            doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def merge_pdfs(parts: Sequence[tuple[str, bytes]]) -> bytes:
    """One PDF of every (title, pdf) part in order, with a top-level bookmark per part."""
    writer = PdfWriter()
    for title, pdf in parts:
        writer.append(PdfReader(io.BytesIO(pdf)), outline_item=title)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def packet_zip(files: Sequence[tuple[str, bytes]], manifest: dict[str, Any]) -> bytes:
    """The listed files and ``manifest.json``, as one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files:
            zf.writestr(name, content)
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return buf.getvalue()
