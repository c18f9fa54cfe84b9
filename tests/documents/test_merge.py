"""merge_pdfs: parts in order, slip sheets, bookmarks, images as Letter pages (read back with pypdf)."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from app.documents.merge import exhibit_label, merge_pdfs

from . import samples


def test_parts_with_slip_sheets_and_bookmarks() -> None:
    out = merge_pdfs([("Exhibit A — Notice to Appear", samples.pdf(pages=3)),
                      ("Exhibit B — Фото паспорта", samples.png(1200, 3000)),
                      ("Exhibit C — Receipt", samples.jpeg())], slip_sheets=True)
    reader = PdfReader(BytesIO(out))
    assert len(reader.pages) == 1 + 3 + 1 + 1 + 1 + 1
    assert [(o.title, reader.get_destination_page_number(o)) for o in reader.outline] == [
        ("Exhibit A — Notice to Appear", 0), ("Exhibit B — Фото паспорта", 4), ("Exhibit C — Receipt", 6)]
    assert "Exhibit B — Фото паспорта" in (reader.pages[4].extract_text() or "")
    tall = reader.pages[5]  # the 1200x3000 image, scaled into a Letter page
    assert (float(tall.mediabox.width), float(tall.mediabox.height)) == (612.0, 792.0)


def test_without_slip_sheets_bookmarks_point_at_each_part() -> None:
    out = merge_pdfs([("Petition", samples.pdf(pages=2)), ("Motion", samples.pdf(pages=1))], slip_sheets=False)
    reader = PdfReader(BytesIO(out))
    assert len(reader.pages) == 3
    assert [(o.title, reader.get_destination_page_number(o)) for o in reader.outline] == [("Petition", 0),
                                                                                          ("Motion", 2)]


def test_nothing_or_an_unknown_part_is_an_error() -> None:
    with pytest.raises(ValueError):
        merge_pdfs([], slip_sheets=True)
    with pytest.raises(ValueError):
        merge_pdfs([("x", b"plain text")], slip_sheets=False)


def test_exhibit_labels() -> None:
    assert [exhibit_label(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]
