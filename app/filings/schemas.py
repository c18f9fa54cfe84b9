"""API schemas of the filings domain (request bodies and responses)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.filings.models import Filing

MAX_BATCH_CLIENTS = 1000


class TemplateOption(BaseModel):
    name: str
    type: str
    required: bool
    description: str
    required_if: dict[str, Any] | None = None
    default: Any = None
    choices: list[str] | None = None
    max_length: int | None = None
    max_items: int | None = None
    minimum: int | None = None
    maximum: int | None = None


class TemplateInfo(BaseModel):
    key: str
    title: str
    version: str
    description: str
    required_fields: list[str]
    options: list[TemplateOption]


class ExhibitRef(BaseModel):
    """One exhibit of a draft: a document of the same client; ``label`` defaults to the next letter."""

    model_config = ConfigDict(extra="forbid")
    document_id: uuid.UUID
    label: str | None = Field(default=None, min_length=1, max_length=8, pattern=r"^[A-Za-z0-9-]+$")


class FilingCreate(BaseModel):
    """`POST /clients/{id}/filings`. `options` are the template's (see `GET /filing-templates`) plus
    `attorney_id`: the signing attorney when the caller is not one. Every template also accepts
    `venue_basis`, `timezone` and `document_date`."""

    model_config = ConfigDict(extra="forbid")
    template: str = Field(min_length=1, max_length=60)
    proceeding_id: uuid.UUID | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    # Client documents attached as exhibits, in order (docs/documents.md#exhibits-on-filings). A first-class
    # field, not an option: it names records of the organization, which the service checks like the proceeding.
    exhibits: list[ExhibitRef] = Field(default_factory=list, max_length=60)


class FilingWarning(BaseModel):
    code: str
    message: str


class FilingPublic(BaseModel):
    """Metadata of a generated filing (the PDF is at `/filings/{id}/pdf`). `warnings` are what the drafter
    must read before filing (e.g. an unverified circuit rule or protection order, a signer not admitted in
    the captioned court)."""

    id: uuid.UUID
    client_id: uuid.UUID
    proceeding_id: uuid.UUID | None
    batch_id: uuid.UUID | None
    template: str
    template_version: str
    version: int
    status: str
    sha256: str
    pages: int
    bytes: int
    preflight_ok: bool
    preflight: dict[str, Any]
    warnings: list[FilingWarning] = Field(default_factory=list)
    file_name: str
    attorney_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime
    finalized_by: uuid.UUID | None
    finalized_at: datetime | None

    @classmethod
    def of(cls, filing: Filing) -> FilingPublic:
        return FilingPublic.model_validate({**{k: getattr(filing, k) for k in FilingPublic.model_fields
                                               if k != "warnings"}, "warnings": filing.warnings or []})


class FilingDetail(FilingPublic):
    """One filing with its input snapshot (the FilingRecord JSON the PDF was rendered from)."""

    input_snapshot: dict[str, Any]

    @classmethod
    def of(cls, filing: Filing) -> FilingDetail:
        # Decrypt explicitly: read through ``from_attributes``, pydantic would turn a DecryptionError into a
        # "missing field" validation error instead of the 500 ``data_integrity_error`` it is.
        snapshot = filing.input_snapshot
        return FilingDetail(**FilingPublic.of(filing).model_dump(), input_snapshot=snapshot)


class BatchCreate(BaseModel):
    """`POST /filing-batches`: one template for a group or a list of clients."""

    model_config = ConfigDict(extra="forbid")
    template: str = Field(min_length=1, max_length=60)
    group_id: uuid.UUID | None = None
    client_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=MAX_BATCH_CLIENTS)
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_selection(self) -> BatchCreate:
        if (self.group_id is None) == (self.client_ids is None):
            raise ValueError("give exactly one of group_id or client_ids")
        return self


class BatchAccepted(BaseModel):
    id: uuid.UUID
    status: str
    total: int


class BatchItemPublic(BaseModel):
    client_id: uuid.UUID
    status: str  # pending | done | failed
    filing_id: uuid.UUID | None = None
    error: dict[str, Any] | None = None


class BatchSummary(BaseModel):
    """A batch in the list (``GET /filing-batches``): counts only; ``GET /filing-batches/{id}`` has the items."""

    id: uuid.UUID
    template: str
    group_id: uuid.UUID | None
    status: str  # queued | running | done
    total: int
    done: int
    failed: int
    pending: int
    created_by: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class BatchPublic(BatchSummary):
    """One batch (``GET /filing-batches/{id}``): its counts and one line per client."""

    items: list[BatchItemPublic]
