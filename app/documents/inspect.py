"""What an uploaded file really is, and whether it is safe to keep and to merge into a court filing.

Pure functions over bytes: no database, no settings. The type comes from the bytes (magic number, then a
structural parse), never from the file name or the declared content type, which the sender controls
(docs/documents.md#what-is-accepted). Every refusal is a ``DocumentRejected`` with a stable code.

- PDF: the header at byte 0, then parsed with pypdf. Encrypted PDFs are refused (they cannot be checked, and
  CM/ECF refuses them too). Active content is refused: every object reachable from the trailer is walked
  (object streams included, names decoded by the parser, so ``/J#61vaScript`` is ``/JavaScript``) and any
  JavaScript, launch or submit action, embedded file, rich media, XFA form, additional-actions (``/AA``)
  dictionary or ``/OpenAction`` that is an action rather than a plain destination is refused.
- JPEG/PNG: decoded in full with Pillow (a truncated or malformed image is refused) and the dimensions checked
  (``MAX_IMAGE_SIDE``, ``MAX_IMAGE_PIXELS``: a decompression bomb is refused before it is decoded).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
ACCEPTED = (PDF, JPEG, PNG)

MAX_IMAGE_SIDE = 20_000  # pixels
MAX_IMAGE_PIXELS = 60_000_000  # a 600 dpi scan of a letter page is ~34 megapixels
MIN_IMAGE_SIDE = 8
MAX_PDF_PAGES = 2_000
MAX_PDF_OBJECTS = 500_000  # a walk beyond this is refused rather than left to run

# Keys whose mere presence means active content (ISO 32000-1 §12.6 actions, §7.11.4 embedded files,
# §12.6.3 additional actions, §12.7.8 XFA; RichMedia: Adobe supplement, ISO 32000-2 §13.7).
_FORBIDDEN_KEYS = {"/JS": "javascript", "/JavaScript": "javascript", "/AA": "additional_actions",
                   "/EmbeddedFile": "embedded_file", "/EmbeddedFiles": "embedded_file",
                   "/RichMedia": "rich_media", "/RichMediaContent": "rich_media", "/XFA": "xfa",
                   "/Launch": "launch"}
# Action types (the ``/S`` of an action dictionary) that run code, open programs or send data.
_FORBIDDEN_ACTIONS = {"/JavaScript": "javascript", "/Launch": "launch", "/SubmitForm": "submit_form",
                      "/ImportData": "import_data", "/RichMediaExecute": "rich_media", "/GoToE": "embedded_file",
                      "/Rendition": "rendition", "/Sound": "media", "/Movie": "media"}


class DocumentRejected(Exception):
    """The file is refused; ``code`` is the problem code, ``status`` 422 unless the size is the reason."""

    def __init__(self, code: str, detail: str, status: int = 422) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class Inspected:
    media_type: str
    pages: int
    width: int | None = None
    height: int | None = None


def sniff(data: bytes) -> str | None:
    """The media type the magic number claims, or None (the structural check follows in ``inspect``)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def inspect(data: bytes, *, max_bytes: int) -> Inspected:
    """Check an upload and describe it, or raise ``DocumentRejected``."""
    if len(data) > max_bytes:
        raise DocumentRejected("document_too_large", f"The file exceeds {max_bytes} bytes.", status=413)
    if not data:
        raise DocumentRejected("document_empty", "The file is empty.")
    kind = sniff(data)
    if kind is None:
        raise DocumentRejected("document_type_not_allowed",
                               "Only PDF, JPEG and PNG files are accepted (the type is read from the file's "
                               "content, not its name).")
    if kind == PDF:
        return _inspect_pdf(data)
    return _inspect_image(data, kind)


def _inspect_image(data: bytes, kind: str) -> Inspected:
    from PIL import Image

    expected = "PNG" if kind == PNG else "JPEG"
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice the limit raises) on decompression bombs; both are refusals here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != expected:
                    raise DocumentRejected("document_malformed", "The image's content does not match its type.")
                width, height = img.size
                _check_dimensions(width, height)
                img.load()  # decode every pixel: a truncated or corrupt image fails here
    except DocumentRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentRejected("image_too_large", "The image has too many pixels.") from None
    except Exception:  # noqa: BLE001 - any decoder failure means the image cannot be used
        raise DocumentRejected("document_malformed", "The image could not be read.") from None
    return Inspected(kind, 1, width, height)


def _check_dimensions(width: int, height: int) -> None:
    if min(width, height) < MIN_IMAGE_SIDE:
        raise DocumentRejected("image_dimensions", f"The image is smaller than {MIN_IMAGE_SIDE} pixels on a side.")
    if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise DocumentRejected("image_too_large", "The image has too many pixels.")


def _inspect_pdf(data: bytes) -> Inspected:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentRejected("pdf_encrypted", "Encrypted or password-protected PDFs are not accepted.")
        finding = active_content(reader.trailer)
        if finding is not None:
            raise DocumentRejected("pdf_active_content",
                                   f"The PDF contains active content ({finding}); print it to a new PDF first.")
        pages = len(reader.pages)
        for page in reader.pages:  # every page must resolve to a real page with a size
            _ = page.mediabox.width
    except DocumentRejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        raise DocumentRejected("document_malformed", "The PDF could not be read.") from None
    if pages < 1:
        raise DocumentRejected("document_malformed", "The PDF has no pages.")
    if pages > MAX_PDF_PAGES:
        raise DocumentRejected("pdf_too_many_pages", f"The PDF has more than {MAX_PDF_PAGES} pages.")
    return Inspected(PDF, pages)


def active_content(root: Any) -> str | None:
    """The first kind of active content reachable from ``root`` (a pypdf object), or None.

    Iterative (a hostile file can nest deeper than Python's recursion limit) and visits each indirect object
    once (reference cycles are normal in PDF: a page points to its parent)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [root]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            return "too many objects to check"
        if isinstance(obj, DictionaryObject):  # stream objects are dictionaries too; data is not decoded
            for key, value in obj.items():
                if key in _FORBIDDEN_KEYS:
                    return _FORBIDDEN_KEYS[key]
                if key == "/OpenAction" and not isinstance(value, ArrayObject):
                    target = value.get_object() if isinstance(value, IndirectObject) else value
                    if not isinstance(target, ArrayObject):  # an action dictionary, not a destination
                        return "open_action"
                if key == "/S" and isinstance(value, NameObject) and value in _FORBIDDEN_ACTIONS:
                    return _FORBIDDEN_ACTIONS[value]
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None
