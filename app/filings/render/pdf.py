"""HTML -> PDF with WeasyPrint under the fail-closed fetcher, a page cap and scrubbed metadata.

Runs wherever it is called (tests call it in-process); the `Renderer` runs it in worker
processes. Order matters: lay out with `render()`, count pages, refuse above the cap, and only
then write the PDF.

PDF/A-2b (ISO 19005-2, level B) is the default variant (setting ``PDF_VARIANT``): WeasyPrint then
writes the XMP identification (``pdfaid:part=2``, ``pdfaid:conformance=B``), an sRGB output intent
and a content-derived file identifier. CM/ECF accepts plain PDF; PDF/A is the ISO profile for documents
meant to be read unchanged years later (fonts embedded, no external dependencies), which is what a
court record is (docs/filings-output.md).

Determinism: the same HTML gives the same bytes. Nothing time- or host-dependent reaches the file:
no creation/modification dates, no generator, a file /ID that is a hash of the content, fonts
from the repository (see fonts.py), one fresh font configuration per render.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from app.filings.errors import BlockedResource, PageLimitExceeded, RenderFailed
from app.filings.render.fetcher import TEMPLATES_DIR, SafeURLFetcher
from app.filings.render.fonts import script_fonts_css, script_fonts_dir
from app.filings.render.settings import PDF_VARIANTS, get_render_settings

log = logging.getLogger("app.filings.render.pdf")

BASE_URL = TEMPLATES_DIR.as_uri() + "/"  # so `static/filing.css` resolves under templates/
DEFAULT_MAX_PAGES = 200
# ``pdf_variant=DEFAULT_VARIANT`` means "the configured one" (PDF/A-2b unless PDF_VARIANT=none);
# ``None`` asks for a plain PDF explicitly.
DEFAULT_VARIANT = "default"

# When HarfBuzz-Subset (libharfbuzz-subset0, among the README's packages; it subsets about twice as fast)
# is missing, WeasyPrint subsets fonts with fontTools, which stamps each subset's `head.modified` with the
# current time: two renders of one snapshot a second apart differed in bytes (the "flaky" same-bytes test on
# a loaded machine). fontTools takes the time from SOURCE_DATE_EPOCH when set (the reproducible-builds
# convention), so the write step runs with it fixed: 2021-10-21, the date of the bundled Liberation Serif
# 2.1.5 files.
FONT_TIMESTAMP_EPOCH = "1634774400"

__all__ = ["BASE_URL", "DEFAULT_MAX_PAGES", "DEFAULT_VARIANT", "PDF_VARIANTS", "layout_and_write",
           "render_pdf_bytes", "resolve_variant"]


def resolve_variant(pdf_variant: str | None) -> str | None:
    """The variant to write: the configured one for DEFAULT_VARIANT; ValueError if unsupported."""
    if pdf_variant == DEFAULT_VARIANT:
        return get_render_settings().pdf_variant
    if pdf_variant is not None and pdf_variant not in PDF_VARIANTS:
        raise ValueError(f"unsupported PDF variant: {pdf_variant}")
    return pdf_variant


def _scrub(document: Any, title: str | None) -> None:
    """Drop everything a hostile document could smuggle into the PDF besides its pages:
    attachments, file-attachment links, form fields, author/keyword/generator metadata."""
    meta = document.metadata
    meta.title = title or None
    meta.authors, meta.keywords, meta.attachments, meta.xmp_metadata = [], [], [], []
    meta.description = meta.generator = meta.created = meta.modified = None
    meta.custom = {}
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
        page.forms = {None: []}


@contextmanager
def _fixed_font_timestamps() -> Iterator[None]:
    """SOURCE_DATE_EPOCH fixed for the duration of a PDF write, unless the operator set one. Render
    workers are single-threaded; nothing else in them reads the variable meanwhile."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = FONT_TIMESTAMP_EPOCH
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def layout_and_write(
    html: str,
    *,
    url_fetcher: SafeURLFetcher | None = None,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    pdf_variant: str | None = DEFAULT_VARIANT,
    title: str | None = None,
) -> tuple[bytes, int]:
    """Render `html`; return (pdf bytes, page count). Fails closed on any blocked resource."""
    pdf_variant = resolve_variant(pdf_variant)
    fonts_dir = script_fonts_dir()
    fetcher = url_fetcher if url_fetcher is not None else SafeURLFetcher(
        font_dirs=(fonts_dir,) if fonts_dir else ())
    # A fresh font configuration per document: fonts one document declares never leak into the next.
    font_config = FontConfiguration()
    extra_css = script_fonts_css(fonts_dir, html)
    try:
        stylesheets = [CSS(string=extra_css, base_url=BASE_URL, url_fetcher=fetcher,
                           font_config=font_config)] if extra_css else None
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
            font_config=font_config, stylesheets=stylesheets, pdf_variant=pdf_variant
        )
        pages = len(document.pages)
        if max_pages is not None and pages > max_pages:
            raise PageLimitExceeded(pages, max_pages)
        if fetcher.blocked:  # WeasyPrint swallowed a refusal (e.g. inside SVG): still refuse
            raise BlockedResource("document referenced a blocked resource")
        _scrub(document, title)
        with _fixed_font_timestamps():
            pdf = document.write_pdf(pdf_variant=pdf_variant, pdf_forms=False)
        if fetcher.blocked:
            raise BlockedResource("document referenced a blocked resource")
    except FatalURLFetchingError:
        raise BlockedResource("document referenced a blocked resource") from None
    except (PageLimitExceeded, RenderFailed):
        raise
    except Exception as exc:  # WeasyPrint internals: report generically, log the type only
        log.warning("PDF render failed: %s", type(exc).__name__)
        raise RenderFailed("the document could not be rendered") from None
    return pdf, pages


def render_pdf_bytes(
    html: str,
    *,
    url_fetcher: SafeURLFetcher | None = None,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    pdf_variant: str | None = DEFAULT_VARIANT,
    title: str | None = None,
) -> bytes:
    """PDF bytes of `html` (in this process). Raises BlockedResource, PageLimitExceeded,
    RenderFailed."""
    pdf, _ = layout_and_write(
        html, url_fetcher=url_fetcher, max_pages=max_pages, pdf_variant=pdf_variant, title=title
    )
    return pdf
