"""The type comes from the bytes; hostile PDFs and malformed images are refused (app/documents/inspect.py)."""

from __future__ import annotations

import pytest

from app.documents.inspect import DocumentRejected, inspect

from . import samples

CAP = 5 * 1_048_576


def _code(data: bytes) -> str:
    with pytest.raises(DocumentRejected) as exc:
        inspect(data, max_bytes=CAP)
    return exc.value.code


def test_clean_files_are_described_from_their_bytes() -> None:
    assert inspect(samples.pdf(pages=3), max_bytes=CAP).pages == 3
    found = inspect(samples.png(120, 80), max_bytes=CAP)
    assert (found.media_type, found.width, found.height, found.pages) == ("image/png", 120, 80, 1)
    assert inspect(samples.jpeg(), max_bytes=CAP).media_type == "image/jpeg"


@pytest.mark.parametrize("make, code", [
    (samples.pdf_with_javascript, "pdf_active_content"),
    (samples.pdf_with_open_action_js, "pdf_active_content"),
    (samples.pdf_with_launch_open_action, "pdf_active_content"),
    (samples.pdf_with_attachment, "pdf_active_content"),
    (samples.pdf_with_page_aa, "pdf_active_content"),
    (samples.encrypted_pdf, "pdf_encrypted"),
])
def test_hostile_pdfs_are_refused(make: object, code: str) -> None:
    assert _code(make()) == code  # type: ignore[operator]


def test_text_named_anything_is_refused_and_truncated_files_are_malformed() -> None:
    assert _code(b"hello, this is text") == "document_type_not_allowed"
    assert _code(b"<html><script>alert(1)</script></html>") == "document_type_not_allowed"
    assert _code(b"") == "document_empty"
    assert _code(samples.png()[:40]) == "document_malformed"
    assert _code(b"%PDF-1.7\n garbage") == "document_malformed"


def test_image_dimensions_are_checked() -> None:
    assert _code(samples.png(4, 4)) == "image_dimensions"
    assert _code(samples.png(20_001, 8)) == "image_too_large"


def test_size_cap_is_413() -> None:
    with pytest.raises(DocumentRejected) as exc:
        inspect(samples.pdf(), max_bytes=100)
    assert (exc.value.code, exc.value.status) == ("document_too_large", 413)


def test_plain_destination_open_action_is_allowed() -> None:
    import io

    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject, NumberObject
    w = PdfWriter()
    w.add_blank_page(width=612, height=792)
    w._root_object[NameObject("/OpenAction")] = ArrayObject([w.pages[0].indirect_reference, NameObject("/XYZ"),
                                                             NumberObject(0), NumberObject(792), NumberObject(0)])
    buf = io.BytesIO()
    w.write(buf)
    assert inspect(buf.getvalue(), max_bytes=CAP).pages == 1


def test_escaped_names_do_not_hide_javascript() -> None:
    # ISO 32000-1 §7.3.5: "#61" is "a" in a name. A byte-level search for "/JavaScript" finds nothing here;
    # the parsed object graph does.
    data = samples.pdf_with_javascript().replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    assert b"/JavaScript" not in data
    assert _code(data) == "pdf_active_content"
