"""The answer of a client CSV intake (``POST /clients/import``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ImportReport(BaseModel):
    created: int
    matched: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    dry_run: bool
    partial: bool
    custody_events: int = 0
    group_memberships: int = 0
    groups_created: list[str] = Field(default_factory=list)
    # Dates such as 03/04/2026 that could be read two ways and were read in the organization's date order.
    ambiguous_dates: int = 0
    date_order: str = "MDY"
