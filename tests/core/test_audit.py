"""Audit trail: hash chain, append-only triggers, tamper detection, admin-only reads."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import BACKEND, assert_problem


def _make_events(client: Any, org: Any, n: int = 3) -> None:
    for i in range(n):
        r = client.post("/api/v1/users", headers=org.h("admin"),
                        json={"email": f"audit{i}-{org.id.hex[:6]}@example.org", "full_name": "Audit Test",
                              "role": "paralegal", "password": "long enough passphrase"})
        assert r.status_code == 201


def test_verify_ok_and_listing(client: Any, org_a: Any) -> None:
    _make_events(client, org_a)
    v = client.get("/api/v1/audit-events/verify", headers=org_a.h("admin"))
    assert v.status_code == 200
    assert v.json()["ok"] is True and v.json()["events"] == 3
    lst = client.get("/api/v1/audit-events", headers=org_a.h("admin"), params={"action": "user.created"}).json()
    assert lst["total"] == 3
    assert [e["seq"] for e in lst["items"]] == [3, 2, 1]
    assert lst["items"][1]["hash"] == lst["items"][0]["prev_hash"]


@pytest.mark.parametrize("role", ["attorney", "paralegal", "family_liaison"])
def test_audit_is_admin_only(client: Any, org_a: Any, role: str) -> None:
    assert_problem(client.get("/api/v1/audit-events", headers=org_a.h(role)), 403)
    assert_problem(client.get("/api/v1/audit-events/verify", headers=org_a.h(role)), 403)


def test_audit_rows_cannot_be_updated_or_deleted(client: Any, db: Any, org_a: Any) -> None:
    _make_events(client, org_a, 1)
    for stmt in ("UPDATE audit_event SET action = 'x' WHERE organization_id = :o",
                 "DELETE FROM audit_event WHERE organization_id = :o"):
        with db.engine.connect() as conn:
            with pytest.raises(DBAPIError):
                conn.execute(text(stmt), {"o": org_a.id if BACKEND == "postgres" else org_a.id.hex})
            conn.rollback()


def test_tampering_is_detected(client: Any, db: Any, org_a: Any) -> None:
    """Drop the trigger (as a superuser could), edit a row with raw SQL, and the verifier finds it."""
    _make_events(client, org_a, 3)
    oid = org_a.id if BACKEND == "postgres" else org_a.id.hex
    with db.write_engine.begin() as conn:
        if BACKEND == "postgres":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update"))
            conn.execute(text("UPDATE audit_event SET entity_type = 'tampered' WHERE organization_id = :o AND seq = 2"),
                         {"o": oid})
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("UPDATE audit_event SET entity_type = 'tampered' WHERE organization_id = :o AND seq = 2"),
                         {"o": oid})
            conn.execute(text("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                              "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"))
    v = client.get("/api/v1/audit-events/verify", headers=org_a.h("admin")).json()
    assert v == {"ok": False, "events": 2, "first_broken_seq": 2, "reason": "hash_mismatch"}


def test_audit_chains_are_per_organization(client: Any, org_a: Any, org_b: Any) -> None:
    _make_events(client, org_a, 2)
    assert client.get("/api/v1/audit-events", headers=org_b.h("admin")).json()["total"] == 0


def test_failed_audit_insert_rolls_back_the_change(client: Any, db: Any, org_a: Any, monkeypatch: Any) -> None:
    """docs/security-model.md#logging-and-audit: if the audit row cannot be written, the user is not created either."""
    from sqlmodel import select

    from app.auth import service
    from app.auth.models import UserAccount

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(service.audit, "record", boom)
    email = f"rollback-{org_a.id.hex[:6]}@example.org"
    r = client.post("/api/v1/users", headers=org_a.h("admin"),
                    json={"email": email, "full_name": "Never Stored", "role": "paralegal",
                          "password": "long enough passphrase"})
    assert_problem(r, 500, "internal_error")
    with db.session() as s:
        assert s.exec(select(UserAccount).where(UserAccount.email == email)).first() is None


def test_audit_insert_failing_at_commit_rolls_back(client: Any, db: Any, org_a: Any, monkeypatch: Any) -> None:
    """The chained insert happens right before COMMIT; if it fails, the change is not committed either."""
    from sqlmodel import select

    from app.auth.models import UserAccount
    from app.core import audit as audit_module

    def boom(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("hash store unavailable")

    monkeypatch.setattr(audit_module, "compute_hash", boom)
    email = f"late-fail-{org_a.id.hex[:6]}@example.org"
    r = client.post("/api/v1/users", headers=org_a.h("admin"),
                    json={"email": email, "full_name": "Never Stored", "role": "paralegal",
                          "password": "long enough passphrase"})
    assert_problem(r, 500, "internal_error")
    with db.session() as s:
        assert s.exec(select(UserAccount).where(UserAccount.email == email)).first() is None


def test_concurrent_writes_keep_one_unbroken_chain(client: Any, org_a: Any) -> None:
    import threading

    barrier = threading.Barrier(6)
    codes: list[int] = []

    def create(i: int) -> None:
        barrier.wait()
        r = client.post("/api/v1/users", headers=org_a.h("admin"),
                        json={"email": f"race{i}-{org_a.id.hex[:6]}@example.org", "full_name": "Race",
                              "role": "paralegal", "password": "long enough passphrase"})
        codes.append(r.status_code)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [201] * 6
    v = client.get("/api/v1/audit-events/verify", headers=org_a.h("admin")).json()
    assert v["ok"] is True and v["events"] == 6


def test_events_are_chained_at_the_real_commit_not_at_a_savepoint(db: Any, org_a: Any) -> None:
    """A SAVEPOINT release fires before_commit too; the queue must wait for the COMMIT (one chain append)."""
    from app.core import audit
    from app.core.audit import PENDING_KEY, verify_chain

    with db.session(write=True) as s:
        audit.record_raw(s, org_id=org_a.id, action="test.savepoint", entity_type="test", detail={"n": 1})
        with s.begin_nested():
            pass
        assert len(s.info.get(PENDING_KEY, [])) == 1  # still queued: nothing chained at the savepoint
        assert s.execute(text("SELECT count(*) FROM audit_event WHERE action = 'test.savepoint'")).scalar_one() == 0
        s.commit()
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM audit_event WHERE action = 'test.savepoint'")).scalar_one() == 1
        assert verify_chain(s, org_a.id)["ok"]
