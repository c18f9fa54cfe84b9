"""Render errors. Plain exceptions with simple args so they survive pickling out of a worker.

Web-layer mapping: RenderBusy -> 503 + Retry-After, RenderTimeout -> 503, PageLimitExceeded ->
422, BlockedResource / RenderFailed -> 422 (a template or data problem) or 500-free 503.
Messages never carry personal data or server paths.
"""

from __future__ import annotations


class RenderError(Exception):
    """Base class of every render failure."""


class RenderFailed(RenderError):
    """WeasyPrint or the template failed; the message is generic."""


class BlockedResource(RenderFailed):
    """The document asked for a resource outside the allowlist; the render fails closed."""


class RenderTimeout(RenderError):
    """The render exceeded the wall-clock limit; its worker was killed."""


class PageLimitExceeded(RenderError):
    """The laid-out document has more pages than the cap; no PDF was written."""

    def __init__(self, pages: int, limit: int):
        super().__init__(pages, limit)
        self.pages = pages
        self.limit = limit

    def __str__(self) -> str:
        return f"document has {self.pages} pages; the limit is {self.limit}"


class RenderBusy(RenderError):
    """Too many renders in flight and queued; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int = 5):
        super().__init__(retry_after)
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"renderer busy; retry after {self.retry_after} s"
