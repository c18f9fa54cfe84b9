"""Request and response shapes of /emergency-packets (docs/filings-packet.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.filings.schemas import ExhibitRef
from app.packets.models import EmergencyPacket


class PacketCreate(BaseModel):
    """`POST /clients/{id}/emergency-packets`. `options` are applied to every document whose template accepts
    them (see `GET /filing-templates`); `options.documents.<kind>` overrides one document's options;
    `options.place_of_execution` is where counsel signs the declaration (default: the attorney's office)."""

    model_config = ConfigDict(extra="forbid")
    proceeding_id: uuid.UUID | None = None
    attorney_id: uuid.UUID
    alert_id: uuid.UUID | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    # Client documents attached to the lead document (the petition, or the supplemental motion): listed in
    # its exhibit index and merged, with slip sheets, into review.pdf and the zip (docs/documents.md).
    exhibits: list[ExhibitRef] = Field(default_factory=list, max_length=50)


class PacketDocument(BaseModel):
    kind: str
    filing_id: uuid.UUID
    title: str
    pages: int
    docx: str | None = None  # file name of the chambers DOCX (proposed orders)


class PacketWarning(BaseModel):
    code: str
    message: str


class PacketPublic(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    proceeding_id: uuid.UUID | None
    alert_id: uuid.UUID | None
    attorney_id: uuid.UUID
    situation: str
    court_id: str
    documents: list[PacketDocument]
    warnings: list[PacketWarning]
    created_at: datetime

    @classmethod
    def of(cls, packet: EmergencyPacket) -> PacketPublic:
        return cls.model_validate({
            "id": packet.id, "client_id": packet.client_id, "proceeding_id": packet.proceeding_id,
            "alert_id": packet.alert_id, "attorney_id": packet.attorney_id, "situation": packet.situation,
            "court_id": packet.court_id, "documents": packet.documents, "warnings": packet.warnings,
            "created_at": packet.created_at})
