"""The deadline sweep: overdue open deadlines become ``missed``; due-soon (72 h) and missed alerts; idempotent;
``now`` passed in; per organization."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app.deadlines import sweep as sweep_mod
from tests.deadlines.conftest import API

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _alerts(db: Any, org_id: Any) -> list[Any]:
    from app.protection.models import Alert

    with db.session() as s:
        return list(s.exec(select(Alert).where(Alert.organization_id == org_id)).all())


def _status(world: Any, deadline_id: str) -> str:
    return world.http.get(f"{API}/deadlines/{deadline_id}", headers=world.h()).json()["status"]  # type: ignore[no-any-return]


@pytest.fixture
def docket(world: Any) -> dict[str, Any]:
    world.clock.set(datetime(2026, 4, 1, tzinfo=UTC))  # recorded earlier, so past manual dates are allowed
    out = {
        # HC-RETURN: OSC served Mon 20 Apr -> Thu 23 Apr 2026: overdue on 1 May.
        "overdue": world.trigger(kind="osc_served", occurred_on="2026-04-20").json()["deadlines"][0],
        # PFR-30 from Wed 1 Apr 2026 -> Fri 1 May 2026 23:59:59 EDT: within 72 h, jurisdictional.
        "soon_jurisdictional": world.deadline(rule="PFR-30", trigger_date="2026-04-01"),
        "soon": world.deadline(title="Exhibit list", due_date="2026-05-02"),
        "later": world.deadline(title="Brief", due_date="2026-06-01"),
        "met": world.deadline(title="Filed already", due_date="2026-04-20"),
    }
    world.clock.set(datetime(2026, 4, 25, tzinfo=UTC))
    r = world.patch(f"/deadlines/{out['met']['id']}", {"status": "met", "met_at": "2026-04-10T10:00:00Z"}, 1)
    assert r.status_code == 200, r.text
    return out


def test_sweep_marks_missed_and_raises_alerts(world: Any, db: Any, docket: dict[str, Any], make_org: Any) -> None:
    bystander = make_org()
    with db.session(write=True) as s:
        result = sweep_mod.sweep(s, NOW, [world.org.id])
    assert result["missed"] == 1 and result["organizations"] == 1
    assert result["alert:deadline_missed"] == 1 and result["alert:deadline_due_soon"] == 2
    assert _status(world, docket["overdue"]["id"]) == "missed"
    assert _status(world, docket["soon"]["id"]) == "open" and _status(world, docket["met"]["id"]) == "met"
    alerts = {(a.kind, str(a.trigger_id)): a for a in _alerts(db, world.org.id)}
    missed = alerts[("deadline_missed", docket["overdue"]["id"])]
    assert missed.severity == "high" and missed.client_id == world.client_id
    assert alerts[("deadline_due_soon", docket["soon_jurisdictional"]["id"])].severity == "high"
    assert alerts[("deadline_due_soon", docket["soon"]["id"])].severity == "normal"
    assert ("deadline_due_soon", docket["later"]["id"]) not in alerts
    assert all("title" not in a.details for a in alerts.values())
    # The missed deadline's version moved, so a stale If-Match cannot overwrite the sweep's decision.
    got = world.http.get(f"{API}/deadlines/{docket['overdue']['id']}", headers=world.h())
    assert got.headers["etag"] == '"2"'
    # Idempotent: nothing new on a second run.
    with db.session(write=True) as s:
        again = sweep_mod.sweep(s, NOW + timedelta(minutes=5), [world.org.id])
    assert again["missed"] == 0 and again["alert:deadline_due_soon"] == 0 and again["alert:deadline_missed"] == 0
    assert len(_alerts(db, world.org.id)) == 3
    assert _alerts(db, bystander.id) == []
    r = world.http.get(f"{API}/alerts", headers=world.h(), params={"kind": "deadline_due_soon"})
    if r.status_code == 200:
        assert r.json()["total"] == 2


def test_latest_arguable_day_keeps_a_deadline_open(world: Any, db: Any) -> None:
    # EOIR-APPEAL-IJ from Wed 3 Jun 2026: earliest safe Fri 3 Jul (observed holiday), latest arguable Mon 6 Jul.
    world.clock.set(datetime(2026, 6, 3, tzinfo=UTC))
    d = world.deadline(rule="EOIR-APPEAL-IJ", trigger_date="2026-06-03")
    saturday = datetime(2026, 7, 4, 16, tzinfo=UTC)
    with db.session(write=True) as s:
        result = sweep_mod.sweep(s, saturday, [world.org.id])
    assert result["missed"] == 0 and result["alert:deadline_due_soon"] == 1
    assert _status(world, d["id"]) == "open"
    with db.session(write=True) as s:
        assert sweep_mod.sweep(s, datetime(2026, 7, 7, 5, tzinfo=UTC), [world.org.id])["missed"] == 1


def test_naive_now_is_refused(db: Any) -> None:
    with db.session(write=True) as s, pytest.raises(ValueError):
        sweep_mod.sweep(s, datetime(2026, 5, 1, 12), [])


def test_cli_command_is_registered() -> None:
    from app.cli import cli

    runner = CliRunner()
    r = runner.invoke(cli, ["deadlines", "sweep", "--help"])
    assert r.exit_code == 0 and "--now" in r.output
    bad = runner.invoke(cli, ["deadlines", "sweep", "--now", "2026-05-01T12:00:00"])
    assert bad.exit_code == 2
