"""Fail-closed URL fetcher for WeasyPrint (docs/security-model.md#pdf-rendering, matrix P1-P4).

Serves exactly two things: files under `templates/static/` (resolved path must stay inside that
folder; that is how the stylesheet and the bundled fonts arrive) and `data:` URIs below a small cap;
plus, when configured, font files (and only font files) in the script-fonts folder. Everything
else — other `file:` paths, http(s), ftp, unknown schemes, /dev/urandom — raises
FatalURLFetchingError, which aborts the render. Blocked requests are remembered (scheme only in
the message, so no personal data or paths reach logs) and `render_pdf_bytes` refuses a document
that asked for any, even where WeasyPrint itself would have swallowed the error (SVG).
"""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

log = logging.getLogger("app.filings.render.fetcher")

REPO_ROOT = Path(__file__).resolve().parents[3]
TEMPLATES_DIR = REPO_ROOT / "templates"
STATIC_DIR = TEMPLATES_DIR / "static"
MAX_DATA_URI_BYTES = 256 * 1024
MAX_STATIC_FILE_BYTES = 8 * 1024 * 1024
MAX_FONT_FILE_BYTES = 64 * 1024 * 1024  # a CJK collection is ~20-30 MB
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff", ".woff2")
_EXTRA_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".otf": "font/otf",
                ".ttc": "font/collection"}


class SafeURLFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no type hints
    """Allowlist fetcher: `file:` inside the static folder and small `data:` URIs only."""

    def __init__(
        self,
        static_dir: Path | str = STATIC_DIR,
        max_data_bytes: int = MAX_DATA_URI_BYTES,
        font_dirs: tuple[Path | str, ...] = (),
    ) -> None:
        super().__init__(
            timeout=2, allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True
        )
        self.static_dir = Path(os.path.realpath(static_dir))
        self.max_data_bytes = max_data_bytes
        self.font_dirs = tuple(Path(os.path.realpath(d)) for d in font_dirs)
        self.requested: list[str] = []  # every URL asked for (tests spy on this)
        self.blocked: list[str] = []  # scheme/reason of each refusal

    # WeasyPrint calls fetcher(url) -> fetch(url); urllib-style open() is never used by us.
    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        self.requested.append(url[:200])
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            return self._static_file(url)
        self._refuse(f"scheme {scheme or '(none)'} not allowed")
        raise AssertionError("unreachable")  # pragma: no cover

    def _refuse(self, reason: str) -> None:
        self.blocked.append(reason)
        log.warning("blocked resource during PDF render: %s", reason)
        raise FatalURLFetchingError(f"blocked resource: {reason}")

    def _data(self, url: str) -> URLFetcherResponse:
        # Reject by size before decoding anything: base64 inflates by 4/3.
        if len(url) > self.max_data_bytes * 4 // 3 + 512:
            self._refuse("data: URI over the size cap")
        header, sep, payload = url[5:].partition(",")
        if not sep:
            self._refuse("malformed data: URI")
        params = header.split(";")
        mime = params[0].strip().lower() or "text/plain"
        try:
            if "base64" in (p.strip().lower() for p in params[1:]):
                body = base64.b64decode(unquote_to_bytes(payload), validate=False)
            else:
                body = unquote_to_bytes(payload)
        except (binascii.Error, ValueError):
            self._refuse("undecodable data: URI")
        if len(body) > self.max_data_bytes:
            self._refuse("data: URI over the size cap")
        return URLFetcherResponse(url, body, {"Content-Type": mime})

    def _static_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            self._refuse("file: URL with a host")
        path = Path(os.path.realpath(url2pathname(unquote_to_bytes(parts.path).decode("utf-8", "replace"))))
        cap = MAX_STATIC_FILE_BYTES
        if not _inside(path, self.static_dir):
            if not (path.suffix.lower() in FONT_SUFFIXES and any(_inside(path, d) for d in self.font_dirs)):
                self._refuse("file: URL outside the static folder")
            cap = MAX_FONT_FILE_BYTES
        if not path.is_file():
            self._refuse("static file missing or not a regular file")
        if path.stat().st_size > cap:
            self._refuse("static file over the size cap")
        mime = _EXTRA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        mime = mime or "application/octet-stream"
        if mime.startswith("text/"):
            mime += "; charset=utf-8"
        headers = {"Content-Type": mime}
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True
