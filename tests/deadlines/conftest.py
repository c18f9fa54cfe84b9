"""Helpers of the deadline API tests: a pinned clock, a client per organization, request shortcuts.

The clock is pinned to Friday 1 May 2026, 12:00 UTC unless a test moves it, so "manual dates may not be in the
past" and the worked examples of docs/domain/deadlines.md#worked-examples do not depend on the day the suite runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import make_client

API = "/api/v1"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime

    def set(self, value: datetime | str) -> None:
        self.now = datetime.fromisoformat(value) if isinstance(value, str) else value


@pytest.fixture
def clock(app: Any) -> Iterator[Clock]:
    """Pin the deadline routes' notion of "now" (``app.core.clock.current_time``)."""
    from app.core.clock import current_time

    holder = Clock(NOW)

    async def fake_now() -> datetime:
        return holder.now

    app.dependency_overrides[current_time] = fake_now
    yield holder
    app.dependency_overrides.pop(current_time, None)


@dataclass
class World:
    """One organization (all roles) with one client, pinned clock."""

    org: Any
    client_id: uuid.UUID
    http: Any
    clock: Clock

    def h(self, role: str = "paralegal", **extra: str) -> dict[str, str]:
        return {**self.org.h(role), **extra}

    def post_deadline(self, role: str = "paralegal", client_id: Any = None, **body: Any) -> Any:
        return self.http.post(f"{API}/clients/{client_id or self.client_id}/deadlines", headers=self.h(role),
                              json=body)

    def deadline(self, **body: Any) -> dict[str, Any]:
        r = self.post_deadline(**body)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def trigger(self, role: str = "paralegal", client_id: Any = None, **body: Any) -> Any:
        return self.http.post(f"{API}/clients/{client_id or self.client_id}/trigger-events", headers=self.h(role),
                              json=body)

    def patch(self, path: str, body: dict[str, Any], version: int | str, role: str = "paralegal") -> Any:
        return self.http.patch(f"{API}{path}", headers=self.h(role, **{"If-Match": f'"{version}"'}), json=body)


@pytest.fixture
def world(client: Any, db: Any, make_org: Any, clock: Clock) -> World:
    org = make_org()
    c = make_client(db, org.id)
    return World(org=org, client_id=c.id, http=client, clock=clock)
