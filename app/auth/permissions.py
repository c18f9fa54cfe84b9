"""Roles and permissions as data (docs/design.md#permissions-and-roles). Routes declare the permission they need."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    attorney = "attorney"
    paralegal = "paralegal"
    family_liaison = "family_liaison"


class Permission(StrEnum):
    account_self = "account:self"  # /auth/me and friends: every authenticated user
    users_manage = "users:manage"
    users_directory = "users:directory"  # staff: the organization's attorneys (GET /users?role=attorney)
    organization_read = "organization:read"
    organization_write = "organization:write"
    audit_read = "audit:read"
    clients_read = "clients:read"
    clients_write = "clients:write"
    clients_delete = "clients:delete"
    clients_import = "clients:import"
    facilities_write = "facilities:write"
    custody_write = "custody:write"
    protection_write = "protection:write"
    protection_verify = "protection:verify"  # only attorneys mark an order verified
    court_orders_write = "court_orders:write"
    alerts_read = "alerts:read"
    alerts_ack = "alerts:ack"
    deadlines_read = "deadlines:read"
    deadlines_write = "deadlines:write"
    deadlines_confirm = "deadlines:confirm"
    deadline_rules_write = "deadline_rules:write"
    filings_read = "filings:read"
    filings_draft = "filings:draft"
    filings_finalize = "filings:finalize"
    liaison_grant = "liaison:grant"
    liaison_read = "liaison:read"
    portal_read = "portal:read"
    organization_export = "organization:export"  # the whole organization as JSON (admins)
    access_tokens_manage = "access_tokens:manage"  # personal access tokens of one's own (staff, docs/auth.md)
    jobs_read = "jobs:read"  # the job engine's operational counts, GET /jobs/stats (admins)
    on_call_write = "on_call:write"  # the on-call rotation and escalation steps (attorneys, admins)
    webhooks_manage = "webhooks:manage"  # webhook endpoints and their secrets (admins)


_STAFF = {
    Permission.account_self,
    Permission.users_directory,
    Permission.organization_read,
    Permission.clients_read,
    Permission.clients_write,
    Permission.clients_import,
    Permission.facilities_write,
    Permission.custody_write,
    Permission.protection_write,
    Permission.court_orders_write,
    Permission.alerts_read,
    Permission.alerts_ack,
    Permission.deadlines_read,
    Permission.deadlines_write,
    Permission.filings_read,
    Permission.filings_draft,
    Permission.access_tokens_manage,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(
        _STAFF
        | {
            Permission.users_manage,
            Permission.organization_write,
            Permission.audit_read,
            Permission.organization_export,
            Permission.jobs_read,
            Permission.on_call_write,
            Permission.webhooks_manage,
            Permission.clients_delete,
            Permission.liaison_grant,
            Permission.liaison_read,
        }
    ),
    Role.attorney: frozenset(
        _STAFF
        | {
            Permission.clients_delete,
            Permission.protection_verify,
            Permission.deadlines_confirm,
            Permission.deadline_rules_write,
            Permission.filings_finalize,
            Permission.on_call_write,
            Permission.liaison_grant,
            Permission.liaison_read,
        }
    ),
    Role.paralegal: frozenset(_STAFF),
    Role.family_liaison: frozenset({Permission.account_self, Permission.portal_read}),
}

# Routes that need no token at all (checked by tests/test_route_permissions.py).
PUBLIC_ROUTES: set[tuple[str, str]] = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/token/mfa"),  # the second step of a sign-in: the mfa_token is the credential
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/accept-invite"),
    ("GET", "/api/v1/auth/password-reset"),  # the form page a reset link opens (no data, no secret)
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("GET", "/calendar/{feed_token}.ics"),
    # The family page's public doors (app/family/pages.py): forms carry a CSRF token; nothing personal is shown.
    ("GET", "/family/static/family.css"),
    ("GET", "/family/language/{lang}"),
    ("GET", "/family/login"),
    ("POST", "/family/login"),
    ("POST", "/family/logout"),
    ("GET", "/family/invite/{token}"),
    ("POST", "/family/invite/{token}"),
    ("GET", "/family/password-reset"),
    ("POST", "/family/password-reset"),
    ("GET", "/family/password-reset/confirm"),
    ("POST", "/family/password-reset/confirm"),
    ("GET", "/metrics"),  # a scraper's own bearer token, METRICS_TOKEN, not a user's (app/monitoring.py)
}


def has_permission(role: str, permission: Permission) -> bool:
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
