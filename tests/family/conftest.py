"""Helpers for the family page tests: a browser-like client per test (its own cookies, HTTPS because cookies are
Secure outside development), a client with planted privileged markers, an invited liaison (fictional data)."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import add_custody_event, make_client, make_facility
from tests.portal.conftest import consent, grants_url

HTML = {"Accept": "text/html,application/xhtml+xml"}
NEW_PASSWORD = "una contraseña larga 2026"
# Privileged facts that must never reach a family's page (docs/domain/family-view.md#visibility-by-default).
MARKERS = ("PRIVILEGED-NOTE-7Q", "GRANT-NOTE-7Q", "HIDDEN-PLACE-7Q", "SECRET-FACILITY-7Q", "attorney_visit",
           "SOURCE-DETAIL-7Q")
VISIBLE_FACILITY = "Fictional Processing Center"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, html[:500]
    return m.group(1)


@pytest.fixture
def browser(app: Any) -> Any:
    """A fresh cookie jar per call (``browser()``), over HTTPS like a production browser."""
    made: list[TestClient] = []

    def factory() -> TestClient:
        c = TestClient(app, base_url="https://testserver", raise_server_exceptions=False, follow_redirects=False)
        c.headers.update(HTML)
        made.append(c)
        return c

    yield factory
    for c in made:
        c.close()


@dataclass
class Family:
    client_id: uuid.UUID
    grant: dict[str, Any]
    email: str
    token: str
    hidden_facility_id: uuid.UUID
    a_number: str

    @property
    def markers(self) -> tuple[str, ...]:
        """Everything that must stay off the page, the full A-number included (only a masked form may show)."""
        n = self.a_number
        return (*MARKERS, n, f"{n[:3]}-{n[3:6]}-{n[6:]}", n[:6])


def planted_client(db: Any, org: Any, *, sex: str | None = None) -> tuple[Any, Any, str]:
    """A client whose record carries privileged markers: a family-visible event at a known facility (with staff
    notes and source detail), then a later event that is NOT family-visible at a secret facility."""
    fac = make_facility(db, name=VISIBLE_FACILITY, city="Lumpkin", state="GA", address="146 Example Road",
                        zip="31815", phone="+1-229-555-0101", visitation_info="Sábados 8-15")
    secret = make_facility(db, name="SECRET-FACILITY-7Q", city="Nowhere", state="TX")
    a_number = f"0{secrets.randbelow(10**8):08d}"
    c = make_client(db, org.id, a_number=a_number, **({"sex": sex} if sex else {}))
    add_custody_event(db, org.id, c.id, "detained_ice", datetime.now(UTC) - timedelta(days=2), facility_id=fac.id,
                      family_visible=True, notes="PRIVILEGED-NOTE-7Q", source_detail="SOURCE-DETAIL-7Q")
    add_custody_event(db, org.id, c.id, "detained_ice", datetime.now(UTC) - timedelta(hours=3),
                      facility_id=secret.id, location_text="HIDDEN-PLACE-7Q", family_visible=False,
                      notes="PRIVILEGED-NOTE-7Q")
    return c, secret, a_number


@pytest.fixture
def invite(client: Any, db: Any) -> Any:
    """Factory: a planted client and a grant that invites a new Spanish-speaking liaison."""

    def factory(org: Any, scopes: Iterable[str] = ("custody_status", "location", "hearings", "report_news"),
                lang: str = "es", sex: str | None = None) -> Family:
        c, secret, a_number = planted_client(db, org, sex=sex)
        email = f"familia-{uuid.uuid4().hex[:8]}@example.org"
        body = {"scopes": list(scopes), "consent": consent(), "notes": "GRANT-NOTE-7Q",
                "invite": {"email": email, "full_name": "Ana Ramírez Núñez", "preferred_language": lang}}
        r = client.post(grants_url(c.id), headers=org.h("attorney"), json=body)
        assert r.status_code == 201, r.text
        g = r.json()
        return Family(client_id=c.id, grant=g, email=email, token=g["invitation_token"], hidden_facility_id=secret.id,
                      a_number=a_number)

    return factory


def accept(b: TestClient, token: str, password: str = NEW_PASSWORD) -> Any:
    page = b.get(f"/family/invite/{token}")
    assert page.status_code == 200, page.text
    return b.post(f"/family/invite/{token}", data={"password": password, "password2": password,
                                                   "csrf": csrf_of(page.text)})


def sign_in(b: TestClient, email: str, password: str = NEW_PASSWORD) -> Any:
    page = b.get("/family/login")
    return b.post("/family/login", data={"email": email, "password": password, "csrf": csrf_of(page.text)})
