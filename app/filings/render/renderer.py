"""Filing renderer facade: the one import for code that makes PDFs.

- `render_html(key, ctx) -> str` — validate (FilingDataError) and fill the template.
- `render_filing(key, ctx)` — the whole pipeline in this process (tests, CLI).
- `Renderer(...)` with `render(key, ctx)` (sync, for threads/CLI/batches) and
  `await render_async(key, ctx)` (never blocks the event loop) -> `RenderResult`.
- Errors: FilingDataError (422 missing_filing_data), RenderBusy (503 + Retry-After),
  RenderTimeout (503), PageLimitExceeded (422), BlockedResource/RenderFailed (422/503).

Dependencies point one way: this facade -> pool -> pipeline -> pdf/preflight/fetcher/fonts. The pool
never imports this module, so there is no import cycle.
"""

from __future__ import annotations

from app.filings.errors import (
    BlockedResource,
    PageLimitExceeded,
    RenderBusy,
    RenderError,
    RenderFailed,
    RenderTimeout,
)
from app.filings.registry import FilingDataError
from app.filings.render.pdf import PDF_VARIANTS, render_pdf_bytes
from app.filings.render.pipeline import RenderResult, get_environment, render_filing, render_html
from app.filings.render.pool import Renderer

__all__ = [
    "BlockedResource",
    "FilingDataError",
    "PDF_VARIANTS",
    "PageLimitExceeded",
    "RenderBusy",
    "RenderError",
    "RenderFailed",
    "RenderResult",
    "RenderTimeout",
    "Renderer",
    "get_environment",
    "render_filing",
    "render_html",
    "render_pdf_bytes",
]
