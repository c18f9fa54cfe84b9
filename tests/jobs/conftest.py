"""Job engine tests: a database of their own per module (no other application's runner takes their jobs)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.core.db import make_database
from tests.conftest import OrgFixture, mint_headers, new_database_url


@pytest.fixture(scope="module")
def own_db(tmp_path_factory: pytest.TempPathFactory, settings: Any) -> Iterator[tuple[Any, Any]]:
    from app.migrations import upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    upgrade(url, "heads")
    own_settings = settings.model_copy(update={"database_url": url, "render_workers": 1})
    database = make_database(own_settings)
    yield own_settings, database
    database.dispose()
    cleanup()


def new_org(db: Any, settings: Any, roles: tuple[str, ...] = ("admin", "attorney", "paralegal")) -> OrgFixture:
    from app.auth import service
    from app.auth.models import UserAccount

    with db.session(write=True) as s:
        org = service.create_organization(s, f"Jobs Org {uuid.uuid4().hex[:6]}")
        fx = OrgFixture(id=org.id, name=org.name)
        for role in roles:
            u = UserAccount(organization_id=org.id, email=f"{role}-{uuid.uuid4().hex[:8]}@example.org",
                            full_name=f"Test {role.title()}", role=role, bar_number="MD-0000",
                            office_address="100 Example St, Baltimore, MD 21201", phone="+1-410-555-0100")
            s.add(u)
            fx.users[role] = u
        s.commit()
    for role, u in fx.users.items():
        fx.headers[role] = mint_headers(settings, u)
    return fx


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    """Poll ``check`` until it returns something true (generous timeouts: the machine may be busy)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
