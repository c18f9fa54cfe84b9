"""``dueprocess alerts sweep`` end to end (a real process against the test database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.auth.models import Organization
from tests.factories import make_client
from tests.protection.conftest import daily_declaration, order_body

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]


def _sweep(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "app.cli", "alerts", "sweep", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_sweep_command(client: Any, db: Any, org_a: Any, clock: Any, database_url: str) -> None:
    person = make_client(db, org_a.id)
    h = org_a.h("attorney")
    clock.set("2025-04-11T20:00:00+00:00")
    client.post(f"{API}/clients/{person.id}/protection-orders", headers=h, json=order_body(
        type="tro", scope="all_removal", countries=[], issued_at="2025-04-10T15:00:00Z",
        expires_at="2025-04-24T15:00:00Z"))
    client.post(f"{API}/clients/{person.id}/court-orders", headers=h, json={
        "issuing_court": "D. Md.", "issued_at": "2025-04-11T19:30:00Z", "obligations": [daily_declaration()]})
    with db.session() as s:
        slug = s.get(Organization, org_a.id).slug

    out = _sweep(database_url, "--org", slug, "--now", "2025-04-23T12:00:00+00:00")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["organizations"] == 1
    assert result["occurrences_not_filed"] == 11  # 04-12 .. 04-22
    assert result["alert:obligation_missed"] == 11 and result["alert:protection_expiring"] == 1
    # the same sweep again changes nothing; two days later the TRO has lapsed (in-process, same function)
    from datetime import UTC, datetime

    from app.protection.sweep import sweep

    with db.session(write=True) as s:
        again = sweep(s, datetime(2025, 4, 23, 12, tzinfo=UTC), [org_a.id])
        assert again["occurrences_not_filed"] == 0 and again["alert:protection_expiring"] == 0
        later = sweep(s, datetime(2025, 4, 25, 12, tzinfo=UTC), [org_a.id])
        assert later["orders_expired"] == 1 and later["occurrences_not_filed"] == 2
    bad = _sweep(database_url, "--org", slug, "--now", "2025-04-25T12:00:00")  # naive instant
    assert bad.returncode == 2 and "offset" in bad.stderr


def test_sweep_command_refuses_bad_arguments(database_url: str) -> None:
    garbage = _sweep(database_url, "--now", "not-a-date")  # was a traceback before the shared parser
    assert garbage.returncode == 2 and "offset" in garbage.stderr and "Traceback" not in garbage.stderr
    unknown = _sweep(database_url, "--org", "no-such-organization", "--now", "2025-04-25T12:00:00Z")
    assert unknown.returncode == 2 and "no organization" in unknown.stderr
