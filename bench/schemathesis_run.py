"""Schema fuzzing of the live app, once per role: schemathesis against a real uvicorn server.

The in-suite fuzz test (tests/security/test_schemathesis.py) runs in-process with a fixed small budget; this
script runs the same checks over HTTP against a server process, for every role's token, with a budget you
choose, and prints a table of the cases sent and the findings. ``make fuzz`` runs it.

What it does: a scratch database (SQLite by default, or ``--database-url``), migrated; one organization with
one user per role (admin, attorney, paralegal, family_liaison); the server started with uvicorn; one object
of every kind seeded through the API (tests/security/conftest.py ``seed_world``), so half of the generated
cases name real objects and reach the code behind the 404; then, for every operation of ``/openapi.json``,
``--max-examples`` generated cases (positive and negative), each sent once per role. Checks:
``not_a_server_error``, ``response_schema_conformance``, ``negative_data_rejection``, ``ignored_auth``, and
problem+json on every error. A finding is printed with its operation, role, check and a curl line; the exit
status is 1 when there was one.

    .venv/bin/python bench/schemathesis_run.py [--max-examples 5] [--database-url URL] [--only PATH-PART]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "test")  # production would demand field-encryption keys
os.environ.setdefault("JWT_SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("RATE_LIMIT_ENABLED", "false")
os.environ.setdefault("LOGIN_MAX_FAILURES_PER_IP", "100000")
os.environ.setdefault("PASSWORD_HASH_PROFILE", "fast")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import httpx  # noqa: E402
import schemathesis  # noqa: E402
from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hsettings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402

from bench._http import free_port, start_server  # noqa: E402

ROLES = ("admin", "attorney", "paralegal", "family_liaison")
CONFIG = {
    "generation": {"allow-extra-parameters": False, "with-security-parameters": False},
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "ignored_auth": {"enabled": True},
        "negative_data_rejection": {"enabled": True},
    },
}
# Operations that consume the seeded objects run last, so every other operation still finds them.
CONSUMING = ("/revoke", "/retract", "DELETE ", "/logout-all", "/calendar-token", "/finalize")


def problem_json_errors(ctx: Any, response: Any, case: Any) -> None:
    """Every error answer is RFC 9457 problem+json with a stable ``code``."""
    if response.status_code < 400:
        return
    ctype = response.headers.get("content-type", [""])
    ctype = ctype[0] if isinstance(ctype, list) else ctype
    assert ctype.startswith("application/problem+json"), f"{response.status_code} answered with {ctype!r}"
    assert "code" in response.json(), "problem body lacks code"


def setup(url: str) -> tuple[Any, Any, Any]:
    """Migrated database, settings, and an organization with one user per role."""
    from app.auth import service
    from app.auth.models import UserAccount
    from app.core.config import Settings
    from app.core.db import make_database
    from app.core.security import PasswordService
    from app.migrations import upgrade
    from tests.conftest import OrgFixture, mint_headers

    upgrade(url, "heads")
    settings = Settings(database_url=url)
    db = make_database(settings)
    pw_hash = PasswordService("fast", 2).hash("a fictional fuzzing passphrase 42")
    with db.session(write=True) as s:
        org = service.create_organization(s, f"Fuzz Org {uuid.uuid4().hex[:6]}")
        fx = OrgFixture(id=org.id, name=org.name)
        for role in ROLES:
            u = UserAccount(organization_id=org.id, email=f"{role}-{uuid.uuid4().hex[:8]}@example.org",
                            full_name=f"Fuzz {role.title()}", role=role, password_hash=pw_hash,
                            bar_number="MD-0000" if role == "attorney" else None,
                            bar_state="MD" if role == "attorney" else None,
                            firm_name="Fictional Defense Collective" if role == "attorney" else None,
                            office_address="100 Example St, Baltimore, MD 21201" if role == "attorney" else None,
                            phone="+1-410-555-0100" if role == "attorney" else None)
            s.add(u)
            fx.users[role] = u
        s.commit()
        for role, u in fx.users.items():
            s.refresh(u)
            fx.headers[role] = mint_headers(settings, u)
    return settings, db, fx


def current_headers(db: Any, settings: Any, user: Any) -> dict[str, str]:
    """A token at the user's current token version (the fuzzer may call logout-all)."""
    import sqlalchemy as sa

    from app.auth.models import UserAccount
    from tests.conftest import mint_headers

    with db.session() as s:
        user.token_version = s.execute(sa.select(UserAccount.token_version)
                                       .where(UserAccount.id == user.id)).scalar_one()  # type: ignore[arg-type]
    return mint_headers(settings, user)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-examples", type=int, default=5, help="generated cases per operation (each sent "
                                                                 "once per role)")
    ap.add_argument("--database-url", default="", help="default: a scratch SQLite file")
    ap.add_argument("--only", default="", help="fuzz only operations whose 'METHOD /path' contains this")
    args = ap.parse_args()

    from tests.security.conftest import seed_world

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/fuzz.sqlite3"
    settings, db, org = setup(url)
    port = free_port()
    server = start_server({"DATABASE_URL": url, "DATA_ENCRYPTION_KEYS": settings.data_encryption_keys,
                           "DATA_ENCRYPTION_ACTIVE_KEY": settings.data_encryption_active_key,
                           "BLIND_INDEX_KEY": settings.blind_index_key}, port)
    base = f"http://127.0.0.1:{port}"
    cases: collections.Counter[str] = collections.Counter()
    statuses: dict[str, collections.Counter[int]] = {r: collections.Counter() for r in ROLES}
    findings: list[tuple[str, str, str]] = []
    started = time.perf_counter()
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            world = seed_world(http, db, org)
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json", config=SchemathesisConfig.from_dict(CONFIG))
        doc = schema.raw_schema
        labels = sorted((f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops
                         if args.only in f"{m.upper()} {p}"), key=lambda lb: any(c in lb for c in CONSUMING))
        for label in labels:
            operation = schema.find_operation_by_label(label)
            strategies = [operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE)]
            real = world.path_params(operation.path)
            if real:
                strategies += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real),
                               operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real)]
            headers = {role: current_headers(db, settings, org.users[role]) for role in ROLES}

            def send(case: Any, label: str = label, headers: dict[str, dict[str, str]] = headers,
                     real: dict[str, str] | None = real) -> None:
                for role in ROLES:
                    h = dict(headers[role])
                    if case.method.upper() == "PATCH" and real and case.path_parameters == real:
                        current = httpx.get(base + case.formatted_path, headers=h, timeout=60)
                        if current.status_code == 200 and current.headers.get("etag"):
                            h["If-Match"] = current.headers["etag"]
                    cases[role] += 1
                    try:
                        response = case.call(base_url=base, headers=h)
                        statuses[role][response.status_code] += 1
                        case.validate_response(response, additional_checks=[problem_json_errors])
                    except Exception as exc:  # noqa: BLE001 - a finding is recorded, the run goes on
                        findings.append((label, role, f"{type(exc).__name__}: {str(exc).strip()[:600]}"))

            @hsettings(max_examples=args.max_examples, derandomize=True, deadline=None, database=None,
                       suppress_health_check=list(HealthCheck))
            @given(case=st.one_of(strategies))
            def run(case: Any) -> None:
                send(case)

            run()
    finally:
        server.terminate()
        server.wait(timeout=30)
        db.dispose()
    elapsed = time.perf_counter() - started

    print(f"\nschemathesis {schemathesis.__version__}, {len(labels)} operations, --max-examples "
          f"{args.max_examples}, {elapsed:.0f} s\n")
    print("| role | cases | 2xx | 4xx | 5xx | findings |\n|---|---:|---:|---:|---:|---:|")
    for role in ROLES:
        st_ = statuses[role]
        print(f"| {role} | {cases[role]} | {sum(n for c, n in st_.items() if c < 300)} | "
              f"{sum(n for c, n in st_.items() if 400 <= c < 500)} | {sum(n for c, n in st_.items() if c >= 500)} | "
              f"{sum(1 for f in findings if f[1] == role)} |")
    print(f"| all | {sum(cases.values())} | | | | {len(findings)} |")
    seen: set[tuple[str, str]] = set()
    for label, role, text in findings:
        first = text.splitlines()[0]
        if (label, first) in seen:
            continue
        seen.add((label, first))
        print(f"\n{label} [{role}]\n  {text}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
