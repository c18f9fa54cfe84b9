"""Signed checkpoints of the audit chains, kept outside the database (docs/design.md#wave-2 "Audit trail").

The sha256 chain (app/core/audit.py) proves that rows were not changed *after* the chain was computed, but
anyone who can write the database can recompute it: edit a row, rehash every later row and the chain head,
and the chain verifies again. A checkpoint closes that hole for everything up to it: ``dueprocess audit
checkpoint`` reads each organization's chain head ``(seq, last_hash)``, checks the chain up to it, and writes
it as a small JSON file signed with an Ed25519 key whose private half lives in a file (or the operator's
secret store), never in the database. ``dueprocess audit verify --checkpoints DIR --public-key FILE`` then
requires every checkpoint's signature to be valid and its ``(seq, hash)`` to still be on the chain: an edited,
truncated or renumbered chain no longer matches a hash that was signed before the change.

File format (one file per organization and run; everything but ``signature`` is signed, as canonical JSON)::

    {"format": "dueprocess-audit-checkpoint/1", "organization_id": "…", "seq": 42,
     "last_hash": "<64 hex>", "created_at": "2026-12-05T01:00:00.000000+00:00",
     "key_id": "<sha256 of the raw public key, hex, first 16>", "signature": "<base64>"}

What it does not protect: events appended after the newest checkpoint (take checkpoints often), and
checkpoints an attacker can delete or replace together with the public key (keep copies off the server and the
public key's id written down). docs/SECURITY.md, "Audit trail: what an attacker with which access can and
cannot do".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlmodel import Session, col

from app.core.audit import GENESIS_HASH, AuditChainHead, AuditEvent, canonical_json, verify_chain
from app.core.types import utcnow

FORMAT = "dueprocess-audit-checkpoint/1"
SIGNED_FIELDS = ("format", "organization_id", "seq", "last_hash", "created_at", "key_id")


class CheckpointError(Exception):
    """A key or checkpoint file that cannot be used (the message names the file and the problem)."""


# ---------------------------------------------------------------------------------------------------- keys


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def generate_key_pair(out: Path) -> tuple[Path, Ed25519PublicKey]:
    """Write a new private key to ``out`` (PKCS#8 PEM, mode 0600, never overwriting) and its public key to
    ``out`` + ``.pub``. Returns the public key file and the public key."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    pub_path = out.with_name(out.name + ".pub")
    for path in (out, pub_path):
        if path.exists():
            raise CheckpointError(f"{path} exists; refusing to overwrite a key")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # 0600 from the first byte, not after
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(out, 0o600)  # in case the umask was stricter than needed or the platform ignored the mode
    pub_path.write_bytes(public_pem(private.public_key()))
    return pub_path, private.public_key()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read the signing key {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise CheckpointError(f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 private key")
    return key


def private_key_mode_warning(path: Path) -> str | None:
    """A warning when the private key file can be read by group or others (POSIX only)."""
    if os.name != "posix":
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return f"warning: the signing key {path} has mode {mode:o}; it should be 600"
    return None


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read the public key {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise CheckpointError(f"{path} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} is not an Ed25519 public key")
    return key


# ------------------------------------------------------------------------------------------ checkpoints


def _signed_bytes(doc: dict[str, Any]) -> bytes:
    return canonical_json({k: doc[k] for k in SIGNED_FIELDS}).encode("utf-8")


def sign_checkpoint(private: Ed25519PrivateKey, org_id: uuid.UUID, seq: int, last_hash: str,
                    created_at: datetime | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "organization_id": str(org_id),
        "seq": int(seq),
        "last_hash": last_hash,
        "created_at": (created_at or utcnow()).isoformat(timespec="microseconds"),
        "key_id": key_id(private.public_key()),
    }
    doc["signature"] = base64.b64encode(private.sign(_signed_bytes(doc))).decode("ascii")
    return doc


def write_checkpoint(out_dir: Path, doc: dict[str, Any]) -> Path:
    """Write one checkpoint atomically (temporary file + rename) as ``ORG_ID/TIME-seqN.json``."""
    org_dir = out_dir / doc["organization_id"]
    org_dir.mkdir(parents=True, exist_ok=True)
    stamp = doc["created_at"].replace("-", "").replace(":", "").replace(".", "").split("+")[0]
    path: Path = org_dir / f"{stamp}Z-seq{doc['seq']}.json"
    fd, tmp = tempfile.mkstemp(dir=org_dir, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, sort_keys=True, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # not secret: a hash and a counter
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    organization_id: uuid.UUID
    seq: int
    last_hash: str
    created_at: str
    key_id: str


def read_checkpoint(path: Path, public: Ed25519PublicKey) -> Checkpoint:
    """Parse one file and check its signature; raises ``CheckpointError`` naming the problem."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"checkpoint {path}: not a readable JSON file") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or any(k not in doc for k in SIGNED_FIELDS):
        raise CheckpointError(f"checkpoint {path}: not a {FORMAT} document")
    try:
        signature = base64.b64decode(str(doc.get("signature", "")), validate=True)
        org_id = uuid.UUID(str(doc["organization_id"]))
        seq = doc["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError
        last_hash = str(doc["last_hash"])
    except (binascii.Error, ValueError):
        raise CheckpointError(f"checkpoint {path}: malformed field") from None
    expected_kid = key_id(public)
    try:
        public.verify(signature, _signed_bytes(doc))
    except InvalidSignature:
        if doc["key_id"] != expected_kid:
            raise CheckpointError(f"checkpoint {path}: signed by another key (key id {doc['key_id']}, expected "
                                  f"{expected_kid})") from None
        raise CheckpointError(f"checkpoint {path}: signature is not valid (the file was edited)") from None
    if doc["key_id"] != expected_kid:  # a valid signature always comes with its own key's id
        raise CheckpointError(f"checkpoint {path}: key id does not match the signing key")
    return Checkpoint(path=path, organization_id=org_id, seq=seq, last_hash=last_hash,
                      created_at=str(doc["created_at"]), key_id=str(doc["key_id"]))


def checkpoint_files(directory: Path) -> list[Path]:
    """Every ``*.json`` under ``directory`` (recursively; temporary files of an interrupted write excluded)."""
    if not directory.is_dir():
        raise CheckpointError(f"checkpoint directory {directory} does not exist")
    return sorted(p for p in directory.rglob("*.json") if p.is_file() and not p.name.startswith(".tmp-"))


# ----------------------------------------------------------------------------------------- chain reads


def snapshot_session(db: Any) -> Session:
    """A read session whose statements all see one snapshot (PostgreSQL REPEATABLE READ, read only; SQLite's
    deferred transaction under WAL already reads one snapshot), so that events appended while a chain is read
    cannot look like a truncation."""
    if db.dialect == "postgresql":
        bind = db.engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        return Session(bind, expire_on_commit=False)
    return db.session()  # type: ignore[no-any-return]


def head_of(session: Session, org_id: uuid.UUID) -> tuple[int, str]:
    head = session.get(AuditChainHead, org_id)
    return (head.seq, head.last_hash) if head is not None else (0, GENESIS_HASH)


def hashes_at(session: Session, org_id: uuid.UUID, seqs: set[int]) -> dict[int, str]:
    """The stored hash of each of ``seqs`` that exists in the organization's chain."""
    found: dict[int, str] = {}
    wanted = sorted(s for s in seqs if s > 0)
    for i in range(0, len(wanted), 500):
        rows = session.execute(
            sa.select(col(AuditEvent.seq), col(AuditEvent.hash))
            .where(col(AuditEvent.organization_id) == org_id, col(AuditEvent.seq).in_(wanted[i:i + 500]))
        ).all()
        found.update({int(r[0]): str(r[1]) for r in rows})
    return found


@dataclass
class OrgReport:
    """``verify_chain``'s result for one organization plus what the checkpoints said."""

    chain: dict[str, Any]
    checkpoints: int = 0
    newest_checkpoint_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.chain["ok"]) and not self.problems


def check_against_checkpoints(session: Session, org_id: uuid.UUID, label: str,
                              checkpoints: list[Checkpoint]) -> OrgReport:
    """Verify the chain, then require each checkpoint's ``(seq, last_hash)`` to be on it. A chain that
    verifies and holds a signed hash at ``seq`` holds exactly the signed events 1..seq (sha256 chaining)."""
    chain = verify_chain(session, org_id)
    report = OrgReport(chain=chain, checkpoints=len(checkpoints))
    if not chain["ok"]:
        report.problems.append(f"organization {label}: chain broken at seq {chain['first_broken_seq']} "
                               f"({chain['reason']})")
    if checkpoints:
        report.newest_checkpoint_seq = max(c.seq for c in checkpoints)
    stored = hashes_at(session, org_id, {c.seq for c in checkpoints})
    for cp in sorted(checkpoints, key=lambda c: (c.seq, str(c.path))):
        if cp.seq == 0:
            if cp.last_hash != GENESIS_HASH:
                report.problems.append(f"organization {label}: checkpoint {cp.path} has seq 0 but a non-genesis "
                                       "hash")
            continue
        have = stored.get(cp.seq)
        if have is None:
            report.problems.append(
                f"organization {label}: checkpoint {cp.path} (signed {cp.created_at}) vouches for event seq "
                f"{cp.seq}, which is no longer in the chain ({chain['events']} events): truncated or renumbered")
        elif have != cp.last_hash:
            report.problems.append(
                f"organization {label}: event seq {cp.seq} has hash {have[:12]}…, but checkpoint {cp.path} "
                f"(signed {cp.created_at}) says {cp.last_hash[:12]}…: the chain was rewritten up to seq {cp.seq}")
    return report


# ------------------------------------------------------------------------------------- database roles

_ROLE_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,62}$"


def app_role_grant_sql(role: str, schema: str = "public") -> list[str]:
    """The statements that give the application's PostgreSQL role what it needs and nothing else (run as the
    owner, after every ``dueprocess migrate``; idempotent). The app role may read and write the tables but
    never owns them, so it cannot ``ALTER TABLE … DISABLE TRIGGER``, drop a trigger or change the schema; on
    ``audit_event`` it may only read and append, and ``alembic_version`` it may only read."""
    import re

    if not re.match(_ROLE_NAME, role) or not re.match(_ROLE_NAME, schema):
        raise ValueError("role and schema names: letters, digits and underscores, not starting with a digit")
    r, s = f'"{role}"', f'"{schema}"'
    return [
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"REVOKE UPDATE, DELETE ON {s}.audit_event FROM {r}",
        f"REVOKE INSERT, UPDATE, DELETE ON {s}.alembic_version FROM {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
    ]


def app_role_problems(conn: Any, role: str, schema: str = "public") -> list[str]:
    """Why ``role`` would not be a safe application role: a superuser, a role that bypasses row security, the
    owner of a table in the schema or a member of that owner. Empty when it is safe."""
    row = conn.execute(sa.text("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = :r"),
                       {"r": role}).first()
    if row is None:
        return [f"role {role} does not exist (CREATE ROLE {role} LOGIN PASSWORD '…' first)"]
    problems = []
    if row[0]:
        problems.append(f"role {role} is a superuser: it can disable any trigger")
    if row[2]:
        problems.append(f"role {role} has CREATEROLE: it can grant itself the owner's membership")
    owners = conn.execute(sa.text(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = :s"), {"s": schema}).scalars().all()
    for owner in owners:
        if owner == role:
            problems.append(f"role {role} owns tables in schema {schema}: it can disable the audit triggers")
        elif conn.execute(sa.text("SELECT pg_has_role(:r, :o, 'MEMBER')"), {"r": role, "o": owner}).scalar_one():
            problems.append(f"role {role} is a member of the table owner {owner}: it can disable the audit "
                            "triggers")
    return problems
