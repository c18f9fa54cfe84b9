"""The rule catalog as seen by an organization: built-in rules (code, ``catalog.py``) plus its own rules (rows).

Organization rules are validated by building a ``RuleSpec`` (the engine's own checks), carry ids that start
with ``ORG-`` (so they can never shadow a built-in added later), and go through the same ``compute``.
Built-in rules are immutable (409 ``builtin_rule_immutable``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import claim_version
from app.core.errors import ProblemError, conflict, not_found
from app.deadlines import recompute
from app.deadlines.catalog import RULES
from app.deadlines.models import DeadlineRuleRow
from app.deadlines.rule_specs import ORG_PREFIX, SPEC_FIELDS, get_org_rule, spec_from_values
from app.deadlines.schemas import RuleCreate, RulePublic, RuleUpdate


def rule_or_404(session: Session, org_id: uuid.UUID, code: str) -> tuple[RulePublic, DeadlineRuleRow | None]:
    spec = RULES.get(code)
    if spec is not None:
        return RulePublic.of_builtin(spec), None
    row = get_org_rule(session, org_id, code)
    if row is None:
        raise not_found("rule_not_found", "No such deadline rule.")
    return RulePublic.of(row), row


def list_rules(session: Session, org_id: uuid.UUID, *, builtin: bool | None, limit: int,
               offset: int) -> tuple[list[RulePublic], int]:
    """Built-ins first (catalog order), then the organization's rules by id."""
    items: list[RulePublic] = []
    if builtin is not False:
        items.extend(RulePublic.of_builtin(spec) for spec in RULES.values())
    if builtin is not True:
        stmt = select(DeadlineRuleRow).where(DeadlineRuleRow.organization_id == org_id).order_by(DeadlineRuleRow.code)
        items.extend(RulePublic.of(r) for r in session.exec(stmt).all())
    return items[offset:offset + limit], len(items)


def create_rule(ctx: AuditActor, session: Session, body: RuleCreate, now: datetime) -> DeadlineRuleRow:
    """Add an organization rule (attorneys)."""
    code = body.id
    if code in RULES:
        raise conflict("builtin_rule_id", "That id belongs to a built-in rule; built-in rules cannot be redefined.")
    if not code.startswith(ORG_PREFIX):
        raise ProblemError(422, "invalid_rule_id",
                           f"Organization rule ids start with {ORG_PREFIX!r}, e.g. ORG-DMD-REPLY-7.")
    values = body.model_dump(exclude={"id", "as_of"})
    spec_from_values(code, values, body.as_of)
    if get_org_rule(session, ctx.org_id, code) is not None:
        raise conflict("rule_id_conflict", "The organization already has a rule with that id.")
    row = DeadlineRuleRow(organization_id=ctx.org_id, code=code, as_of_date=body.as_of, created_by=ctx.user_id,
                          created_at=now, updated_at=now, **values)
    session.add(row)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()
        raise conflict("rule_id_conflict", "The organization already has a rule with that id.") from None
    audit.record(session, ctx, "deadline_rule.created", "deadline_rule", row.id, {"rule": code})
    session.commit()
    return row


def update_rule(ctx: AuditActor, session: Session, row: DeadlineRuleRow, body: RuleUpdate, expected: int,
                now: datetime) -> tuple[DeadlineRuleRow, dict[str, list[uuid.UUID]]]:
    """Edit an organization rule (If-Match); open deadlines computed from it are recomputed (confirmed ones get
    a proposed new version instead)."""

    fields = body.model_fields_set
    values = {k: getattr(row, k) for k in SPEC_FIELDS}
    as_of = row.as_of_date
    for name in fields:
        value = getattr(body, name)
        if name == "as_of":
            as_of = value
        elif value is None and name in ("title", "trigger", "unit", "direction", "regime", "citation",
                                        "jurisdictional", "extendable", "runs_from_service", "roll",
                                        "obligated_party"):
            raise ProblemError(422, "invalid_rule", f"{name} cannot be null")
        else:
            values[name] = value if value is not None or name in ("period", "time_of_day", "max_period") else ""
    spec = spec_from_values(row.code, values, as_of)
    claim_version(session, row, expected)
    for name, value in values.items():
        setattr(row, name, value)
    row.as_of_date = as_of
    row.updated_at = now
    session.flush()
    summary = recompute.recompute_rule_deadlines(ctx, session, spec, now)
    audit.record(session, ctx, "deadline_rule.updated", "deadline_rule", row.id,
                 {"rule": row.code, "fields": sorted(fields), "recomputed": len(summary["recomputed"]),
                  "proposed": len(summary["proposed"])})
    session.commit()
    return row, summary
