"""The fonts a filing may use, and where they come from.

Latin text (English and Spanish, including every accented letter and ñ, ¿, ¡, «») is set in Liberation
Serif 2.x, shipped in ``templates/static/fonts/`` under the SIL Open Font License 1.1 and loaded by
``@font-face`` from ``static/filing.css`` through the render fetcher. It has the metrics of Times New
Roman, the 12-point serif that district-court practice assumes for a brief, so a petition's page count
matches a Word-drafted one (page limits are counted in pages). Because the files travel with the
repository, the same snapshot gives the same pages and the same embedded fonts on every machine.

Names recorded in another script (Arabic, Chinese/Japanese/Korean, Ethiopic, Hebrew, Devanagari) need
fonts the repository does not ship (a CJK serif alone is tens of megabytes). They come, in this order:

1. from the folder named by ``FILING_SCRIPT_FONTS_DIR`` (every ``.ttf``/``.otf``/``.ttc`` in it is
   loaded by ``@font-face``; this is the reproducible route: pin the files in the deployment);
2. otherwise from fonts installed on the host under the Noto family names below (Debian:
   ``fonts-noto-core``, ``fonts-noto-cjk``).

Only the families in ``ALLOWED_FAMILIES`` may appear in a filing; preflight fails a PDF that used
another one (a host fallback such as DejaVu) or that printed a placeholder glyph (.notdef) for a
character no allowed font covers.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from app.filings.render.fetcher import STATIC_DIR

log = logging.getLogger("app.filings.render.fonts")

FONTS_DIR = STATIC_DIR / "fonts"
# The private @font-face name of the bundled Liberation Serif (see static/filing.css for why).
BUNDLED_FAMILY = "Due Process Serif"
# (weight, style) -> file, as declared by the @font-face rules of static/filing.css.
BUNDLED_FILES = {
    ("normal", "normal"): "LiberationSerif-Regular.ttf",
    ("bold", "normal"): "LiberationSerif-Bold.ttf",
    ("normal", "italic"): "LiberationSerif-Italic.ttf",
    ("bold", "italic"): "LiberationSerif-BoldItalic.ttf",
}

# Optional script families, by the names Noto (SIL OFL 1.1) gives them. The order is the fallback order
# of the CSS font stack: a serif (Naskh) face first where the script has one, to sit beside the serif
# body text.
SCRIPT_FAMILIES: dict[str, tuple[str, ...]] = {
    "arabic": ("Noto Naskh Arabic", "Noto Sans Arabic"),
    "cjk": ("Noto Serif CJK SC", "Noto Serif CJK JP", "Noto Serif CJK TC", "Noto Serif CJK KR",
            "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans CJK KR"),
    "ethiopic": ("Noto Serif Ethiopic", "Noto Sans Ethiopic"),
    "hebrew": ("Noto Serif Hebrew", "Noto Sans Hebrew"),
    "devanagari": ("Noto Serif Devanagari", "Noto Sans Devanagari"),
}
ALLOWED_FAMILIES: tuple[str, ...] = (BUNDLED_FAMILY,) + tuple(
    family for families in SCRIPT_FAMILIES.values() for family in families
)
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_STYLE_WORDS = {"bold", "italic", "bolditalic", "oblique", "regular", "book", "medium", "light", "semi-bold",
                "semibold", "condensed", "not-rotated"}


def family_of(base_font: str) -> str:
    """Family of a PDF font name as WeasyPrint writes it (``/ABCDEF+Liberation-Serif-Bold`` ->
    ``liberation serif``): subset tag, leading slash and style words dropped, lower case."""
    name = _SUBSET_PREFIX.sub("", base_font.lstrip("/"))
    words = [w for w in re.split(r"[-\s]+", name) if w]
    while words and (words[-1].lower() in _STYLE_WORDS or words[-1].replace(".", "").isdigit()):
        words.pop()
    return " ".join(words).lower()


def is_allowed_family(base_font: str) -> bool:
    family = family_of(base_font)
    return any(family == allowed.lower() for allowed in ALLOWED_FAMILIES)


def _face_info(path: Path) -> tuple[str, int, bool, frozenset[int]] | None:
    """(family, weight, italic, covered code points) of a font file's first face, read with fontTools
    (a WeasyPrint dependency)."""
    from fontTools.ttLib import TTCollection, TTFont

    font = (TTCollection(str(path), lazy=True).fonts[0] if path.suffix.lower() == ".ttc"
            else TTFont(str(path), lazy=True))
    name = font["name"]
    family = name.getDebugName(16) or name.getDebugName(1)
    if not family:
        return None
    os2 = font["OS/2"] if "OS/2" in font else None
    weight = int(getattr(os2, "usWeightClass", 400) or 400)
    italic = bool(getattr(os2, "fsSelection", 0) & 1)
    cmap = font.getBestCmap() or {}
    return family, weight, italic, frozenset(cmap)


@lru_cache(maxsize=1)
def bundled_coverage() -> frozenset[int]:
    """Code points the bundled serif can print (its regular face; the other three cover the same)."""
    info = _face_info(FONTS_DIR / BUNDLED_FILES[("normal", "normal")])
    return info[3] if info else frozenset()


@lru_cache(maxsize=8)
def _script_font_faces(folder: str) -> tuple[tuple[str, str, int, bool, frozenset[int]], ...]:
    """(file URI, family, weight, italic, coverage) of every font in ``folder``; unreadable files are
    skipped. Read once per process (the folder is deployment configuration, not data)."""
    root = Path(folder)
    if not root.is_dir():
        log.warning("FILING_SCRIPT_FONTS_DIR is not a folder; script fonts come from the host")
        return ()
    out = []
    for path in sorted(root.iterdir()):
        if path.suffix.lower() not in _FONT_SUFFIXES or not path.is_file():
            continue
        try:
            info = _face_info(path)
        except Exception as exc:  # noqa: BLE001 - a bad file must not stop every render
            log.warning("skipping unreadable script font (%s)", type(exc).__name__)
            continue
        if info:
            out.append((path.resolve().as_uri(), *info))
    return tuple(out)


def script_fonts_dir() -> Path | None:
    from app.filings.render.settings import get_render_settings

    folder = get_render_settings().filing_script_fonts_dir
    return Path(folder).resolve() if folder else None


def script_fonts_css(folder: Path | None, text: str) -> str:
    """``@font-face`` rules for the fonts of the script-fonts folder that ``text`` needs ('' when it
    needs none), and a font stack that puts their families after the bundled serif.

    Only fonts covering a character of ``text`` that the bundled serif lacks are declared: WeasyPrint
    copies every declared font file for each document, and a CJK collection is ~25 MB, so a petition
    in Latin script must not pay for fonts it does not use."""
    if folder is None:
        return ""
    faces = _script_font_faces(str(folder))
    if not faces:
        return ""
    needed = {ord(c) for c in set(text) if not c.isspace()} - bundled_coverage()
    if not needed:
        return ""
    rules = []
    families: list[str] = []
    for uri, family, weight, italic, coverage in faces:
        if coverage.isdisjoint(needed):
            continue
        family_css = family.replace("\\", "").replace('"', "")
        rules.append(
            f'@font-face {{ font-family: "{family_css}"; src: url("{uri}"); '
            f"font-weight: {700 if weight >= 600 else 400}; "
            f"font-style: {'italic' if italic else 'normal'}; }}"
        )
        if family_css not in families:
            families.append(family_css)
    if not rules:
        return ""
    # Same stack as filing.css with the folder's families first among the script fallbacks.
    stack = ", ".join(f'"{f}"' for f in (BUNDLED_FAMILY, *families, *ALLOWED_FAMILIES[1:]))
    rules.append(f"html:root {{ font-family: {stack}; }}")
    rules.append(f"@page {{ @bottom-center {{ font-family: {stack}; }} }}")
    return "\n".join(rules)
