"""``dueprocess seed-demo``: fictional demo data through the real API (validation, alerts and audit included).

Every name, A-number and event here is invented. It runs the application in-process and calls the same
HTTP endpoints a client would, so the demo data always obeys the current rules.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import typer

DEMO_CLIENTS = [
    ("José Luis", "Núñez", "Peña", "SV", "201555001"),
    ("María Fernanda", "Ábrego", "Castillo", "SV", "201555002"),
    ("Ana Lucía", "Xicará", "Tzoc", "GT", "201555003"),
    ("Wilmer", "Reyes", "Banegas", "HN", "201555004"),
    ("Yusuf", "Abdi", None, "SO", "201555005"),
]


def commands(cli: typer.Typer) -> None:
    @cli.command("seed-demo")
    def seed_demo(org_slug: str = typer.Option(None, "--org",
                                               help="Organization slug or name (default: the first).")) -> None:
        """Load fictional demo clients, custody events, a protection order, a court order and deadlines."""
        from fastapi.testclient import TestClient
        from sqlmodel import col, select

        from app.auth.models import Organization, UserAccount
        from app.auth.sweep_cli import organization_for_option
        from app.core.config import get_settings
        from app.core.security import create_access_token
        from app.main import create_app

        settings = get_settings()
        app = create_app(settings)
        db = app.state.db
        with db.session(write=True) as s:
            org = (organization_for_option(s, org_slug) if org_slug else
                   s.exec(select(Organization).order_by(col(Organization.created_at))).first())
            if org is None:
                typer.echo("no organization: run `dueprocess create-admin` (or `make run`) first", err=True)
                raise typer.Exit(2)
            attorney = s.exec(select(UserAccount).where(UserAccount.organization_id == org.id,
                                                        UserAccount.role == "attorney")).first()
            if attorney is None:
                attorney = UserAccount(
                    organization_id=org.id, email=f"attorney-{uuid.uuid4().hex[:6]}@example.org",
                    full_name="Demo Attorney (fictional)", role="attorney",
                    password_hash=app.state.passwords.hash(secrets.token_urlsafe(24)), bar_number="MD-DEMO-1",
                    bar_state="MD", firm_name="Demo Legal Aid (fictional)",
                    office_address="100 Example Street, Baltimore, MD 21201", phone="+1-410-555-0100")
                s.add(attorney)
                s.commit()
            token, _ = create_access_token(key=settings.jwt_secret_key, issuer=settings.jwt_issuer,
                                           user_id=attorney.id, org_id=org.id,
                                           token_version=attorney.token_version, minutes=10)
        h = {"Authorization": f"Bearer {token}"}
        now = datetime.now(UTC)
        import logging

        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("app.access").setLevel(logging.WARNING)
        with TestClient(app) as c:
            created = _seed(c, h, now)
        typer.echo(f"seeded {created} fictional clients into organization {org.slug!r}")


def _post(c: Any, url: str, h: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    r = c.post(f"/api/v1{url}", headers=h, json=body)
    if r.status_code >= 400:
        raise typer.BadParameter(f"{url}: {r.status_code} {r.json().get('code')}")
    return r.json()  # type: ignore[no-any-return]


def _seed(c: Any, h: dict[str, str], now: datetime) -> int:
    facs = c.get("/api/v1/facilities", headers=h, params={"state": "MD", "limit": 1}).json()["items"]
    fac = facs[0]["id"] if facs else _post(c, "/facilities", h, {
        "name": "Demo County Detention Center (fictional)", "type": "igsa_county_jail", "city": "Glen Burnie",
        "state": "MD", "federal_district": "mdd", "custodian_name": "Warden Pat Example",
        "custodian_title": "Warden"})["id"]
    created = 0
    for i, (given, first, second, country, a_number) in enumerate(DEMO_CLIENTS):
        r = c.post("/api/v1/clients", headers=h, json={
            "given_names": given, "first_surname": first, "second_surname": second, "a_number": a_number,
            "country_of_birth": country, "citizenships": [country], "interpreter_needed": i % 2 == 0})
        if r.status_code == 409:
            continue  # already seeded
        client = r.json()
        created += 1
        cid = client["id"]
        _post(c, f"/clients/{cid}/custody-events", h, {
            "status": "detained_ice", "effective_at": (now - timedelta(days=10 - i)).isoformat(),
            "facility_id": fac, "source_type": "ice_locator", "confidence": "confirmed", "family_visible": True})
        if i == 0:
            _post(c, f"/clients/{cid}/protection-orders", h, {
                "type": "withholding_241b3", "scope": "removal_to_listed_countries", "countries": [country],
                "issuing_body": "Immigration Court (fictional)", "issued_at": "2019-06-03T15:00:00Z"})
            _post(c, f"/clients/{cid}/custody-events", h, {
                "status": "in_transit", "effective_at": (now - timedelta(hours=6)).isoformat(), "country": country,
                "source_type": "family_report", "confidence": "reported"})
            _post(c, f"/clients/{cid}/court-orders", h, {
                "issuing_court": "U.S. District Court (fictional)", "issued_at": (now - timedelta(days=2)).isoformat(),
                "obligations": [{"obligated_party": "government", "description": "Daily declaration on location",
                                 "first_due_at": (now - timedelta(days=1)).replace(hour=22, minute=0, second=0,
                                                                                    microsecond=0).isoformat(),
                                 "timezone": "America/New_York", "recurrence": "FREQ=DAILY",
                                 "required_elements": ["location", "custodial status", "steps taken"]}]})
        decided = (now - timedelta(days=i + 1)).date().isoformat()
        _post(c, f"/clients/{cid}/trigger-events", h, {"kind": "bia_decision", "occurred_on": decided})
    return created
