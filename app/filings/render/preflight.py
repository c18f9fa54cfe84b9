"""CM/ECF preflight of a PDF: letter pages, embedded fonts of the allowed families, no placeholder
(.notdef) glyphs, extractable text, no JavaScript / launch actions, no encryption, no form fields, no
attachments, size under the cap (docs/filings-output.md lists the court rules behind each check).

Walks every object reachable from the trailer (object streams included, which a byte scan of a
compressed PDF would miss). Pure function of the bytes; never raises on a bad PDF — reports it.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from app.filings.render.fonts import ALLOWED_FAMILIES, is_allowed_family

LETTER = (612.0, 792.0)
TOLERANCE_PT = 1.0
DEFAULT_MAX_BYTES = 30 * 1024 * 1024  # D. Md. cap; other courts 35-50 MB
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def _check(name: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "ok": bool(ok), "detail": detail}


def _walk(reader: PdfReader) -> dict[str, int]:
    """Count risky constructs among all reachable objects."""
    found = {"javascript": 0, "launch": 0, "open_action_js": 0, "acroform": 0, "widget": 0,
             "embedded_files": 0}
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            try:
                obj = obj.get_object()
            except Exception:  # noqa: S112 - dangling reference: nothing to inspect
                continue
        if isinstance(obj, DictionaryObject):
            keys = set(obj.keys())
            if "/JS" in keys or "/JavaScript" in keys or obj.get("/S") == "/JavaScript":
                found["javascript"] += 1
            if obj.get("/S") == "/Launch":
                found["launch"] += 1
            if "/AcroForm" in keys or "/XFA" in keys:
                found["acroform"] += 1
            if obj.get("/Subtype") == "/Widget":
                found["widget"] += 1
            if ("/EmbeddedFiles" in keys or obj.get("/Type") == "/EmbeddedFile"
                    or obj.get("/Subtype") == "/FileAttachment" or "/EF" in keys):
                found["embedded_files"] += 1
            if "/OpenAction" in keys:
                raw_action = obj["/OpenAction"]
                action = raw_action.get_object() if isinstance(raw_action, IndirectObject) else raw_action
                if isinstance(action, DictionaryObject) and (
                    action.get("/S") == "/JavaScript" or "/JS" in action
                ):
                    found["open_action_js"] += 1
            stack.extend(v for k, v in obj.items() if k != "/Parent")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return found


def _font_is_embedded(font: DictionaryObject) -> bool:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True  # glyphs are drawn by content streams inside the PDF
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        descendants = descendants.get_object() if descendants is not None else []
        return bool(descendants) and all(_font_is_embedded(d.get_object()) for d in descendants)
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in _FONT_FILES)


def _uses_notdef(font: DictionaryObject) -> bool:
    """True when the text shows glyph 0 (.notdef, the empty box a viewer draws for a character the
    font lacks). WeasyPrint writes a width for CID 0 only when it had to print one: the first entry
    of a CIDFont's /W array then starts at 0."""
    if font.get("/Subtype") != "/Type0":
        return False
    descendants = font.get("/DescendantFonts")
    for ref in (descendants.get_object() if descendants is not None else []):
        widths = ref.get_object().get("/W")
        widths = widths.get_object() if widths is not None else None
        if widths and int(widths[0]) == 0:
            return True
    return False


def _page_fonts(resources: Any, out: dict[str, bool], notdef: set[str], depth: int = 0) -> None:
    if resources is None or depth > 8:
        return
    resources = resources.get_object()
    fonts = resources.get("/Font")
    if fonts is not None:
        for name, ref in fonts.get_object().items():
            font = ref.get_object()
            base = str(font.get("/BaseFont", name))
            out[base] = out.get(base, True) and _font_is_embedded(font)
            if font.get("/Subtype") != "/Type3" and "/ToUnicode" not in font:
                out[f"{base} (no ToUnicode)"] = False
            if _uses_notdef(font):
                notdef.add(base)
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        for ref in xobjects.get_object().values():
            xobj = ref.get_object()
            if xobj.get("/Subtype") == NameObject("/Form"):
                _page_fonts(xobj.get("/Resources"), out, notdef, depth + 1)


def _has_text(page: Any, full: bool) -> bool:
    """Full extraction, or (fast path) text-showing operators in the page content; with the
    ToUnicode check on every font that is what makes the text extractable."""
    try:
        if full:
            return bool((page.extract_text() or "").strip())
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        return b"Tj" in data or b"TJ" in data
    except Exception:
        return False


def preflight(
    pdf_bytes: bytes, max_bytes: int = DEFAULT_MAX_BYTES, *, thorough: bool = False
) -> dict[str, Any]:
    """Check a PDF against court e-filing rules; {"ok", "checks": [...], "pages", "bytes"}.

    Text is extracted from the first page (every page when `thorough`); the other pages must
    show text with fonts that carry a ToUnicode map.
    """
    size = len(pdf_bytes)
    checks = [_check("size", size <= max_bytes, f"{size} bytes (limit {max_bytes})")]
    try:
        reader = PdfReader(BytesIO(pdf_bytes), strict=False)
        encrypted = reader.is_encrypted or "/Encrypt" in reader.trailer
        checks.append(_check("not_encrypted", not encrypted, "encrypted" if encrypted else "none"))
        if encrypted:
            return {"ok": False, "checks": checks, "pages": 0, "bytes": size}
        pages = reader.pages
        page_count = len(pages)
    except Exception as exc:
        checks.append(_check("parse", False, f"unreadable PDF ({type(exc).__name__})"))
        return {"ok": False, "checks": checks, "pages": 0, "bytes": size}

    bad_size: list[str] = []
    no_text: list[int] = []
    fonts: dict[str, bool] = {}
    notdef: set[str] = set()
    for number, page in enumerate(pages, start=1):
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        rotate = int(page.get("/Rotate", 0) or 0) % 360
        if rotate or abs(width - LETTER[0]) > TOLERANCE_PT or abs(height - LETTER[1]) > TOLERANCE_PT:
            bad_size.append(f"p{number}: {width:.0f}x{height:.0f} rot {rotate}")
        _page_fonts(page.get("/Resources"), fonts, notdef)
        if not _has_text(page, full=thorough or number == 1):
            no_text.append(number)

    checks.append(_check("page_count", page_count > 0, f"{page_count} pages"))
    checks.append(_check("letter_size", not bad_size,
                         "all pages 612x792 pt" if not bad_size else "; ".join(bad_size[:10])))
    unembedded = sorted(name for name, ok in fonts.items() if not ok)
    checks.append(_check("fonts_embedded", not unembedded,
                         f"{len(fonts)} fonts embedded" if not unembedded
                         else "not embedded: " + ", ".join(unembedded[:10])))
    names = sorted({n for n in fonts if not n.endswith("(no ToUnicode)")})
    foreign = [n for n in names if not is_allowed_family(n)]
    checks.append(_check("font_families", not foreign,
                         f"only {', '.join(ALLOWED_FAMILIES[:1])} and the script fonts" if not foreign
                         else "fonts outside the bundled and script families: " + ", ".join(foreign[:10])))
    checks.append(_check("no_missing_glyphs", not notdef,
                         "every character has a glyph" if not notdef
                         else "placeholder (.notdef) glyphs in " + ", ".join(sorted(notdef)[:10])
                         + ": a character no allowed font covers (add a script font)"))
    checks.append(_check("text_extractable", page_count > 0 and not no_text,
                         "text on every page" if not no_text
                         else "no text on pages " + ", ".join(map(str, no_text[:20]))))
    found = _walk(reader)
    checks.append(_check("no_javascript", not (found["javascript"] or found["open_action_js"]),
                         f"{found['javascript'] + found['open_action_js']} JavaScript objects"))
    checks.append(_check("no_launch_actions", not found["launch"], f"{found['launch']} found"))
    forms = found["acroform"] + found["widget"]
    checks.append(_check("no_form_fields", not forms, f"{forms} form objects"))
    checks.append(_check("no_attachments", not found["embedded_files"],
                         f"{found['embedded_files']} attachment objects"))
    ok = all(c["ok"] for c in checks)
    return {"ok": ok, "checks": checks, "pages": page_count, "bytes": size}
