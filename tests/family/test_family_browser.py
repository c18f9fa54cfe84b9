"""The family page in a real headless Chromium (Debian's ``chromium``, driven by Playwright; never a downloaded
browser): accept an invitation, sign in, read the Spanish view on a 390×844 phone screen, switch to English, sign
out. Every page gets an axe-core check (0 serious or critical violations) and a screenshot under
``test-artifacts/family/`` (gitignored; DP_TEST_ARTIFACTS moves it).

Needs ``.ci/family-browser-setup.sh`` (apt-get install chromium; npm install axe-core into var/axe-core, or
FAMILY_AXE_DIR). Skips, saying which is missing, without them.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.family.conftest import NEW_PASSWORD, VISIBLE_FACILITY

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Path(os.environ.get("FAMILY_AXE_DIR", ROOT / "var" / "axe-core")) / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("DP_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "family"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
    pytest.skip("Debian's chromium is not installed (run .ci/family-browser-setup.sh)", allow_module_level=True)
if not AXE.exists():
    pytest.skip(f"axe-core is not installed at {AXE} (run .ci/family-browser-setup.sh)", allow_module_level=True)

AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 targets: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(settings: Any, db: Any) -> Iterator[str]:
    """The application on a real socket (uvicorn), on the suite's database. APP_ENV=development so its cookies are
    not Secure on plain http://127.0.0.1 (production serves HTTPS behind the proxy)."""
    import uvicorn

    from app.main import create_app

    app = create_app(settings.model_copy(update={"app_env": "development"}), db=db)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                     headless=True, args=FLAGS)
        yield browser
        browser.close()


class Checker:
    """Screenshot and axe-core check of each page visited (axe is injected by the browser's own init-script
    channel, so the pages' strict CSP stays on)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.seen: list[str] = []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def check(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        self.page.screenshot(path=str(ARTIFACTS / f"{len(self.seen):02d}-{name}.png"), full_page=True)
        violations = self.page.evaluate(AXE_RUN)
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert bad == [], (name, bad)
        self.seen.append(name)


def test_invitation_sign_in_spanish_view_english_sign_out(live_server: str, chromium: Any, invite: Any,
                                                          org_a: Any) -> None:
    fam = invite(org_a)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="es-US", java_script_enabled=True)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    c = Checker(page)
    try:
        page.goto(f"{live_server}/family/invite/{fam.token}")
        assert page.locator("html").get_attribute("lang") == "es"
        c.check("invite-es")
        page.fill("#password", NEW_PASSWORD)
        page.fill("#password2", NEW_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/family/")
        c.check("list-es")
        page.click("text=Cerrar sesión")
        page.wait_for_selector("text=Usted cerró la sesión.")
        c.check("signed-out-es")
        page.goto(f"{live_server}/family/login")
        c.check("login-es")
        page.fill("#email", fam.email)
        page.fill("#password", "una contraseña equivocada")
        page.click("form[action='/family/login'] button[type=submit]")
        page.wait_for_selector("#login-error")
        c.check("login-error-es")
        page.fill("#password", NEW_PASSWORD)
        page.click("form[action='/family/login'] button[type=submit]")
        page.wait_for_url(f"{live_server}/family/")
        page.click("text=José Luis Ramírez Núñez")
        page.wait_for_selector("h1")
        assert f"Detenido por ICE en {VISIBLE_FACILITY}" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
        c.check("client-es")
        page.click("text=Contar algo nuevo al equipo legal")
        c.check("report-es")
        page.click("text=English")
        page.wait_for_selector("html[lang=en]")
        assert "Tell the legal team something new" in page.content()
        page.click("a:text-is(\"Back\")")
        page.wait_for_selector(f"text=Detained by ICE at {VISIBLE_FACILITY}")
        c.check("client-en")
        page.click("text=Sign out")
        page.wait_for_selector("text=You have signed out.")
        c.check("signed-out-en")
        page.goto(f"{live_server}/family/password-reset")
        c.check("reset-en")
        page.goto(f"{live_server}/family/")
        assert page.url == f"{live_server}/family/login"  # signed out for real
        assert csp_errors == []  # the pages need nothing the policy forbids
    finally:
        context.close()
    assert len(c.seen) == 10
