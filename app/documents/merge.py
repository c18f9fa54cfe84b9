"""One PDF out of many parts: exhibits with slip sheets, or a packet's documents for review.

``merge_pdfs(parts, slip_sheets=...)`` takes ``(title, bytes)`` pairs — each a PDF, a JPEG or a PNG (sniffed
from the bytes, as uploads are) — and returns one PDF with one bookmark per part. With ``slip_sheets`` each
part is preceded by a page that carries its title in large type ("Exhibit A — Notice to Appear"), the way
exhibits are tabbed in a paper filing; the bookmark then points at the slip sheet. Images become one page
each, scaled to fit a US Letter page with half-inch margins.

Pure over bytes (no database). The parts must already have passed ``app.documents.inspect`` (uploads) or come
from the renderer (filings): this module does not re-check for active content. Slip sheets are rendered by
WeasyPrint in one pass (one page per title) with the bundled Liberation Serif, so titles in any script the
font covers print as written.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import TYPE_CHECKING

from app.documents.inspect import PDF, sniff

if TYPE_CHECKING:  # pypdf is imported where it is used (the module is also imported by code that never merges)
    from pypdf import PageObject

LETTER = (612.0, 792.0)  # points
MARGIN = 36.0
FONTS_DIR = Path(__file__).resolve().parents[2] / "templates" / "static" / "fonts"


def exhibit_label(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... (0-based index), the usual lettering of exhibits."""
    label = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        label = chr(ord("A") + rem) + label
    return label


def merge_pdfs(parts: list[tuple[str, bytes]], *, slip_sheets: bool) -> bytes:
    """Merge ``parts`` in order into one PDF with a bookmark per part (and a slip sheet before each part)."""
    from pypdf import PdfReader, PdfWriter

    if not parts:
        raise ValueError("nothing to merge")
    writer = PdfWriter()
    slips = PdfReader(io.BytesIO(slip_sheet_pdf([t for t, _ in parts]))) if slip_sheets else None
    for i, (title, data) in enumerate(parts):
        start = len(writer.pages)
        if slips is not None:
            writer.add_page(slips.pages[i])
        for page in _pages_of(data):
            writer.add_page(page)
        writer.add_outline_item(title=title, page_number=start)
    writer.page_mode = "/UseOutlines"  # open with the bookmarks shown
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pages_of(data: bytes) -> list[PageObject]:
    from pypdf import PdfReader

    kind = sniff(data)
    if kind == PDF:
        return list(PdfReader(io.BytesIO(data)).pages)
    if kind is None:
        raise ValueError("a part is neither PDF, JPEG nor PNG")
    return [_image_page(data)]


def _image_page(data: bytes) -> PageObject:
    """The image as one Letter page, scaled to fit inside the margins and centred."""
    from PIL import Image
    from pypdf import PageObject, PdfReader, Transformation  # noqa: F811 - the runtime import of the type

    with Image.open(io.BytesIO(data)) as img:
        rgb = img.convert("RGB")  # PDF has no alpha in a DCT/Flate image without a soft mask; flatten
        buf = io.BytesIO()
        rgb.save(buf, "PDF", resolution=72.0)
    src = PdfReader(io.BytesIO(buf.getvalue())).pages[0]
    w, h = float(src.mediabox.width), float(src.mediabox.height)
    box_w, box_h = LETTER[0] - 2 * MARGIN, LETTER[1] - 2 * MARGIN
    scale = min(box_w / w, box_h / h)
    page = PageObject.create_blank_page(width=LETTER[0], height=LETTER[1])
    dx = (LETTER[0] - w * scale) / 2
    dy = (LETTER[1] - h * scale) / 2
    page.merge_transformed_page(src, Transformation().scale(scale, scale).translate(dx, dy))
    return page


def slip_sheet_pdf(titles: list[str]) -> bytes:
    """One page per title, the title centred in large type (rendered in one WeasyPrint pass)."""
    from weasyprint import HTML

    pages = "".join(f'<section><p>{html.escape(t)}</p></section>' for t in titles)
    doc = f"""<!doctype html><html><head><meta charset="utf-8"><style>
@font-face {{ font-family: "Slip Serif"; src: url(LiberationSerif-Bold.ttf); font-weight: bold; }}
@page {{ size: letter; margin: 1in; }}
body {{ font-family: "Slip Serif", serif; font-weight: bold; }}
section {{ page-break-after: always; height: 9in; display: flex; align-items: center; justify-content: center; }}
section:last-child {{ page-break-after: auto; }}
p {{ font-size: 28pt; text-align: center; margin: 0; overflow-wrap: anywhere; }}
</style></head><body>{pages}</body></html>"""
    return bytes(HTML(string=doc, base_url=str(FONTS_DIR) + "/").write_pdf())
