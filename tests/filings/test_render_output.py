"""What a filing PDF is made of, read back from the bytes: PDF/A-2b identification, the document
outline, the bundled fonts (and the same pages and fonts without any host font), certificates on the
page of their signature, preflight of font families and placeholder glyphs, determinism, qpdf."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from app.filings.render import fonts, settings
from app.filings.render.fetcher import REPO_ROOT
from app.filings.render.pdf import render_pdf_bytes
from app.filings.render.pipeline import render_filing
from app.filings.render.preflight import preflight

from .conftest import context_for, flat
from .script_fonts import SAMPLES, find_noto_file, require_script

HABEAS_SECTIONS = ["INTRODUCTION", "CUSTODY", "JURISDICTION", "VENUE", "PARTIES", "STATEMENT OF FACTS",
                   "CLAIMS FOR RELIEF", "PRAYER FOR RELIEF", "VERIFICATION PURSUANT TO 28 U.S.C. § 2242",
                   "CERTIFICATE OF SERVICE", "EXHIBIT INDEX"]
PAGE_HTML = '<html><head><link rel="stylesheet" href="static/filing.css"></head><body>{}</body></html>'


@pytest.fixture(scope="module")
def habeas() -> Any:
    return render_filing("habeas_2241", context_for("habeas_2241"))


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(BytesIO(pdf))


def font_names(pdf: bytes) -> list[str]:
    """Embedded font names without the subset tag (``ABCDEF+``), sorted."""
    names = set()
    for page in reader(pdf).pages:
        for ref in page["/Resources"]["/Font"].values():
            names.add(re.sub(r"^/[A-Z]{6}\+", "", str(ref.get_object()["/BaseFont"])))
    return sorted(names)


def outline(pdf: bytes) -> list[tuple[int, str, int]]:
    r = reader(pdf)
    out: list[tuple[int, str, int]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, r.get_destination_page_number(item) + 1))

    walk(r.outline, 1)
    return out


# --- PDF/A-2b ----------------------------------------------------------------------------------------

def test_pdfa_2b_by_default(habeas: Any) -> None:
    r = reader(habeas.pdf)
    root = r.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="2"' in xmp and b'pdfaid:conformance="B"' in xmp
    intents = root["/OutputIntents"]
    assert len(intents) == 1
    intent = intents[0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "sRGB" in str(intent["/OutputConditionIdentifier"])
    assert "/DestOutputProfile" in intent
    assert r.pdf_header.startswith("%PDF-1.7")
    assert "/ID" in r.trailer  # content-derived file identifier (PDF/A-2 requires one)
    for page in r.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    assert habeas.preflight["ok"], [c for c in habeas.preflight["checks"] if not c["ok"]]


def test_pdf_variant_setting_turns_pdfa_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDF_VARIANT", "none")
    settings.get_render_settings.cache_clear()
    try:
        result = render_filing("certificate_of_service", context_for("certificate_of_service"))
    finally:
        monkeypatch.undo()
        settings.get_render_settings.cache_clear()
    root = reader(result.pdf).trailer["/Root"]
    assert "/OutputIntents" not in root and "/Metadata" not in root
    assert result.preflight["ok"]
    with pytest.raises(ValueError):
        settings.RenderSettings(pdf_variant="pdf/x-1a")


@pytest.mark.skipif(shutil.which("qpdf") is None,
                    reason="qpdf is not installed (Debian package qpdf; .ci/run installs it)")
def test_qpdf_check_passes(habeas: Any, tmp_path: Path) -> None:
    target = tmp_path / "habeas.pdf"
    target.write_bytes(habeas.pdf)
    done = subprocess.run(["qpdf", "--check", str(target)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors found" in done.stdout


# --- outline -----------------------------------------------------------------------------------------

def test_outline_has_the_title_and_every_section(habeas: Any) -> None:
    entries = outline(habeas.pdf)
    assert entries[0][0] == 1 and entries[0][1].startswith("PETITION FOR WRIT OF HABEAS CORPUS")
    titles = [title for depth, title, _ in entries if depth == 2]
    positions = [titles.index(section) for section in HABEAS_SECTIONS]
    assert positions == sorted(positions)
    pages = [page for _, _, page in entries]
    assert pages == sorted(pages) and pages[-1] <= habeas.pages
    counts = [title for depth, title, _ in entries if depth == 3]
    assert counts and all(title.startswith("COUNT ") for title in counts)


@pytest.mark.parametrize("key", ["tro_motion", "certificate_of_service", "declaration"])
def test_every_filing_has_an_outline(key: str) -> None:
    entries = outline(render_filing(key, context_for(key)).pdf)
    assert entries and entries[0][0] == 1


# --- fonts -------------------------------------------------------------------------------------------

def test_only_the_bundled_serif_is_embedded(habeas: Any) -> None:
    names = font_names(habeas.pdf)
    assert names and all(n.startswith("Due-Process-Serif") for n in names), names
    assert {"Due-Process-Serif", "Due-Process-Serif-Bold", "Due-Process-Serif-Italic"} <= set(names)
    for name in ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf",
                 "LiberationSerif-BoldItalic.ttf", "LICENSE-LiberationSerif.txt"):
        assert (fonts.FONTS_DIR / name).is_file()
    assert "SIL OPEN FONT LICENSE Version 1.1" in (fonts.FONTS_DIR / "LICENSE-LiberationSerif.txt").read_text()


def test_spanish_is_fully_covered() -> None:
    text = "José Ramírez Núñez, ¿dónde está? ¡Sí! «Güeña» — ÁÉÍÓÚÜÑ áéíóúüñ"
    pdf = render_pdf_bytes(PAGE_HTML.format(f"<p>{text}</p>"))
    report = preflight(pdf, thorough=True)
    assert report["ok"], [c for c in report["checks"] if not c["ok"]]
    assert font_names(pdf) == ["Due-Process-Serif"]
    assert text in flat(reader(pdf).pages[0].extract_text())


_SUBPROCESS = """
import json, sys
from app.filings.render.pipeline import render_filing
from tests.filings.conftest import context_for
r = render_filing("habeas_2241", context_for("habeas_2241"))
json.dump({"pages": r.pages, "sha256": r.sha256, "ok": r.preflight["ok"]}, sys.stdout)
"""


def _render_in_subprocess(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _SUBPROCESS], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_same_pages_and_fonts_without_any_host_font(habeas: Any, tmp_path: Path) -> None:
    """A fontconfig that knows no font directory at all: only the repository's fonts exist."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                    f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("FILING_SCRIPT_FONTS_DIR", None)
    bare = _render_in_subprocess(env)
    assert bare["ok"] and bare["pages"] == habeas.pages
    # Same layout and same fonts; the bytes are the same too (nothing host-dependent is embedded).
    assert bare["sha256"] == habeas.sha256


# --- determinism -------------------------------------------------------------------------------------

def test_same_snapshot_same_bytes_across_processes(habeas: Any) -> None:
    """No clock, no process state in the file: a second process (seconds later, whatever the load)
    writes the same bytes. (Before, fontTools stamped each font subset with the current second.)"""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    assert _render_in_subprocess(env)["sha256"] == habeas.sha256
    assert "SOURCE_DATE_EPOCH" not in os.environ or os.environ["SOURCE_DATE_EPOCH"]


def test_font_timestamps_are_fixed(habeas: Any) -> None:
    """The embedded subsets carry a fixed `head.modified`: the source file's (HarfBuzz-Subset keeps it) or
    the pinned epoch (fontTools, used when HarfBuzz-Subset is missing, would stamp the current second)."""
    from fontTools.ttLib import TTFont

    from app.filings.render.pdf import FONT_TIMESTAMP_EPOCH

    r = reader(habeas.pdf)
    font = r.pages[0]["/Resources"]["/Font"]
    descriptor = next(iter(font.values())).get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    program = TTFont(BytesIO(descriptor.get_object()["/FontFile2"].get_object().get_data()))
    # head.modified counts seconds since 1904-01-01; SOURCE_DATE_EPOCH counts them since 1970-01-01.
    pinned = int(FONT_TIMESTAMP_EPOCH) + 2082844800
    sources = {TTFont(fonts.FONTS_DIR / name)["head"].modified for name in fonts.BUNDLED_FILES.values()}
    assert program["head"].modified in sources | {pinned}


# --- certificates stay with their signatures ---------------------------------------------------------

def _heading_and_signature_pages(pdf: bytes, heading: str, signer: str) -> tuple[int, int]:
    texts = [flat(page.extract_text() or "") for page in reader(pdf).pages]
    start = next(i for i, t in enumerate(texts) if heading in t)
    after = texts[start].split(heading, 1)[1]
    if f"/s/ {signer}" in after:
        return start, start
    later = next(i for i in range(start + 1, len(texts)) if f"/s/ {signer}" in texts[i])
    return start, later


@pytest.mark.parametrize("filler", range(40))
def test_certificate_never_leaves_its_signature(filler: int) -> None:
    """Push a certificate down the page line by line: heading, text and signature always share a page."""
    body = "".join(f'<div class="body"><p>Filler paragraph {i} of the argument.</p></div>' for i in range(filler))
    cert = ('<div class="body"><h2>CERTIFICATE OF SERVICE</h2><p>I certify that on November 20, 2026 I '
            "filed the foregoing through the Court's CM/ECF system, which sent notice of the filing to "
            "counsel for Respondents, and that I mailed a copy to each Respondent.</p>"
            '<div class="signature"><p class="s">/s/ Ana Signer</p><p>Ana Signer</p></div></div>')
    pdf = render_pdf_bytes(PAGE_HTML.format(body + cert), pdf_variant=None)
    start, sign = _heading_and_signature_pages(pdf, "CERTIFICATE OF SERVICE", "Ana Signer")
    assert start == sign, f"filler={filler}: heading on page {start + 1}, signature on page {sign + 1}"


@pytest.mark.parametrize("facts", [0, 6, 11, 17, 23])
def test_petition_certificates_share_a_page_with_their_signatures(facts: int) -> None:
    statement = "\n\n".join(f"On day {i}, Petitioner remained detained and asked for release." for i in range(facts))
    ctx = context_for("habeas_2241", options={"facts": statement} if facts else {})
    result = render_filing("habeas_2241", ctx)
    signer = ctx.attorney.full_name
    start, sign = _heading_and_signature_pages(result.pdf, "CERTIFICATE OF SERVICE", signer)
    assert start == sign


# --- preflight: families and placeholder glyphs -----------------------------------------------------

def test_preflight_refuses_a_foreign_family() -> None:
    html = PAGE_HTML.format('<style>@font-face{font-family:"Other Face";'
                            "src:url(static/fonts/LiberationSerif-Regular.ttf)}"
                            'p{font-family:"Other Face"}</style><p>Text</p>')
    report = preflight(render_pdf_bytes(html, pdf_variant=None))
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert set(failed) == {"font_families"} and "Other-Face" in failed["font_families"]


def test_preflight_flags_placeholder_glyphs() -> None:
    # U+E000 is a private-use code point: no font the project allows has a glyph for it.
    report = preflight(render_pdf_bytes(PAGE_HTML.format("<p>Name: \ue000\ue001</p>"), pdf_variant=None))
    failed = {c["name"]: c["detail"] for c in report["checks"] if not c["ok"]}
    assert "no_missing_glyphs" in failed and ".notdef" in failed["no_missing_glyphs"]


def test_family_names() -> None:
    assert fonts.family_of("/ABCDEF+Due-Process-Serif-BoldItalic") == "due process serif"
    assert fonts.family_of("/ABCDEF+Due-Process-Serif-Bold-Italic") == "due process serif"
    assert fonts.is_allowed_family("/XYZABC+Noto-Naskh-Arabic")
    assert fonts.is_allowed_family("/XYZABC+Noto-Serif-CJK-JP")
    assert not fonts.is_allowed_family("/XYZABC+DejaVu-Sans")
    assert not fonts.is_allowed_family("/XYZABC+Liberation-Serif")  # a host copy is not the bundled one


# --- optional script fonts ---------------------------------------------------------------------------

@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_script_names_render_with_an_allowed_font(script: str) -> None:
    require_script(script)
    pdf = render_pdf_bytes(PAGE_HTML.format(f"<p>{SAMPLES[script]}</p>"))
    assert preflight(pdf)["ok"]
    assert SAMPLES[script].split()[0] in reader(pdf).pages[0].extract_text()


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_script_fonts_dir_is_loaded_by_font_face(script: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The reproducible route: FILING_SCRIPT_FONTS_DIR names a folder of font files, loaded through the
    fetcher only when a document needs them."""
    found = find_noto_file(script)
    if found is None:
        pytest.skip(f"no Noto {script} font file on this machine (install fonts-noto-core / fonts-noto-cjk "
                    "or set FILING_SCRIPT_FONTS_DIR); see docs/filings-output.md")
    folder = tmp_path / "script-fonts"
    folder.mkdir()
    shutil.copy(found, folder / found.name)  # a copy: the fetcher refuses links that leave the folder
    monkeypatch.setenv("FILING_SCRIPT_FONTS_DIR", str(folder))
    settings.get_render_settings.cache_clear()
    try:
        css = fonts.script_fonts_css(fonts.script_fonts_dir(), SAMPLES[script])
        assert "@font-face" in css and found.name in css
        assert fonts.script_fonts_css(fonts.script_fonts_dir(), "José Núñez") == ""  # Latin needs none
        pdf = render_pdf_bytes(PAGE_HTML.format(f"<p>José {SAMPLES[script]}</p>"))
    finally:
        monkeypatch.undo()
        settings.get_render_settings.cache_clear()
    report = preflight(pdf)
    assert report["ok"], [c for c in report["checks"] if not c["ok"]]
    names = font_names(pdf)
    assert "Due-Process-Serif" in names and any(n.startswith("Noto-") for n in names), names
