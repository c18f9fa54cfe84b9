"""A Python client generated from the app's own OpenAPI document performs an optimistic-locking PATCH against a
live server (docs/design.md, "Optimistic locking": If-Match and ETag are documented, so a generated client can
perform a PATCH with If-Match).

openapi-python-client runs in its own virtualenv (its pins differ from the project's; docs/DECISIONS.md), created
once under ``.cache/`` (gitignored) and reused. The test skips, saying why, only when that virtualenv cannot be
created (no route to the package registry); everything else — a generator failure, a dropped operation, a
wrong status — fails. It is part of the normal suite (and CI); deselect it locally with
``-m "not generated_client"``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import make_client

pytestmark = pytest.mark.generated_client

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = "openapi-python-client==0.29.1"
VENV = ROOT / ".cache" / f"openapi-client-venv-{GENERATOR.split('==')[1]}"
READY = VENV / ".installed"

# Run with the generated client's virtualenv: read, PATCH with the ETag, PATCH again with the stale one.
SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from dp_client import AuthenticatedClient
from dp_client.api.clients import clients_get, clients_update
from dp_client.models import ClientUpdate

base, token, client_id = sys.argv[2:5]
api = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=False)
read = clients_get.sync_detailed(client_id, client=api)
first_etag = read.headers["etag"]
body = ClientUpdate.from_dict({"last_known_address": "12 Example Lane, Fictional City"})
patched = clients_update.sync_detailed(client_id, client=api, body=body, if_match=first_etag)
stale = clients_update.sync_detailed(client_id, client=api, body=body, if_match=first_etag)
print(json.dumps({
    "read": read.status_code, "first_etag": first_etag,
    "patched": patched.status_code, "patched_etag": patched.headers.get("etag"),
    "patched_address": patched.parsed.last_known_address if patched.status_code == 200 else None,
    "stale": stale.status_code, "stale_code": getattr(stale.parsed, "code", None),
}))
"""


def _client_python() -> Path:
    """The generator's virtualenv (created on first use); skips when it cannot be created."""
    python = VENV / "bin" / "python"
    if READY.exists():
        return python
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                               GENERATOR], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"could not create the generator's virtualenv ({exc}); no route to the package registry?")
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        pytest.skip(f"could not install {GENERATOR} (no route to the package registry?): {' | '.join(tail)}")
    READY.write_text(GENERATOR + "\n")
    return python


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(settings: Any, tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn in a subprocess, on the test database and the test process's keys."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "APP_ENV": "test",
           "DATA_ENCRYPTION_KEYS": settings.data_encryption_keys,
           "DATA_ENCRYPTION_ACTIVE_KEY": settings.data_encryption_active_key,
           "BLIND_INDEX_KEY": settings.blind_index_key}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:build", "--factory", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a generous start-up bound for a busy machine, not a timing assert
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited: {(tmp_path / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the server did not answer /healthz")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_generated_client_patches_with_if_match(live_server: str, db: Any, org_a: Any, tmp_path: Path) -> None:
    python = _client_python()
    doc = httpx.get(f"{live_server}/openapi.json", timeout=30)
    assert doc.status_code == 200
    (tmp_path / "openapi.json").write_text(doc.text)
    out = tmp_path / "gen" / "dp_client"
    gen = subprocess.run([str(VENV / "bin" / "openapi-python-client"), "generate", "--path",
                          str(tmp_path / "openapi.json"), "--output-path", str(out), "--meta", "none"],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert gen.returncode == 0, gen.stdout + gen.stderr
    # The generator may only leave out the binary downloads (PDF, ZIP), never a JSON operation: a schema-name
    # clash or a bad parameter would drop one and show up as another warning here.
    warnings = [line for line in gen.stdout.splitlines() if line.startswith("WARNING parsing")]
    assert all(line.endswith(("/pdf within filings.", "/zip within filings.")) for line in warnings), warnings

    person = make_client(db, org_a.id)
    token = org_a.h("paralegal")["Authorization"].removeprefix("Bearer ")
    run = subprocess.run([str(python), "-c", SCRIPT, str(out.parent), live_server, token, str(person.id)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["read"] == 200 and result["first_etag"] == '"1"'
    assert result["patched"] == 200 and result["patched_address"] == "12 Example Lane, Fictional City"
    assert result["patched_etag"] not in (None, result["first_etag"])  # the ETag changes with the version
    assert result["stale"] == 412 and result["stale_code"] == "version_conflict"
