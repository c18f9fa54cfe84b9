"""docs/security-model.md#attack-catalogue-P4, P6, P8, V13: user data prints literally, the fetcher fails closed,
nothing
leaves the machine, metadata holds no server paths, every script extracts."""

from __future__ import annotations

import getpass
import http.server
import socket
import threading
from collections.abc import Iterator
from io import BytesIO

import pytest
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from app.filings.errors import BlockedResource
from app.filings.render.fetcher import REPO_ROOT, SafeURLFetcher
from app.filings.render.pdf import render_pdf_bytes
from app.filings.render.preflight import preflight
from app.filings.render.renderer import render_filing, render_html

from .conftest import context_for, flat, pdf_text
from .script_fonts import require_script

PASSWD_MARK = b"root:x:0:0"


class SpyFetcher(SafeURLFetcher):
    """Records every URL WeasyPrint asks for (SafeURLFetcher keeps them in .requested)."""


@pytest.fixture
def canary() -> Iterator[dict]:
    """A loopback HTTP server that counts every request it receives."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body{}")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "hits": hits}
    finally:
        server.shutdown()
        server.server_close()


HOSTILE_NAMES = ['<img src="file:///etc/passwd">', "{{7*7}}", "{% for x in range(3) %}x{% endfor %}",
                 "{{''.__class__.__mro__}}"]


def test_client_data_is_printed_literally_and_never_fetched() -> None:
    ctx = context_for("habeas_2241", given=HOSTILE_NAMES[1] + " " + HOSTILE_NAMES[2],
                      first=HOSTILE_NAMES[0], second=HOSTILE_NAMES[3])
    html = render_html("habeas_2241", ctx)
    assert '<img src="file:///etc/passwd">' not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    spy = SpyFetcher()
    pdf = render_pdf_bytes(html, url_fetcher=spy)
    assert spy.requested and all("passwd" not in url for url in spy.requested)
    assert any(url.endswith("static/filing.css") for url in spy.requested)  # the spy does see requests
    assert not spy.blocked
    text = flat(pdf_text(pdf))
    for literal in HOSTILE_NAMES:
        assert literal in text
    assert "Petitioner 49" not in text
    assert PASSWD_MARK not in pdf


def _vectors(base: str) -> dict[str, str]:
    return {
        "img_file": '<img src="file:///etc/passwd">',
        "img_relative_escape": '<img src="static/../../../../../../etc/passwd">',
        "css_url": '<div style="background: url(file:///etc/passwd)">x</div>',
        "import": "<style>@import url(file:///etc/passwd);</style>",
        "font_face": "<style>@font-face{font-family:x;src:url(file:///etc/passwd)}"
                     "p{font-family:x}</style>",
        "svg_image": '<svg width="10" height="10"><image href="file:///etc/passwd" width="10" '
                     'height="10"/></svg>',
        "object": '<object data="file:///etc/passwd"></object>',
        "embed": '<embed src="file:///etc/passwd">',
        "urandom": '<img src="file:///dev/urandom">',
        "img_http": f'<img src="{base}/img.png">',
        "link_http": f'<link rel="stylesheet" href="{base}/x.css">',
        "import_http": f"<style>@import url({base}/i.css);</style>",
        "font_http": f"<style>@font-face{{font-family:y;src:url({base}/f.ttf)}}p{{font-family:y}}</style>",
        "metadata_ip": '<img src="http://169.254.169.254/latest/meta-data/">',
        "ipv6_loopback": f'<img src="http://[::1]:{base.rsplit(":", 1)[1]}/v6.png">',
        "ftp": '<img src="ftp://127.0.0.1/x.png">',
        "https": f'<img src="{base.replace("http:", "https:")}/s.png">',
    }


VECTOR_NAMES = list(_vectors("http://127.0.0.1:1"))


@pytest.mark.parametrize("vector", VECTOR_NAMES)
def test_hostile_html_fails_closed(canary, vector: str, monkeypatch: pytest.MonkeyPatch) -> None:
    html = f"<html><body><p>Text</p>{_vectors(canary['url'])[vector]}<p>after</p></body></html>"
    spy = SpyFetcher()
    # Refused before any network I/O: no connection is even attempted (a structural check rather than a
    # wall-clock one, which failed on a loaded machine).
    connects: list[object] = []
    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect",
                        lambda self, address: (connects.append(address), real_connect(self, address))[1])
    with pytest.raises(BlockedResource):
        render_pdf_bytes(html, url_fetcher=spy)
    monkeypatch.undo()
    assert connects == []
    assert spy.blocked
    assert canary["hits"] == []


@pytest.mark.parametrize("markup", [
    '<a rel="attachment" href="file:///etc/passwd">a</a>',
    '<link rel="attachment" href="file:///etc/passwd">',
    '<a rel="attachment" href="data:text/plain,secret">a</a>',
    '<form><input name="x" value="y" style="appearance: auto"></form>',
])
def test_attachments_and_forms_are_dropped(markup: str) -> None:
    html = f"<html><head>{markup}</head><body><p>Text {markup}</p></body></html>"
    spy = SpyFetcher()
    try:
        pdf = render_pdf_bytes(html, url_fetcher=spy)
    except BlockedResource:
        return  # failing closed is fine too
    assert all("passwd" not in url for url in spy.requested)
    assert PASSWD_MARK not in pdf
    checks = {c["name"]: c["ok"] for c in preflight(pdf)["checks"]}
    assert checks["no_attachments"] and checks["no_form_fields"] and checks["no_javascript"]


def test_huge_data_uri_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused by its length, before any byte is decoded (checked by counting decodes, not by a clock)."""
    from app.filings.render import fetcher as fetcher_module

    decoded: list[int] = []
    real_decode = fetcher_module.base64.b64decode
    monkeypatch.setattr(fetcher_module.base64, "b64decode",
                        lambda data, **kw: (decoded.append(len(data)), real_decode(data, **kw))[1])
    payload = "A" * (50 * 1024 * 1024)
    with pytest.raises(FatalURLFetchingError, match="blocked resource"):
        SafeURLFetcher().fetch("data:image/png;base64," + payload)
    html = '<html><body><img src="data:image/png;base64,' + "A" * (2 * 1024 * 1024) + '"></body></html>'
    with pytest.raises(BlockedResource):
        render_pdf_bytes(html)
    assert decoded == []


def test_small_data_uri_is_allowed() -> None:
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
    pdf = render_pdf_bytes(f'<html><body><p>dot</p><img src="data:image/png;base64,{png}"></body></html>')
    assert pdf.startswith(b"%PDF-")


def test_fetcher_refuses_paths_outside_static(tmp_path) -> None:
    fetcher = SafeURLFetcher()
    css = fetcher.fetch((REPO_ROOT / "templates" / "static" / "filing.css").as_uri())
    assert css.content_type == "text/css"
    for url in ["file:///etc/passwd", (REPO_ROOT / "app" / "filings" / "pdf.py").as_uri(),
                (REPO_ROOT / "templates" / "static" / ".." / "filings" / "base.html").as_uri(),
                "file://evil.example/etc/passwd", "gopher://127.0.0.1/", "jar:file:///x!/y"]:
        with pytest.raises(FatalURLFetchingError, match="blocked resource"):
            fetcher.fetch(url)
    link = tmp_path / "link.css"
    link.symlink_to("/etc/passwd")
    with pytest.raises(FatalURLFetchingError, match="blocked resource"):
        SafeURLFetcher(static_dir=tmp_path).fetch(link.as_uri())


def test_metadata_has_no_paths_or_usernames() -> None:
    for variant in (None, "pdf/a-2b"):
        result = render_filing("habeas_2241", context_for("habeas_2241"), pdf_variant=variant)
        reader = PdfReader(BytesIO(result.pdf))
        info = {k: str(v) for k, v in (reader.metadata or {}).items()}
        assert set(info) <= {"/Producer", "/Title"}
        xmp = reader.trailer["/Root"].get("/Metadata")
        blobs = [" ".join(info.values()).encode()]
        if xmp is not None:
            blobs.append(xmp.get_object().get_data())
        for blob in blobs:
            assert str(REPO_ROOT).encode() not in blob
            assert b"/home/" not in blob and b"file:" not in blob
            assert f"/{getpass.getuser()}/".encode() not in blob
            assert "José".encode() not in blob and b"012-345-678" not in blob
        assert str(REPO_ROOT).encode() not in result.pdf


@pytest.mark.parametrize("script,given,first,second,surname_first,expected", [
    ("arabic", "محمد", "حسن", None, False, ["محمد", "حسن"]),
    ("cjk", "小明", "王", None, True, ["王小明"]),
    ("ethiopic", "ተስፋይ", "ገብረ", None, False, ["ተስፋይ", "ገብረ"]),
    (None, "Zoë", "Đặng", "Nguyễn", False, ["Zoë Đặng Nguyễn"]),
])
def test_scripts_extract(script, given, first, second, surname_first, expected) -> None:
    if script:  # the bundled serif covers Latin (incl. Vietnamese); other scripts need optional fonts
        require_script(script)
    ctx = context_for("declaration", given=given, first=first, second=second,
                      surname_first=surname_first)
    result = render_filing("declaration", ctx)
    assert result.preflight["ok"], [c for c in result.preflight["checks"] if not c["ok"]]
    text = pdf_text(result.pdf)
    for piece in expected:
        assert piece in text


def test_dependency_floor() -> None:
    from importlib.metadata import version

    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split(".")[:3] if p.isdigit())

    assert parts(version("weasyprint")) >= (70, 0)
    assert parts(version("jinja2")) >= (3, 1, 6)
