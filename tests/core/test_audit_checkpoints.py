"""Signed audit checkpoints (the finding "the audit chain can be rewritten without detection by anyone who can write
the database") through the real command line on a real database of the selected backend.

The attacks are those of someone holding the tables' owner (triggers disabled or dropped) but not the signing
key: they may edit a row and recompute every later hash and the chain head, so that the chain alone verifies
again. Only the checkpoints signed before the change can tell; every test shows both halves.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from app.core.audit import GENESIS_HASH, AuditChainHead, AuditEvent, compute_hash
from app.core.config import Settings, get_settings
from app.core.db import Database, make_database
from tests.conftest import BACKEND, new_database_url


@pytest.fixture(scope="module")
def cp_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Database]]:
    """A database of its own: `audit checkpoint` signs every organization in it."""
    from app.migrations import upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    upgrade(url, "heads")
    database = make_database(Settings(database_url=url), url)
    yield url, database
    database.dispose()
    cleanup()


@pytest.fixture
def run(cp_db: tuple[str, Database], monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    from app import cli as cli_module

    monkeypatch.setenv("DATABASE_URL", cp_db[0])
    monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)
    for name in ("AUDIT_SIGNING_KEY_FILE", "AUDIT_PUBLIC_KEY_FILE", "AUDIT_CHECKPOINT_DIR"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()

    def invoke(*args: str | Path) -> Result:
        return CliRunner().invoke(cli_module.cli, [str(a) for a in args])

    yield invoke
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two key pairs made by `audit keygen` (in a temporary directory: no key is ever committed)."""
    from app import cli as cli_module

    d = tmp_path_factory.mktemp("keys")
    out = {}
    for name in ("ours", "other"):
        r = CliRunner().invoke(cli_module.cli, ["audit", "keygen", "--out", str(d / f"{name}.pem")])
        assert r.exit_code == 0, r.output
        out[name] = d / f"{name}.pem"
        out[f"{name}.pub"] = d / f"{name}.pem.pub"
    return out


def _org_with_events(db: Database, n: int = 5) -> tuple[uuid.UUID, str]:
    from app.auth import service
    from app.core import audit

    with db.session(write=True) as s:
        org = service.create_organization(s, f"Checkpoint Org {uuid.uuid4().hex[:8]}")
        for i in range(n):
            audit.record_raw(s, org_id=org.id, action="test.event", entity_type="test", entity_id=str(i),
                             detail={"n": i, "field": "status"})
        s.commit()
        return org.id, org.slug


def _rewrite(db: Database, org_id: uuid.UUID, mutate: Callable[[list[AuditEvent]], list[AuditEvent]], *,
             rehash: bool = True) -> None:
    """As the tables' owner, with the append-only triggers out of the way: replace the organization's chain by
    ``mutate(events)``; with ``rehash`` renumber from 1, recompute every hash and move the chain head, so that
    the chain verifies on its own."""
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    head = AuditChainHead.__table__  # type: ignore[attr-defined]
    with db.write_engine.begin() as conn:
        with Session(bind=conn) as s:
            events = list(s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_id)
                                 .order_by(AuditEvent.seq)).all())  # type: ignore[arg-type]
            s.expunge_all()
        new = mutate(events)
        if rehash:
            prev = GENESIS_HASH
            for i, ev in enumerate(new, start=1):
                ev.seq, ev.prev_hash = i, prev
                ev.hash = prev = compute_hash(prev, ev)
        if BACKEND == "postgres":
            conn.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_event_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
        conn.execute(sa.delete(table).where(table.c.organization_id == org_id))
        for ev in new:
            conn.execute(sa.insert(table).values({c.name: getattr(ev, c.name) for c in table.columns}))
        if rehash:
            conn.execute(sa.update(head).where(head.c.organization_id == org_id)
                         .values(seq=len(new), last_hash=new[-1].hash if new else GENESIS_HASH))
        if BACKEND == "postgres":
            conn.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        else:
            conn.execute(sa.text("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                                 "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"))
            conn.execute(sa.text("CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                                 "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"))


def _edit_detail(events: list[AuditEvent]) -> list[AuditEvent]:
    events[1].detail = {"n": 1, "field": "nothing happened"}
    return events


def _truncate(events: list[AuditEvent]) -> list[AuditEvent]:
    return events[:3]


def _renumber(events: list[AuditEvent]) -> list[AuditEvent]:
    return events[:1] + events[2:]  # drop seq 2; 3..5 become 2..4


def _checkpoint(run: Callable[..., Result], out: Path, key: Path, slug: str) -> None:
    r = run("audit", "checkpoint", "--out", out, "--key", key, "--org", slug)
    assert r.exit_code == 0, r.output


def _verify(run: Callable[..., Result], slug: str, cps: Path | None = None, pub: Path | None = None) -> Result:
    args: list[str | Path] = ["audit", "verify", "--org", slug]
    if cps is not None:
        args += ["--checkpoints", cps]
    if pub is not None:
        args += ["--public-key", pub]
    return run(*args)


def test_keygen_makes_a_private_file_only_its_owner_reads(keys: dict[str, Path], run: Callable[..., Result]) -> None:
    assert keys["ours"].stat().st_mode & 0o777 == 0o600
    assert b"BEGIN PRIVATE KEY" in keys["ours"].read_bytes()
    assert b"BEGIN PUBLIC KEY" in keys["ours.pub"].read_bytes()
    again = run("audit", "keygen", "--out", keys["ours"])
    assert again.exit_code == 2 and "refusing to overwrite" in again.output


def test_a_clean_chain_passes_its_checkpoints(cp_db: Any, run: Callable[..., Result], keys: dict[str, Path],
                                              tmp_path: Path) -> None:
    db = cp_db[1]
    org_id, slug = _org_with_events(db, 3)
    _checkpoint(run, tmp_path, keys["ours"], slug)
    files = list((tmp_path / str(org_id)).glob("*.json"))
    assert len(files) == 1
    doc = json.loads(files[0].read_text())
    assert doc["seq"] == 3 and doc["organization_id"] == str(org_id) and len(doc["last_hash"]) == 64
    assert {"created_at", "key_id", "signature"} <= doc.keys()
    _org_with_events_more(db, org_id, 2)  # events after a checkpoint are fine
    _checkpoint(run, tmp_path, keys["ours"], slug)
    r = _verify(run, slug, tmp_path, keys["ours.pub"])
    assert r.exit_code == 0, r.output
    line = json.loads(r.stdout.strip().splitlines()[-1])
    assert line["ok"] is True and line["events"] == 5 and line["checkpoints"] == 2
    assert line["newest_checkpoint_seq"] == 5


def _org_with_events_more(db: Database, org_id: uuid.UUID, n: int) -> None:
    from app.core import audit

    with db.session(write=True) as s:
        for i in range(n):
            audit.record_raw(s, org_id=org_id, action="test.later", entity_type="test", detail={"i": i})
        s.commit()


@pytest.mark.parametrize(("mutate", "message"), [
    (_edit_detail, "the chain was rewritten up to seq 5"),
    (_truncate, "vouches for event seq 5, which is no longer in the chain (3 events): truncated"),
    (_renumber, "vouches for event seq 5, which is no longer in the chain (4 events): truncated or renumbered"),
], ids=["edited", "truncated", "renumbered"])
def test_a_rewritten_chain_fails_against_its_checkpoint(cp_db: Any, run: Callable[..., Result],
                                                        keys: dict[str, Path], tmp_path: Path,
                                                        mutate: Any, message: str) -> None:
    db = cp_db[1]
    org_id, slug = _org_with_events(db, 5)
    _checkpoint(run, tmp_path, keys["ours"], slug)
    _rewrite(db, org_id, mutate)
    # The finding: the chain alone verifies after the owner rewrote it ...
    alone = _verify(run, slug)
    assert alone.exit_code == 0, alone.output
    # ... the signed checkpoint taken before does not.
    r = _verify(run, slug, tmp_path, keys["ours.pub"])
    assert r.exit_code == 1, r.output
    assert "audit verify FAILED" in r.stderr and message in r.stderr, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1])["ok"] is False


def test_a_renumbered_chain_fails_at_an_earlier_checkpoint_too(cp_db: Any, run: Callable[..., Result],
                                                               keys: dict[str, Path], tmp_path: Path) -> None:
    """Renumbered and padded back to the same length: the count matches, the signed hash does not."""
    db = cp_db[1]
    org_id, slug = _org_with_events(db, 5)
    _checkpoint(run, tmp_path, keys["ours"], slug)

    def renumber_and_pad(events: list[AuditEvent]) -> list[AuditEvent]:
        kept = events[:1] + events[2:]
        filler = AuditEvent(**{c.name: getattr(events[-1], c.name)
                               for c in AuditEvent.__table__.columns})  # type: ignore[attr-defined]
        filler.id = uuid.uuid4()
        return [*kept, filler]

    _rewrite(db, org_id, renumber_and_pad)
    assert _verify(run, slug).exit_code == 0
    r = _verify(run, slug, tmp_path, keys["ours.pub"])
    assert r.exit_code == 1 and "event seq 5 has hash" in r.stderr, r.output


def test_an_edit_without_rehashing_fails_even_without_checkpoints(cp_db: Any, run: Callable[..., Result],
                                                                  keys: dict[str, Path], tmp_path: Path) -> None:
    db = cp_db[1]
    org_id, slug = _org_with_events(db, 5)
    _checkpoint(run, tmp_path, keys["ours"], slug)
    _rewrite(db, org_id, _edit_detail, rehash=False)
    alone = _verify(run, slug)
    assert alone.exit_code == 1 and "chain broken at seq 2 (hash_mismatch)" in alone.stderr
    r = _verify(run, slug, tmp_path, keys["ours.pub"])
    assert r.exit_code == 1 and "first: organization" in r.stderr and "chain broken at seq 2" in r.stderr


def test_an_edited_checkpoint_file_fails(cp_db: Any, run: Callable[..., Result], keys: dict[str, Path],
                                         tmp_path: Path) -> None:
    """An attacker who rewrote the chain cannot move the checkpoint along with it."""
    db = cp_db[1]
    org_id, slug = _org_with_events(db, 5)
    _checkpoint(run, tmp_path, keys["ours"], slug)
    _rewrite(db, org_id, _truncate)
    path = next((tmp_path / str(org_id)).glob("*.json"))
    doc = json.loads(path.read_text())
    with db.session() as s:
        head = s.get(AuditChainHead, org_id)
        assert head is not None
        doc["seq"], doc["last_hash"] = head.seq, head.last_hash
    path.write_text(json.dumps(doc))
    r = _verify(run, slug, tmp_path, keys["ours.pub"])
    assert r.exit_code == 1
    assert f"checkpoint {path}: signature is not valid (the file was edited)" in r.stderr, r.stderr


def test_a_checkpoint_signed_by_another_key_fails(cp_db: Any, run: Callable[..., Result], keys: dict[str, Path],
                                                  tmp_path: Path) -> None:
    db = cp_db[1]
    _, slug = _org_with_events(db, 2)
    _checkpoint(run, tmp_path, keys["other"], slug)
    r = _verify(run, slug, tmp_path, keys["ours.pub"])
    assert r.exit_code == 1 and "signed by another key" in r.stderr, r.output


def test_a_malformed_checkpoint_file_fails(cp_db: Any, run: Callable[..., Result], keys: dict[str, Path],
                                           tmp_path: Path) -> None:
    _, slug = _org_with_events(cp_db[1], 1)
    (tmp_path / "junk.json").write_text("{not json")
    r = _verify(run, slug, tmp_path, keys["ours.pub"])
    assert r.exit_code == 1 and "not a readable JSON file" in r.stderr


def test_checkpoint_refuses_to_sign_a_broken_chain(cp_db: Any, run: Callable[..., Result], keys: dict[str, Path],
                                                   tmp_path: Path) -> None:
    db = cp_db[1]
    org_id, slug = _org_with_events(db, 3)
    _rewrite(db, org_id, _edit_detail, rehash=False)
    r = run("audit", "checkpoint", "--out", tmp_path, "--key", keys["ours"], "--org", slug)
    assert r.exit_code == 1 and f"organization {slug}: chain broken at seq 2" in r.stderr
    assert not (tmp_path / str(org_id)).exists()


def test_checkpoint_refuses_to_sign_over_a_rewritten_chain(cp_db: Any, run: Callable[..., Result],
                                                           keys: dict[str, Path], tmp_path: Path) -> None:
    """The next periodic run must not bless a chain rewritten since the last one."""
    db = cp_db[1]
    org_id, slug = _org_with_events(db, 5)
    _checkpoint(run, tmp_path, keys["ours"], slug)
    _rewrite(db, org_id, _truncate)
    r = run("audit", "checkpoint", "--out", tmp_path, "--key", keys["ours"], "--org", slug)
    assert r.exit_code == 1 and "truncated" in r.stderr and "not signed" in r.stderr, r.output
    assert len(list((tmp_path / str(org_id)).glob("*.json"))) == 1


def test_the_key_comes_from_the_setting_and_never_from_the_database(
        cp_db: Any, run: Callable[..., Result], keys: dict[str, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, slug = _org_with_events(cp_db[1], 1)
    missing = run("audit", "checkpoint", "--out", tmp_path, "--org", slug)
    assert missing.exit_code == 2 and "no --key (or AUDIT_SIGNING_KEY_FILE) given" in missing.stderr
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", str(keys["ours"]))
    monkeypatch.setenv("AUDIT_PUBLIC_KEY_FILE", str(keys["ours.pub"]))
    monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert run("audit", "checkpoint", "--org", slug).exit_code == 0
    for args in (("--checkpoints", tmp_path), ()):  # both settings set: checkpoints are checked by default
        r = run("audit", "verify", "--org", slug, *args)
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout.strip().splitlines()[-1])["checkpoints"] == 1


def test_a_checkpoint_of_a_vanished_organization_fails_a_full_verify(cp_db: Any, run: Callable[..., Result],
                                                                     keys: dict[str, Path], tmp_path: Path) -> None:
    from app.core import audit_checkpoints as cps

    gone = uuid.uuid4()
    private = cps.load_private_key(keys["ours"])
    path = cps.write_checkpoint(tmp_path, cps.sign_checkpoint(private, gone, 7, "a" * 64))
    r = run("audit", "verify", "--checkpoints", tmp_path, "--public-key", keys["ours.pub"])
    assert r.exit_code == 1
    assert f"checkpoint {path} is for organization {gone}, which is not in the database" in r.stderr, r.stderr


def test_the_documented_grant_sql_is_what_the_command_runs(run: Callable[..., Result]) -> None:
    """docs/SECURITY.md §7 shows the SQL of `dueprocess db grant-app-role app`; keep the two the same."""
    r = run("db", "grant-app-role", "app", "--print")
    assert r.exit_code == 0, r.output
    doc = (Path(__file__).resolve().parents[2] / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    block = doc.split("  ```sql\n", 1)[1].split("  ```\n", 1)[0]
    assert [line.strip() for line in block.splitlines()] == r.stdout.strip().splitlines()
    if BACKEND == "sqlite":
        no_roles = run("db", "grant-app-role", "app")
        assert no_roles.exit_code == 2 and "PostgreSQL only" in no_roles.stderr
