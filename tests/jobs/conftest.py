"""Job engine tests: a database of their own per module (no other application's runner takes their jobs)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import OrgFixture, own_database, staff_org


@pytest.fixture(scope="module")
def own_db(tmp_path_factory: pytest.TempPathFactory, settings: Any) -> Iterator[tuple[Any, Any]]:
    with own_database(tmp_path_factory, settings, render_workers=1) as pair:
        yield pair


def new_org(db: Any, settings: Any, roles: tuple[str, ...] = ("admin", "attorney", "paralegal")) -> OrgFixture:
    return staff_org(db, settings, roles, name=f"Jobs Org {uuid.uuid4().hex[:6]}")


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    """Poll ``check`` until it returns something true (generous timeouts: the machine may be busy)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
