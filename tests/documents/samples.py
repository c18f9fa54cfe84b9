"""Sample files built in memory (no fixtures on disk): clean and hostile PDFs, PNG and JPEG images."""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject


def pdf(pages: int = 1, text: str | None = None) -> bytes:
    """A clean PDF; with ``text`` the page carries it (Helvetica), so a test can look for it in the bytes."""
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=612, height=792)
    if text is not None:
        from pypdf.generic import DecodedStreamObject

        page = w.pages[0]
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): w._add_object(font)})})
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 700 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = w._add_object(stream)
    return _out(w)


def pdf_with_javascript() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=612, height=792)
    # Document-level JavaScript: a /JavaScript name tree under the catalog's /Names (ISO 32000-1 §7.7.4).
    from pypdf.generic import ArrayObject

    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('hello');")})
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), w._add_object(action)])})
    w._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): w._add_object(tree)})
    return _out(w)


def pdf_with_open_action_js() -> bytes:
    """An /OpenAction whose action is JavaScript (the /JS key is what gives it away)."""
    w = PdfWriter()
    w.add_blank_page(width=612, height=792)
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert(1)")})
    w._root_object[NameObject("/OpenAction")] = w._add_object(action)
    return _out(w)


def pdf_with_launch_open_action() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=612, height=792)
    action = DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                               NameObject("/F"): TextStringObject("calc.exe")})
    w._root_object[NameObject("/OpenAction")] = action
    return _out(w)


def pdf_with_attachment() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=612, height=792)
    w.add_attachment("payload.exe", b"MZ not really")
    return _out(w)


def pdf_with_page_aa() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=612, height=792)
    w.pages[0][NameObject("/AA")] = DictionaryObject()
    return _out(w)


def encrypted_pdf() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=612, height=792)
    w.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    return _out(w)


def png(width: int = 64, height: int = 48, color: str = "blue") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def jpeg(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(buf, "JPEG")
    return buf.getvalue()


def _out(w: PdfWriter) -> bytes:
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()
