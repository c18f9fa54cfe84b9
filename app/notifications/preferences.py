"""A user's notification preferences: channels per severity, quiet hours, the liaison's custody-update opt-in.

Rules (docs/notifications.md "Preferences"):
- a critical alert always goes by e-mail and quiet hours never hold it back: the preference cannot say
  otherwise (``critical`` must list ``email``);
- other severities wait for the end of the user's quiet hours;
- only a family liaison opts in to custody updates, and then only within the scopes of the client's grant.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.core import audit
from app.core.audit import AuditActor
from app.core.errors import unprocessable
from app.core.types import utcnow
from app.notifications.models import NotificationPreference

SEVERITIES = ("critical", "high", "normal", "low")
CHANNELS = ("email",)
DEFAULT_CHANNELS: dict[str, list[str]] = {"critical": ["email"], "high": ["email"], "normal": [], "low": []}


def channels_of(pref: NotificationPreference | None) -> dict[str, list[str]]:
    merged = {k: list(v) for k, v in DEFAULT_CHANNELS.items()}
    if pref is not None:
        merged.update({k: list(v) for k, v in (pref.channels or {}).items() if k in SEVERITIES})
    merged["critical"] = sorted(set(merged["critical"]) | {"email"})  # never opted out (rule above)
    return merged


def wants(pref: NotificationPreference | None, severity: str | None, channel: str = "email") -> bool:
    if severity in ("critical", None):  # None: a message addressed to this person (an opt-in, an admin notice)
        return True
    return channel in channels_of(pref).get(severity or "normal", [])


def quiet_until(pref: NotificationPreference | None, severity: str | None, now: datetime) -> datetime | None:
    """The end of the quiet hours ``now`` falls in, or None (not quiet, none set, or a critical alert)."""
    if severity == "critical" or pref is None or not pref.quiet_hours:
        return None
    q = pref.quiet_hours
    zone = ZoneInfo(str(q.get("timezone") or "UTC"))
    start, end = time.fromisoformat(str(q["start"])), time.fromisoformat(str(q["end"]))
    local = now.astimezone(zone)
    t = local.timetz().replace(tzinfo=None)
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)


def get(session: Session, user_id: uuid.UUID) -> NotificationPreference | None:
    return session.get(NotificationPreference, user_id)


def get_many(session: Session, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, NotificationPreference]:
    """The preferences of several people in one query (an alert e-mails a whole rotation step)."""
    if not user_ids:
        return {}
    rows = session.exec(select(NotificationPreference).where(col(NotificationPreference.user_id).in_(user_ids)))
    return {p.user_id: p for p in rows.all()}


def _check(body: dict[str, Any], role: str) -> None:
    channels = body.get("channels") or {}
    for severity, chans in channels.items():
        if severity not in SEVERITIES or any(c not in CHANNELS for c in chans):
            raise unprocessable("notification_channel_invalid", "Unknown severity or channel.",
                                allowed_severities=list(SEVERITIES), allowed_channels=list(CHANNELS))
    if "critical" in channels and "email" not in channels["critical"]:
        raise unprocessable("critical_channel_required",
                            "Critical alerts always go by e-mail; the channel cannot be removed.")
    if body.get("custody_updates") and role != "family_liaison":
        raise unprocessable("custody_updates_liaison_only", "Only family liaisons receive custody updates.")
    q = body.get("quiet_hours")
    if q:
        try:
            ZoneInfo(str(q.get("timezone") or "UTC"))
            if time.fromisoformat(str(q["start"])) == time.fromisoformat(str(q["end"])):
                raise ValueError
        except (KeyError, ValueError, TypeError):
            raise unprocessable("quiet_hours_invalid", "Quiet hours need distinct start and end (HH:MM) and "
                                "a known IANA time zone.") from None
        except Exception:  # ZoneInfoNotFoundError and friends
            raise unprocessable("quiet_hours_invalid", "Unknown time zone.") from None


def put(actor: AuditActor, session: Session, *, user_id: uuid.UUID, org_id: uuid.UUID, role: str,
        body: dict[str, Any]) -> NotificationPreference:
    """Replace the caller's preferences (validated first: nothing written on 422). Commits."""
    _check(body, role)
    pref = session.get(NotificationPreference, user_id) or NotificationPreference(user_id=user_id,
                                                                                 organization_id=org_id)
    pref.channels = {k: list(v) for k, v in (body.get("channels") or {}).items()}
    pref.quiet_hours = dict(body["quiet_hours"]) if body.get("quiet_hours") else None
    pref.custody_updates = bool(body.get("custody_updates"))
    pref.updated_at = utcnow()
    session.add(pref)
    audit.record(session, actor, "notification_preferences.update", "user_account", user_id,
                 {"severities": sorted(pref.channels), "quiet_hours": pref.quiet_hours is not None,
                  "custody_updates": pref.custody_updates})
    session.commit()
    session.refresh(pref)
    return pref
