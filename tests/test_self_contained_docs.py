"""The repository explains itself: no code, comment or document cites a design file that is not in it.

The design notes the project started from lived outside the repository; a citation such as "DESIGN §7" or
"DOMAIN §4" sends a reader to a file they do not have. What the code relies on is written under docs/ (the
conventions in docs/design.md, the law in docs/domain/), so a citation must name a file that is here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# "DESIGN §10.7", "DOMAIN.md", "../shared/reference/…", "FILINGS-REVIEW.md", "ARCHITECTURE.md": the outside files.
OUTSIDE = re.compile(
    r"\b(?:DESIGN|DOMAIN)(?:\.md)?\s*§|\b(?:DESIGN|DOMAIN|FILINGS-REVIEW|ARCHITECTURE)\.md\b|\.\./shared/"
)
TEXT_SUFFIXES = {".py", ".md", ".html", ".css", ".toml", ".ini", ".cfg", ".yml", ".yaml", ".sh", ".mako", ".txt",
                 ".example", ".importlinter", ""}


def tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:  # an exported tree without git
        pytest.skip(f"git ls-files is not available here ({exc}); the check needs the repository's file list")
    paths = [ROOT / p for p in out.decode().split("\0") if p]
    return [p for p in paths if p.is_file() and (p.suffix in TEXT_SUFFIXES or p.name in {"Makefile", "Dockerfile"})]


def test_the_pattern_catches_what_it_should() -> None:
    for cited in ("see DESIGN §10.7", "(DOMAIN §4.2)", "DOMAIN.md §3", "../shared/reference/SECURITY.md",
                  "FILINGS-REVIEW.md"):
        assert OUTSIDE.search(cited), cited
    for fine in ("docs/design.md", "docs/SECURITY.md §6", "DOCUMENTED_STATUSES", "docs/architecture.md"):
        assert not OUTSIDE.search(fine), fine


def test_no_file_cites_a_design_file_outside_the_repository() -> None:
    me = Path(__file__).resolve()
    found = []
    for path in tracked_text_files():
        if path.resolve() == me:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    assert not found, "citations of files outside the repository:\n" + "\n".join(found)
