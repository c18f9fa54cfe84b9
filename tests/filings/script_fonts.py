"""Which optional script fonts this machine can use (fonts outside the repository; see
docs/filings-output.md). A test that needs one calls `require_script(...)` and SKIPS, with the reason and
the fix, where the font is missing, so the suite passes on a machine with only the README's packages."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

# One sample per script, printed in the body of a one-line document.
SAMPLES = {"arabic": "محمد حسن", "cjk": "王小明", "ethiopic": "ተስፋይ ገብረ"}
# Where Debian's packages put the Noto files the documentation names (for tests that build a fonts folder).
NOTO_FILES = {
    "arabic": ("NotoNaskhArabic-Regular.ttf", "NotoSansArabic-Regular.ttf"),
    "cjk": ("NotoSerifCJK-Regular.ttc", "NotoSansCJK-Regular.ttc"),
    "ethiopic": ("NotoSerifEthiopic-Regular.ttf", "NotoSansEthiopic-Regular.ttf"),
}
PACKAGES = {"arabic": "fonts-noto-core", "cjk": "fonts-noto-cjk", "ethiopic": "fonts-noto-core"}
_SEARCH = ("/usr/share/fonts", "/usr/local/share/fonts")


@cache
def script_problem(script: str) -> str | None:
    """None when a document with `script` text passes preflight here (allowed family, no .notdef)."""
    from app.filings.render.pdf import render_pdf_bytes
    from app.filings.render.preflight import preflight

    html = ('<html><head><link rel="stylesheet" href="static/filing.css"></head>'
            f"<body><p>{SAMPLES[script]}</p></body></html>")
    report = preflight(render_pdf_bytes(html, pdf_variant=None))
    failed = [f"{c['name']}: {c['detail']}" for c in report["checks"] if not c["ok"]]
    return "; ".join(failed) or None


def require_script(script: str) -> None:
    problem = script_problem(script)
    if problem:
        pytest.skip(
            f"no {script} script font on this machine ({problem}); install {PACKAGES[script]} or set "
            "FILING_SCRIPT_FONTS_DIR to a folder with Noto fonts (docs/filings-output.md)"
        )


def find_noto_file(script: str) -> Path | None:
    """A Noto file for `script` from FILING_SCRIPT_FONTS_DIR or the usual system folders, or None."""
    roots = [os.environ.get("FILING_SCRIPT_FONTS_DIR") or "", *_SEARCH]
    for root in filter(None, roots):
        base = Path(root)
        if not base.is_dir():
            continue
        for name in NOTO_FILES[script]:
            for found in base.rglob(name):
                return found
    return None
