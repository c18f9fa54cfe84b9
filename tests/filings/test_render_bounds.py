"""A draft whose text would lay out hundreds of pages is refused before any render worker is involved
(security finding: 20,000 blank lines in `facts` took a worker 30-50 s of layout before the page cap)."""

from __future__ import annotations

import time
from typing import Any

from app.filings.options import LAYOUT_LINE_BUDGET, invalid_options_for, layout_lines
from app.filings.specs import TEMPLATES
from tests.conftest import assert_problem

from .conftest import OPTIONS, detained_client

API = "/api/v1"


def test_blank_lines_count_as_printed_lines() -> None:
    assert layout_lines("\n" * 20_000) == 20_001
    assert layout_lines("a" * 900) == 10
    assert layout_lines(["x" * 91, "y"]) == 3


def test_the_largest_ordinary_facts_still_pass() -> None:
    facts = "\n\n".join("A paragraph of facts drawn from the record. " * 8 for _ in range(120))
    assert layout_lines(facts) < LAYOUT_LINE_BUDGET
    assert invalid_options_for(TEMPLATES["habeas_2241"].options, {**OPTIONS["habeas_2241"], "facts": facts}) == []


def test_twenty_thousand_blank_lines_are_refused_before_rendering(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number="071122334")
    started = time.perf_counter()
    r = api.post(f"{API}/clients/{client.id}/filings", headers=org_a.h("attorney"), json={
        "template": "habeas_2241", "options": {**OPTIONS["habeas_2241"], "facts": "\n" * 20_000}})
    elapsed = time.perf_counter() - started
    body = assert_problem(r, 422, "invalid_filing_options")
    assert any("printed lines" in p for p in body["invalid"]), body
    assert api.get(f"{API}/clients/{client.id}/filings", headers=org_a.h("attorney")).json()["total"] == 0
    # Not a timing goal: a refusal that rendered first would take tens of seconds, not a request's time.
    assert elapsed < 20, elapsed
