"""Deadline rules as computable specs: a built-in rule of the catalog, or one of the organization's own, looked
up by code and validated by building its ``RuleSpec``. Pure lookups (no writes), so that both the rule edits
(``rules_service``) and the recomputation they trigger (``recompute``) can use them without importing each other.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session, select

from app.core.errors import ProblemError
from app.deadlines.catalog import RULES
from app.deadlines.compute import DeadlineInputError, RuleSpec
from app.deadlines.models import DeadlineRuleRow

ORG_PREFIX = "ORG-"
SPEC_FIELDS = ("title", "trigger", "period", "unit", "direction", "regime", "citation", "jurisdictional",
                "extendable", "extension_note", "notes", "time_of_day", "runs_from_service", "roll", "max_period",
                "obligated_party")



def spec_from_values(code: str, values: dict[str, Any], as_of: date | None) -> RuleSpec:
    """Build (= validate) a RuleSpec; 422 ``invalid_rule`` with the engine's reasons."""
    try:
        return RuleSpec(id=code, as_of=as_of, **{k: values[k] for k in SPEC_FIELDS})
    except DeadlineInputError as exc:
        raise ProblemError(422, exc.code, exc.message) from None


def spec_from_row(row: DeadlineRuleRow) -> RuleSpec:
    return spec_from_values(row.code, {k: getattr(row, k) for k in SPEC_FIELDS}, row.as_of_date)


def get_org_rule(session: Session, org_id: uuid.UUID, code: str, *, for_update: bool = False) -> DeadlineRuleRow | None:
    stmt = select(DeadlineRuleRow).where(DeadlineRuleRow.organization_id == org_id, DeadlineRuleRow.code == code)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def resolve_rule(session: Session, org_id: uuid.UUID, code: str) -> RuleSpec:
    """A built-in rule or one of the organization's; 422 ``unknown_rule`` otherwise (a body reference)."""
    spec = RULES.get(code)
    if spec is not None:
        return spec
    row = get_org_rule(session, org_id, code) if code.startswith(ORG_PREFIX) else None
    if row is None:
        raise ProblemError(422, "unknown_rule", f"Unknown deadline rule: {code[:64]!r}.")
    return spec_from_row(row)
