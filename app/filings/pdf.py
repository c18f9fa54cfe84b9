"""HTML -> PDF with WeasyPrint under the fail-closed fetcher, a page cap and scrubbed metadata.

Runs wherever it is called (tests call it in-process); the `Renderer` runs it in worker
processes. Order matters: lay out with `render()`, count pages, refuse above the cap, and only
then write the PDF.
"""

from __future__ import annotations

import logging
from typing import Any

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from app.filings.errors import BlockedResource, PageLimitExceeded, RenderFailed
from app.filings.fetcher import TEMPLATES_DIR, SafeURLFetcher

log = logging.getLogger("app.filings.pdf")

BASE_URL = TEMPLATES_DIR.as_uri() + "/"  # so `static/filing.css` resolves under templates/
PDF_VARIANTS = ("pdf/a-2b",)
DEFAULT_MAX_PAGES = 200


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


def layout_and_write(
    html: str,
    *,
    url_fetcher: SafeURLFetcher | None = None,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    pdf_variant: str | None = None,
    title: str | None = None,
) -> tuple[bytes, int]:
    """Render `html`; return (pdf bytes, page count). Fails closed on any blocked resource."""
    if pdf_variant is not None and pdf_variant not in PDF_VARIANTS:
        raise ValueError(f"unsupported PDF variant: {pdf_variant}")
    fetcher = url_fetcher if url_fetcher is not None else SafeURLFetcher()
    try:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
            pdf_variant=pdf_variant
        )
        pages = len(document.pages)
        if max_pages is not None and pages > max_pages:
            raise PageLimitExceeded(pages, max_pages)
        if fetcher.blocked:  # WeasyPrint swallowed a refusal (e.g. inside SVG): still refuse
            raise BlockedResource("document referenced a blocked resource")
        _scrub(document, title)
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
    pdf_variant: str | None = None,
    title: str | None = None,
) -> bytes:
    """PDF bytes of `html` (in this process). Raises BlockedResource, PageLimitExceeded,
    RenderFailed."""
    pdf, _ = layout_and_write(
        html, url_fetcher=url_fetcher, max_pages=max_pages, pdf_variant=pdf_variant, title=title
    )
    return pdf
