"""Tables of the emergency packet: the packet (which filings it made, in order) and the DOCX copies of its
proposed orders for chambers.

Each document of a packet is an ordinary `Filing` (its PDF in `filing_document`); the packet row lists them
in filing order with their kind and title. The DOCX bytes hold the client's name and whereabouts like the
PDFs, so they are stored encrypted the same way (AES-256-GCM bound to organization/table/column/row).
"""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core import crypto, keyring
from app.core.types import UTCDateTime, json_col, utcnow


class EmergencyPacket(SQLModel, table=True):
    __tablename__ = "emergency_packet"
    __table_args__ = (sa.Index("ix_emergency_packet_org_client_created", "organization_id", "client_id",
                               "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", nullable=False)
    proceeding_id: uuid.UUID | None = Field(default=None, foreign_key="proceeding.id")
    alert_id: uuid.UUID | None = Field(default=None, foreign_key="alert.id")
    attorney_id: uuid.UUID = Field(foreign_key="user_account.id", nullable=False)
    court_id: str = Field(max_length=12)  # PACER id of the captioned court (the same on every document)
    situation: str = Field(max_length=20)  # new_case | pending_case | abroad
    # [{"kind", "filing_id", "title", "pages", "docx"}] in filing order; names no person.
    documents: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    warnings: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class PacketDocx(SQLModel, table=True):
    """The DOCX of one proposed order of a packet (chambers edit and sign the order in a word processor)."""

    __tablename__ = "emergency_packet_docx"

    filing_id: uuid.UUID = Field(foreign_key="filing.id", primary_key=True)
    packet_id: uuid.UUID = Field(foreign_key="emergency_packet.id", index=True, nullable=False)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", nullable=False)
    file_name: str = Field(max_length=120)
    docx_ct: builtins.bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))

    def __init__(self, **data: Any) -> None:
        docx = data.pop("docx", None)
        super().__init__(**data)
        if docx is not None:
            self.docx = docx

    @property
    def docx(self) -> builtins.bytes:
        return keyring.ring().decrypt_bytes(self.docx_ct, docx_aad(self.organization_id, self.filing_id))

    @docx.setter
    def docx(self, value: builtins.bytes) -> None:
        self.docx_ct = keyring.ring().encrypt_bytes(value, docx_aad(self.organization_id, self.filing_id))


def docx_aad(org_id: uuid.UUID, filing_id: uuid.UUID) -> builtins.bytes:
    return crypto.KeyRing.aad(org_id, "emergency_packet_docx", "docx", filing_id)
