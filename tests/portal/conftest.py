"""Helpers for the liaison-grant and family-portal tests (fictional data only)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.auth.models import UserAccount
from tests.conftest import mint_headers

ALL_SCOPES = ("custody_status", "location", "hearings", "deadlines_generic")
API = "/api/v1"


def grants_url(client_id: Any) -> str:
    return f"{API}/clients/{client_id}/liaison-grants"


def portal_url(client_id: Any | None = None) -> str:
    return f"{API}/portal/clients" + (f"/{client_id}" if client_id is not None else "")


def consent(**over: Any) -> dict[str, Any]:
    body = {"method": "written_signed", "obtained_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "language": "es"}
    body.update(over)
    return body


def grant_body(liaison_id: Any = None, scopes: Iterable[str] = ALL_SCOPES, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"scopes": list(scopes), "consent": consent()}
    if liaison_id is not None:
        body["liaison_user_id"] = str(liaison_id)
    body.update(over)
    return body


def invite_body(email: str | None = None, scopes: Iterable[str] = ALL_SCOPES, **over: Any) -> dict[str, Any]:
    invite = {"email": email or f"familia-{uuid.uuid4().hex[:8]}@example.org", "full_name": "Ana Ramírez Núñez",
              "preferred_language": "es"}
    return grant_body(None, scopes, invite=invite, **over)


@pytest.fixture
def new_liaison(db: Any, settings: Any) -> Callable[..., tuple[UserAccount, dict[str, str]]]:
    """Factory: an extra family liaison (direct insert) and its Authorization headers."""

    def factory(org_id: uuid.UUID, preferred_language: str = "en", role: str = "family_liaison",
                **kw: Any) -> tuple[UserAccount, dict[str, str]]:
        with db.session(write=True) as s:
            user = UserAccount(organization_id=org_id, email=f"fam-{uuid.uuid4().hex[:10]}@example.org",
                               full_name="Familiar de Prueba", role=role, password_hash="x",
                               preferred_language=preferred_language, **kw)
            s.add(user)
            s.commit()
        return user, mint_headers(settings, user)

    return factory


@pytest.fixture
def grant(client: Any) -> Callable[..., dict[str, Any]]:
    """Factory: create a grant through the API (as the org's attorney unless ``role`` says otherwise)."""

    def factory(org: Any, client_id: Any, liaison_id: Any, scopes: Iterable[str] = ALL_SCOPES,
                role: str = "attorney", **over: Any) -> dict[str, Any]:
        r = client.post(grants_url(client_id), headers=org.h(role), json=grant_body(liaison_id, scopes, **over))
        assert r.status_code == 201, r.text
        return r.json()

    return factory


def audit_rows(db: Any, org_id: uuid.UUID, action: str, entity_id: Any = None) -> list[Any]:
    from sqlmodel import select

    from app.core.audit import AuditEvent

    with db.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.organization_id == org_id, AuditEvent.action == action)
        if entity_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == str(entity_id))
        return list(s.exec(stmt.order_by(AuditEvent.seq)).all())  # type: ignore[arg-type]


def set_columns(db: Any, model: Any, row_id: Any, **values: Any) -> None:
    """Change a row behind the API's back (time travel for expiry tests, soft deletes)."""
    import sqlalchemy as sa

    table = model.__table__
    with db.session(write=True) as s:
        s.execute(sa.update(table).where(table.c.id == row_id).values(**values))
        s.commit()
