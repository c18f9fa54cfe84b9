"""What the periodic sweep commands share (``dueprocess alerts sweep``, ``dueprocess deadlines sweep``):
parsing ``--now`` and ``--org``, one write session, and a one-line JSON report for cron logs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import typer
from sqlmodel import Session, select

from app.auth.models import Organization
from app.core_data.names import fold_for_search

SweepFn = Callable[[Session, datetime, "list[uuid.UUID] | None"], dict[str, Any]]


def parse_now(now: str | None) -> datetime:
    """``--now``: an ISO 8601 instant with a UTC offset (a pretend clock for drills and tests); default now."""
    from app.core.types import utcnow

    if not now:
        return utcnow()
    try:
        at = datetime.fromisoformat(now)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        typer.echo("error: --now needs an ISO 8601 instant with a UTC offset, e.g. 2026-07-01T12:00:00Z", err=True)
        raise typer.Exit(2)
    return at


def organization_for_option(session: Session, value: str) -> Organization:
    """The organization an operator named with ``--org``: its slug, or its name (case and accents as typed
    or not). An unknown or ambiguous name ends the command with exit code 2 and a plain message."""
    org = session.exec(select(Organization).where(Organization.slug == value.strip())).first()
    if org is not None:
        return org
    wanted = fold_for_search(value)
    named = [o for o in session.exec(select(Organization)).all() if fold_for_search(o.name) == wanted]
    if len(named) == 1:
        return named[0]
    if named:
        slugs = ", ".join(sorted(o.slug for o in named))
        typer.echo(f"error: several organizations are called {value!r}; use a slug: {slugs}", err=True)
    else:
        typer.echo(f"error: no organization with the slug or name {value!r}", err=True)
    raise typer.Exit(2)


def run_sweep(sweep: SweepFn, now: str | None, org_slug: str | None) -> None:
    """Run ``sweep(session, at, org_ids)`` in one write session and print its result as JSON."""
    from app.core.config import get_settings
    from app.core.db import make_database

    at = parse_now(now)
    db = make_database(get_settings())
    try:
        with db.session(write=True) as session:
            org_ids = [organization_for_option(session, org_slug).id] if org_slug else None
            result = sweep(session, at, org_ids)
    finally:
        db.dispose()
    typer.echo(json.dumps({"now": at.isoformat(), **result}))


NOW_OPTION_HELP = "Pretend it is this ISO 8601 instant (with offset)."
ORG_OPTION_HELP = "Only this organization (slug or name)."
