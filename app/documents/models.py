"""Tables of the documents domain: a client's uploaded documents and their encrypted bytes.

As for filings (app/filings/models.py), the metadata row and the bytes are two tables, so a list never loads
the content. The bytes and the title are stored as AES-256-GCM ciphertext bound to organization/table/column/
row (app/core/crypto.py): a document is an identity paper, a court record or a declaration, and the title
often names the person. ``sha256`` is the hash of the plaintext bytes (what a court or a colleague verifies).
Deletion is soft (``deleted_at``): a filing that already lists the document as an exhibit must still be able
to reproduce its exhibits PDF.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core import crypto, keyring
from app.core.types import UTCDateTime, enum_col, utcnow


class DocumentKind(StrEnum):
    identity = "identity"
    immigration_record = "immigration_record"
    court_record = "court_record"
    declaration = "declaration"
    medical = "medical"
    evidence = "evidence"
    correspondence = "correspondence"
    other = "other"


class ClientDocument(SQLModel, table=True):
    """One uploaded document of a client (metadata; the bytes are in ``client_document_content``)."""

    __tablename__ = "client_document"
    __table_args__ = (
        sa.Index("ix_client_document_org_client_created", "organization_id", "client_id", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", nullable=False)
    # Encrypted title; read and write through ``title``.
    title_ct: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    kind: str = Field(sa_column=enum_col(32))
    document_date: date | None = Field(default=None)
    media_type: str = Field(max_length=40)  # sniffed from the bytes, never the declared type
    sha256: str = Field(max_length=64)
    bytes: int = Field(nullable=False)
    pages: int = Field(nullable=False)  # 1 for an image
    width: int | None = Field(default=None)  # images only, in pixels
    height: int | None = Field(default=None)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    deleted_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")

    def __init__(self, **data: Any) -> None:
        title = data.pop("title", None)
        super().__init__(**data)
        if title is not None:
            self.title = title

    @property
    def title(self) -> str:
        return keyring.ring().decrypt(self.title_ct, title_aad(self.organization_id, self.id))

    @title.setter
    def title(self, value: str) -> None:
        self.title_ct = keyring.ring().encrypt(value, title_aad(self.organization_id, self.id))


class ClientDocumentContent(SQLModel, table=True):
    """The bytes of a document, encrypted; written once, never updated."""

    __tablename__ = "client_document_content"

    document_id: uuid.UUID = Field(foreign_key="client_document.id", primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    # Encrypted bytes; read and write through ``content``.
    content_ct: builtins.bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))

    def __init__(self, **data: Any) -> None:
        content = data.pop("content", None)
        super().__init__(**data)
        if content is not None:
            self.content = content

    @property
    def content(self) -> builtins.bytes:
        return keyring.ring().decrypt_bytes(self.content_ct, content_aad(self.organization_id, self.document_id))

    @content.setter
    def content(self, value: builtins.bytes) -> None:
        self.content_ct = keyring.ring().encrypt_bytes(value, content_aad(self.organization_id, self.document_id))


# Associated data: organization | table | logical column | row id, as for client fields and filing PDFs.
def title_aad(org_id: uuid.UUID, document_id: uuid.UUID) -> builtins.bytes:
    return crypto.KeyRing.aad(org_id, "client_document", "title", document_id)


def content_aad(org_id: uuid.UUID, document_id: uuid.UUID) -> builtins.bytes:
    return crypto.KeyRing.aad(org_id, "client_document_content", "content", document_id)
