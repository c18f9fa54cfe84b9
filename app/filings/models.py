"""Tables of the filings domain: generated documents, their PDF bytes, batches and batch items.

A `Filing` row is the document's metadata and its input snapshot (the `FilingRecord` JSON the PDF was
rendered from); the PDF itself lives in `filing_document`, one row per filing, so listing and reading
metadata never loads the bytes. Final filings are immutable: the service never changes them and database
triggers (see the migrations) refuse UPDATE/DELETE of a final filing and any UPDATE of stored PDF bytes
(only `dueprocess keys rotate` lifts them, inside its own transaction: app/filings/keys.py).

Encrypted at rest (app/core/crypto.py, migration 0008): the snapshot and the PDF hold the client's name,
A-number and whereabouts, so both are stored as AES-256-GCM ciphertext bound to organization/table/column/
row (`input_snapshot_ct`, `pdf_ct`). Read and write them through the `input_snapshot` and `pdf`
properties. `Filing.sha256` stays the hash of the plaintext PDF: it is what courts and users verify.
"""

from __future__ import annotations

import builtins
import json
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core import crypto, keyring
from app.core.types import UTCDateTime, enum_col, json_col, utcnow


class FilingStatus(StrEnum):
    draft = "draft"
    final = "final"


class BatchStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"


class BatchItemStatus(StrEnum):
    pending = "pending"
    running = "running"  # claimed by a worker; shown as "pending" by the API
    done = "done"
    failed = "failed"


class Filing(SQLModel, table=True):
    """One generated document (docs/design.md#domain-model). `version` numbers the drafts of one template for one client
    (1, 2, ...); it is not an optimistic-locking counter: a filing's content never changes."""

    __tablename__ = "filing"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "client_id", "template", "version"),
        sa.Index("ix_filing_org_client_created", "organization_id", "client_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", nullable=False)
    proceeding_id: uuid.UUID | None = Field(default=None, foreign_key="proceeding.id")
    batch_id: uuid.UUID | None = Field(default=None, foreign_key="filing_batch.id", index=True)
    template: str = Field(max_length=60)
    template_version: str = Field(max_length=40)
    version: int = Field(nullable=False)
    status: str = Field(sa_column=enum_col(20))
    # Encrypted JSON of the FilingRecord; read and write through ``input_snapshot``.
    input_snapshot_ct: builtins.bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    sha256: str = Field(max_length=64)
    pages: int = Field(nullable=False)
    bytes: int = Field(nullable=False)
    preflight_ok: bool = Field(nullable=False)
    preflight: dict[str, Any] = Field(default_factory=dict, sa_column=json_col())
    # Drafting warnings [{"code", "message"}] (unverified rules or orders, signer not admitted, ...); messages
    # name no person, so they stay in clear beside the encrypted snapshot (migration 0011).
    warnings: list[dict[str, Any]] | None = Field(default=None, sa_column=json_col(nullable=True))
    file_name: str = Field(max_length=120)
    attorney_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")  # the signer
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    finalized_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    finalized_at: datetime | None = Field(default=None, sa_type=UTCDateTime())

    def __init__(self, **data: Any) -> None:
        # ``input_snapshot`` is a property, which SQLModel's constructor would silently ignore.
        snapshot = data.pop("input_snapshot", None)
        super().__init__(**data)
        if snapshot is not None:
            self.input_snapshot = snapshot

    @property
    def input_snapshot(self) -> dict[str, Any]:
        """The input snapshot, decrypted (``DecryptionError`` if the ciphertext is not this row's)."""
        return decrypt_snapshot(self.input_snapshot_ct, self.organization_id, self.id)  # type: ignore[no-any-return]

    @input_snapshot.setter
    def input_snapshot(self, value: dict[str, Any]) -> None:
        self.input_snapshot_ct = encrypt_snapshot(value, self.organization_id, self.id)


class FilingDocument(SQLModel, table=True):
    """The PDF bytes of a filing (stored in the database, docs/design.md#domain-model, encrypted); written once, never
    updated (key rotation re-encrypts the same bytes)."""

    __tablename__ = "filing_document"

    filing_id: uuid.UUID = Field(foreign_key="filing.id", primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    # Encrypted PDF; read and write through ``pdf``.
    pdf_ct: builtins.bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))

    def __init__(self, **data: Any) -> None:
        pdf = data.pop("pdf", None)
        super().__init__(**data)
        if pdf is not None:
            self.pdf = pdf

    @property
    def pdf(self) -> builtins.bytes:
        """The PDF, decrypted."""
        return decrypt_pdf(self.pdf_ct, self.organization_id, self.filing_id)

    @pdf.setter
    def pdf(self, value: builtins.bytes) -> None:
        self.pdf_ct = encrypt_pdf(value, self.organization_id, self.filing_id)


# --- stored forms (also used by key rotation and migration 0008) ------------------------------------
# Associated data: organization | table | logical column | row id, as for client fields.

def snapshot_aad(org_id: uuid.UUID, filing_id: uuid.UUID) -> builtins.bytes:
    return crypto.KeyRing.aad(org_id, "filing", "input_snapshot", filing_id)


def pdf_aad(org_id: uuid.UUID, filing_id: uuid.UUID) -> builtins.bytes:
    return crypto.KeyRing.aad(org_id, "filing_document", "pdf", filing_id)


def encrypt_snapshot(value: dict[str, Any], org_id: uuid.UUID, filing_id: uuid.UUID) -> builtins.bytes:
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return keyring.ring().encrypt_bytes(plain, snapshot_aad(org_id, filing_id))


def decrypt_snapshot(token: builtins.bytes, org_id: uuid.UUID, filing_id: uuid.UUID) -> Any:
    return json.loads(keyring.ring().decrypt_bytes(token, snapshot_aad(org_id, filing_id)))


def encrypt_pdf(pdf: builtins.bytes, org_id: uuid.UUID, filing_id: uuid.UUID) -> builtins.bytes:
    return keyring.ring().encrypt_bytes(pdf, pdf_aad(org_id, filing_id))


def decrypt_pdf(token: builtins.bytes, org_id: uuid.UUID, filing_id: uuid.UUID) -> builtins.bytes:
    return keyring.ring().decrypt_bytes(token, pdf_aad(org_id, filing_id))


class FilingBatch(SQLModel, table=True):
    """One template for many clients (a group or a list), processed in the background.

    The batch's options can carry case facts a lawyer typed (a ``facts`` narrative, ...), so they are stored
    encrypted like the other privileged text (migration 0023): ``options_ct`` holds the JSON of the options
    sealed to organization/table/column/row (``keyring.seal``); read and write them through ``options``."""

    __tablename__ = "filing_batch"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    template: str = Field(max_length=60)
    group_id: uuid.UUID | None = Field(default=None, foreign_key="client_group.id")
    # Encrypted JSON of the options; read and write through ``options``. Nullable in the schema only because
    # the migration adds it to existing rows; the model always writes it.
    options_ct: str | None = Field(default=None, sa_type=sa.Text())
    attorney_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    status: str = Field(sa_column=enum_col(20))
    total: int = Field(nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_by_role: str | None = Field(default=None, max_length=32)
    request_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime())

    def __init__(self, **data: Any) -> None:
        # ``options`` is a property, which SQLModel's constructor would silently ignore.
        options = data.pop("options", None)
        super().__init__(**data)
        self.options = options if options is not None else {}

    @property
    def options(self) -> dict[str, Any]:
        """The batch's options, decrypted (``DecryptionError`` if the ciphertext is not this row's)."""
        return decrypt_batch_options(self.options_ct, self.organization_id, self.id)

    @options.setter
    def options(self, value: dict[str, Any]) -> None:
        self.options_ct = encrypt_batch_options(value, self.organization_id, self.id)


def options_aad(org_id: uuid.UUID, batch_id: uuid.UUID) -> builtins.bytes:
    return crypto.KeyRing.aad(org_id, "filing_batch", "options", batch_id)


def encrypt_batch_options(value: dict[str, Any], org_id: uuid.UUID, batch_id: uuid.UUID) -> str:
    """The stored form of a batch's options: their JSON, sealed like ``keyring.seal`` seals text."""
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return keyring.ring().encrypt(plain, options_aad(org_id, batch_id))


def decrypt_batch_options(stored: str | None, org_id: uuid.UUID, batch_id: uuid.UUID) -> dict[str, Any]:
    """The options stored by ``encrypt_batch_options`` (``{}`` for a row without any)."""
    if stored is None:
        return {}
    value: dict[str, Any] = json.loads(keyring.ring().decrypt(stored, options_aad(org_id, batch_id)))
    return value


class FilingBatchItem(SQLModel, table=True):
    """One client of a batch: the durable truth of its render job (which carries only this row's id).
    Completion locks the row and stores a filing only while the item is open, so a job run twice (after a
    worker died) never yields two filings. `attempts` counts the runs that started."""

    __tablename__ = "filing_batch_item"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "client_id"),
        sa.Index("ix_filing_batch_item_batch_position", "batch_id", "position"),
        sa.Index("ix_filing_batch_item_status_created", "status", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    batch_id: uuid.UUID = Field(foreign_key="filing_batch.id", nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", nullable=False)
    position: int = Field(nullable=False)
    status: str = Field(sa_column=enum_col(20))
    filing_id: uuid.UUID | None = Field(default=None, foreign_key="filing.id")
    error: dict[str, Any] | None = Field(default=None, sa_column=json_col(nullable=True))
    attempts: int = Field(default=0, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
