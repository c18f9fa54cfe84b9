"""GET /court-profiles and GET /court-profiles/{court}: the cited local rules of each district
(app/core_data/court_profiles.py; docs/domain/court-profiles.md). Staff only (``filings:read``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.auth.deps import ReadFilings
from app.core.errors import not_found
from app.core.routing import api_router
from app.core_data.court_profiles import PROFILES, court_profile

router = api_router(tags=["filings"])


class CourtProfileSummary(BaseModel):
    court: str
    name: str
    verified: bool


@router.get("/court-profiles", response_model=list[CourtProfileSummary])
def list_court_profiles(ctx: ReadFilings) -> list[CourtProfileSummary]:
    """Every district with a researched profile (``verified`` is true only when every rule was checked)."""
    return [CourtProfileSummary(court=p.court, name=p.name, verified=p.verified)
            for p in sorted(PROFILES.values(), key=lambda p: p.court)]


@router.get("/court-profiles/{court}")
def get_court_profile(court: str, ctx: ReadFilings) -> dict[str, Any]:
    """One district's profile: divisions and each rule with its value, source, as_of, verified and note."""
    profile = court_profile(court.lower()) if len(court) <= 8 else None
    if profile is None:
        raise not_found("court_profile_not_found", "No profile for this court; the federal rules apply.")
    return profile.describe()
