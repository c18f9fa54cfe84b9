"""The render pipeline as plain functions, in whatever process calls them: sandboxed Jinja2 -> HTML ->
WeasyPrint PDF -> preflight. The pool's workers run `render_filing`; tests and the CLI call it directly.

User data reaches templates only as context variables (autoescape on, StrictUndefined, sandbox);
templates are developer-owned files, never built from user text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from app.filings.registry import check, get_spec
from app.filings.render.fetcher import TEMPLATES_DIR
from app.filings.render.pdf import DEFAULT_MAX_PAGES, DEFAULT_VARIANT, layout_and_write
from app.filings.render.preflight import DEFAULT_MAX_BYTES, preflight
from app.filings.template_vars import FILTERS, template_variables
from app.filings.viewmodels import FilingRecord

_ENV: SandboxedEnvironment | None = None


def get_environment() -> SandboxedEnvironment:
    """The one Jinja2 environment: FileSystemLoader on <repo>/templates, autoescape, strict."""
    global _ENV
    if _ENV is None:
        env = SandboxedEnvironment(
            loader=FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        env.filters.update(FILTERS)
        _ENV = env
    return _ENV


def render_html(key: str, ctx: FilingRecord) -> str:
    """HTML of filing `key` for `ctx`; raises FilingDataError listing every problem."""
    check(key, ctx)
    spec = get_spec(key)
    template = get_environment().get_template(f"filings/{spec.template}")
    return template.render(**template_variables(key, ctx))


@dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    sha256: str
    pages: int
    bytes: int
    preflight: dict[str, Any]


def render_filing(
    key: str,
    ctx: FilingRecord,
    *,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    pdf_variant: str | None = DEFAULT_VARIANT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> RenderResult:
    """Whole pipeline in this process: HTML, PDF (page cap before writing), preflight."""
    html = render_html(key, ctx)
    pdf, pages = layout_and_write(
        html, max_pages=max_pages, pdf_variant=pdf_variant, title=get_spec(key).title
    )
    return RenderResult(
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        pages=pages,
        bytes=len(pdf),
        preflight=preflight(pdf, max_bytes=max_bytes),
    )
