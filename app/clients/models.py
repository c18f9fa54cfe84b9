"""Clients, proceedings and groups (docs/design.md#domain-model, docs/domain/clients.md#the-person,
docs/domain/clients.md#matters-and-proceedings). Tables only; API schemas live in schemas.py."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core import crypto, keyring
from app.core.types import UTCDateTime, enum_col, json_col, utcnow


class Forum(StrEnum):
    immigration_court = "immigration_court"
    bia = "bia"
    district_court = "district_court"
    court_of_appeals = "court_of_appeals"
    supreme_court = "supreme_court"
    uscis = "uscis"
    other = "other"


class Client(SQLModel, table=True):
    __tablename__ = "client"
    __table_args__ = (
        # One A-number per person within an organization (docs/domain/clients.md#the-person), enforced on the blind
        # index (the
        # A-number itself is stored encrypted); NULLs (unknown yet) do not collide.
        sa.UniqueConstraint("organization_id", "a_number_bidx"),
        sa.Index("ix_client_org_created", "organization_id", "created_at", "id"),
        # Name search (``q``) does not read ``search_name``: it uses the word index ``client_name_token``.
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    # Encrypted at rest (app/core/crypto.py): AES-GCM ciphertext bound to organization/table/column/row,
    # plus an HMAC blind index for lookups and uniqueness. Read and write through ``a_number``.
    a_number_ct: str | None = Field(default=None, max_length=200)
    a_number_bidx: str | None = Field(default=None, max_length=64)
    a_number_needs_review: bool = Field(default=False, nullable=False)
    a_number_sealed: bool = Field(default=False, nullable=False)
    given_names: str = Field(max_length=200)
    first_surname: str = Field(max_length=200)
    second_surname: str | None = Field(default=None, max_length=200)
    name_on_charging_document: str | None = Field(default=None, max_length=400)
    # The name in Latin script, as a person entered it, for court captions when the name is recorded in
    # another script (no automatic transliteration).
    name_latin: str | None = Field(default=None, max_length=400)
    aliases: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    # Accent/case-folded names + aliases; its words are indexed in ``client_name_token`` for ``q``.
    search_name: str = Field(default="", max_length=2000)
    date_of_birth: str | None = Field(default=None, max_length=10)  # YYYY, YYYY-MM or YYYY-MM-DD
    sex: str | None = Field(default=None, max_length=40)
    country_of_birth: str | None = Field(default=None, max_length=2, index=True)
    citizenships: list[str] = Field(default_factory=list, sa_column=json_col())
    stateless: bool = Field(default=False, nullable=False)
    languages: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    interpreter_needed: bool = Field(default=False, nullable=False)
    interpreter_language: str | None = Field(default=None, max_length=80)
    last_arrival_date: date | None = None
    last_known_address: str | None = Field(default=None, max_length=500)
    sensitive_flags: list[str] = Field(default_factory=list, sa_column=json_col())
    privileged_notes_ct: str | None = Field(default=None, sa_type=sa.Text())  # encrypted; use ``privileged_notes``
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    version: int = Field(default=1, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)

    def __init__(self, **data: Any) -> None:
        # The encrypted fields are properties, which SQLModel's constructor would silently ignore.
        encrypted = {k: data.pop(k) for k in ENCRYPTED_CLIENT_FIELDS if k in data}
        super().__init__(**data)
        for key, value in encrypted.items():
            setattr(self, key, value)

    def _aad(self, column: str) -> bytes:
        return crypto.KeyRing.aad(self.organization_id, "client", column, self.id)

    @property
    def a_number(self) -> str | None:
        """The nine-digit A-number, decrypted."""
        return decrypt_a_number(self.organization_id, self.id, self.a_number_ct)

    @a_number.setter
    def a_number(self, value: str | None) -> None:
        ring = keyring.ring()
        self.a_number_ct = None if value is None else ring.encrypt(value, self._aad("a_number"))
        self.a_number_bidx = None if value is None else ring.blind_index(self.organization_id, value)

    @property
    def privileged_notes(self) -> str | None:
        """Privileged notes, decrypted (never shown in lists or to liaisons)."""
        return decrypt_privileged_notes(self.organization_id, self.id, self.privileged_notes_ct)

    @privileged_notes.setter
    def privileged_notes(self, value: str | None) -> None:
        self.privileged_notes_ct = (None if value is None
                                    else keyring.ring().encrypt(value, self._aad("privileged_notes")))


ENCRYPTED_CLIENT_FIELDS = ("a_number", "privileged_notes")


def encrypt_client_row(row: dict[str, Any]) -> dict[str, Any]:
    """For bulk inserts of plain dicts: replace ``a_number``/``privileged_notes`` by their stored forms."""
    ring = keyring.ring()
    out = dict(row)
    a_number = out.pop("a_number", None)
    notes = out.pop("privileged_notes", None)
    org, rid = out["organization_id"], out["id"]
    out["a_number_ct"] = None if a_number is None else ring.encrypt(
        a_number, crypto.KeyRing.aad(org, "client", "a_number", rid))
    out["a_number_bidx"] = None if a_number is None else ring.blind_index(org, a_number)
    out["privileged_notes_ct"] = None if notes is None else ring.encrypt(
        notes, crypto.KeyRing.aad(org, "client", "privileged_notes", rid))
    return out


def decrypt_a_number(org_id: uuid.UUID, client_id: uuid.UUID, a_number_ct: str | None) -> str | None:
    """The A-number stored in ``a_number_ct`` (for rows read without the ORM)."""
    if a_number_ct is None:
        return None
    return keyring.ring().decrypt(a_number_ct, crypto.KeyRing.aad(org_id, "client", "a_number", client_id))


def decrypt_privileged_notes(org_id: uuid.UUID, client_id: uuid.UUID, notes_ct: str | None) -> str | None:
    """The privileged notes stored in ``privileged_notes_ct`` (for rows read without the ORM)."""
    if notes_ct is None:
        return None
    return keyring.ring().decrypt(notes_ct, crypto.KeyRing.aad(org_id, "client", "privileged_notes", client_id))


def a_number_bidx(org_id: uuid.UUID, a_number: str) -> str:
    """The blind index of a normalized A-number in an organization (lookups, uniqueness)."""
    return keyring.ring().blind_index(org_id, a_number)


NAME_TOKEN_MAX = 100
# Byte order on PostgreSQL whatever the database's collation, so that a word prefix is one key range (SQLite's
# default BINARY collation already compares UTF-8 bytes; both then agree with code point order).
_TOKEN_TYPE = sa.String(NAME_TOKEN_MAX).with_variant(sa.String(NAME_TOKEN_MAX, collation="C"), "postgresql")


class ClientNameToken(SQLModel, table=True):
    """One word of a live client's ``search_name`` (folded names and aliases), for name search (``q``).

    Written in the same transaction as every change of ``search_name`` (create, PATCH of a name field or the
    aliases, CSV import) and removed when the client is soft-deleted, like ``custody_current``; never edited on
    its own (``app.clients.name_index``). The primary key is the search index: the words starting with what was
    typed are one key range of the organization, each word's clients in list order (client created_at, id)."""

    __tablename__ = "client_name_token"
    __table_args__ = (
        sa.Index("ix_client_name_token_client_id_token", "client_id", "token"),  # rewrite one client's words
        {"sqlite_with_rowid": False},
    )

    organization_id: uuid.UUID = Field(foreign_key="organization.id", primary_key=True)
    token: str = Field(sa_type=_TOKEN_TYPE, primary_key=True)
    client_created_at: datetime = Field(sa_type=UTCDateTime(), primary_key=True)  # copy of client.created_at
    client_id: uuid.UUID = Field(foreign_key="client.id", primary_key=True)


class Proceeding(SQLModel, table=True):
    """A case in one forum (docs/domain/clients.md#matters-and-proceedings); respondents feed district-court
    captions."""

    __tablename__ = "proceeding"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", index=True, nullable=False)
    forum: str = Field(sa_column=enum_col(40))
    court_name: str | None = Field(default=None, max_length=200)
    federal_district: str | None = Field(default=None, max_length=8)
    division: str | None = Field(default=None, max_length=80)
    docket_number: str | None = Field(default=None, max_length=80)
    judge: str | None = Field(default=None, max_length=200)
    status: str = Field(default="open", max_length=40)
    our_role: str | None = Field(default=None, max_length=60)
    name_as_filed: str | None = Field(default=None, max_length=400)
    respondents: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    next_hearing_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    next_hearing_type: str | None = Field(default=None, max_length=80)
    hearing_location: str | None = Field(default=None, max_length=300)
    opened_date: date | None = None
    closed_date: date | None = None
    sealed: bool = Field(default=False, nullable=False)
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class ClientGroup(SQLModel, table=True):
    """A named set of clients, e.g. everyone reported on one removal flight."""

    __tablename__ = "client_group"
    __table_args__ = (sa.UniqueConstraint("organization_id", "name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class ClientGroupMember(SQLModel, table=True):
    __tablename__ = "client_group_member"

    group_id: uuid.UUID = Field(foreign_key="client_group.id", primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="client.id", primary_key=True, index=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
