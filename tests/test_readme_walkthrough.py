"""The README's curl walk-throughs, run as written against a live server.

A newcomer follows the README with nothing else; if a step there fails, the product fails them. This test
starts the server the way ``make run`` does (migrate, seed the facilities, create the development admin,
serve) on a fresh database and a free port, takes the ``sh`` blocks of the two walk-through sections out of
README.md, and runs them in one bash with ``set -euo pipefail``. The only substitutions are the ones a reader
makes: the address of this server and the admin password ``make run`` printed. ``curl`` is wrapped to fail on
an HTTP error (the README's ``curl -s`` would print the problem and go on), and every expected answer the
README shows in a comment (``# [('removal_to_protected_country', 'critical')]``) must appear in the output.

Also runnable by hand against any server: ``python tests/test_readme_walkthrough.py URL EMAIL PASSWORD``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("## Log in and look around", "## A case from start to finish")
README_URL = "http://127.0.0.1:8000"
README_PASSWORD = "PASSWORD-FROM-MAKE-RUN"


def walkthrough_blocks(readme: str) -> list[str]:
    """The ``sh`` code blocks of the walk-through sections, in order."""
    blocks: list[str] = []
    for heading in SECTIONS:
        start = readme.index(heading)
        end = readme.find("\n## ", start + len(heading))
        section = readme[start:end if end != -1 else None]
        blocks += re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    if not blocks:
        raise AssertionError("no walk-through blocks found in README.md")
    return blocks


def expected_outputs(script: str) -> list[str]:
    """The answers the README shows as comments right after a command: ``# [(...)]`` or ``# ('...', ...)``."""
    out = []
    for line in script.splitlines():
        m = re.match(r"\s*# ((?:\[\(|\(['\"]|\[['\"]).*?)\s*(<-.*)?$", line)  # a Python literal, as `py` prints
        if m:
            out.append(m.group(1).strip())
    return out


def build_script(readme: str, base_url: str, email: str, password: str) -> tuple[str, list[str]]:
    body = "\n".join(walkthrough_blocks(readme))
    body = body.replace(README_URL, base_url).replace(README_PASSWORD, password)
    body = body.replace("username=admin@example.org", f"username={email}")
    prologue = (
        "set -euo pipefail\n"
        # Fail on an HTTP error, printing the problem document (the README's `curl -s` would go on).
        "curl() { command curl --fail-with-body --show-error \"$@\"; }\n"
    )
    return prologue + body + "\necho WALKTHROUGH-DONE\n", expected_outputs(body)


def run_walkthrough(base_url: str, email: str, password: str, workdir: Path) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    script, expected = build_script(readme, base_url, email, password)
    done = subprocess.run(["bash", "-c", script], cwd=workdir, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "WALKTHROUGH-DONE" in done.stdout, output[-4000:]
    missing = [e for e in expected if e not in done.stdout]
    assert not missing, f"README shows {missing} but the server answered:\n{done.stdout[-4000:]}"
    return output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[str], seconds: float = 90) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:  # noqa: S310 - loopback only
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the server did not answer /healthz in time")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("curl") is None, reason="the README walk-through needs curl")
def test_readme_walkthrough_runs_as_written(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.conftest import new_database_url

    workdir = tmp_path_factory.mktemp("readme")
    url, cleanup = new_database_url(tmp_path_factory)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DP_TEST", "PYTEST"))}
    env.update(APP_ENV="development", DATABASE_URL=url, LOG_LEVEL="WARNING", JWT_SECRET_KEY="",
               RATE_LIMIT_ENABLED="false", PYTHONPATH=str(ROOT))
    cli = [sys.executable, "-m", "app.cli"]
    try:
        for step in (["migrate"], ["seed-facilities"]):
            done = subprocess.run(cli + step, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
        boot = subprocess.run(cli + ["dev-bootstrap"], cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=120)
        assert boot.returncode == 0, boot.stdout + boot.stderr
        email = re.search(r"email:\s+(\S+)", boot.stdout)
        password = re.search(r"password:\s+(\S+)", boot.stdout)
        assert email and password, boot.stdout
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(cli + ["serve", "--host", "127.0.0.1", "--port", str(port)], cwd=workdir,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _wait_ready(base, server)
            run_walkthrough(base, email.group(1), password.group(1), workdir)
            assert (workdir / "petition.pdf").read_bytes().startswith(b"%PDF-")
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    finally:
        cleanup()


if __name__ == "__main__":  # python tests/test_readme_walkthrough.py http://127.0.0.1:8000 EMAIL PASSWORD
    base_url, admin_email, admin_password = sys.argv[1:4]
    print(run_walkthrough(base_url.rstrip("/"), admin_email, admin_password, Path.cwd()))
