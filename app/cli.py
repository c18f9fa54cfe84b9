"""``dueprocess`` command line (DESIGN §9). Operators script these commands; keep names stable."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from app.core.db import Database
    from app.core.security import PasswordService

from app.core.config import get_settings

cli = typer.Typer(help="Due Process: immigration due-process defense backend.", no_args_is_help=True)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"dueprocess {version('dueprocess')}")
        raise typer.Exit()


@cli.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Due Process: immigration due-process defense backend."""

audit_cli = typer.Typer(help="Audit trail commands.", no_args_is_help=True)
cli.add_typer(audit_cli, name="audit")
keys_cli = typer.Typer(help="Field-encryption key commands.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
DEV_CREDENTIALS = Path("var") / "dev-admin.txt"


def _db() -> Database:
    from app.core.db import make_database

    return make_database(get_settings())


def _passwords() -> PasswordService:
    from app.core.security import PasswordService

    s = get_settings()
    return PasswordService(s.password_hash_profile, s.password_hash_concurrency)


@cli.command()
def migrate(revision: str = typer.Argument("heads", help="Target revision (default: all heads).")) -> None:
    """Apply database migrations (= alembic upgrade head)."""
    from app.migrations import upgrade

    upgrade(get_settings().database_url, revision)
    typer.echo("database is at the migration head")


@cli.command()
def serve(host: str = typer.Option("127.0.0.1", envvar="HOST"), port: int = typer.Option(8000, envvar="PORT"),
          workers: int = typer.Option(1, min=1, help="Worker processes (uvicorn's process manager)."),
          log_level: str = typer.Option("info", help="uvicorn's own log level (the app's is LOG_LEVEL).")) -> None:
    """Serve the API with uvicorn (app/serve.py). A busy port or bad settings end with one line on stderr."""
    from pydantic import ValidationError

    from app import serve as server

    try:
        get_settings()  # bad settings: one line here, not a traceback from every worker
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        typer.echo(f"error: invalid settings: {message}", err=True)
        raise typer.Exit(2) from None
    try:
        status = server.serve(host=host, port=port, workers=workers, log_level=log_level)
    except server.PortInUse as exc:
        typer.echo(f"error: {exc}; stop the other server or choose another port (--port, or PORT=... make run)",
                   err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(status)


@cli.command("create-admin")
def create_admin(
    org: str = typer.Option(..., help="Organization name (created)."),
    email: str = typer.Option(..., help="Admin e-mail."),
    full_name: str = typer.Option("Administrator", help="Admin full name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Create an organization and its first admin."""
    from app.auth import service
    from app.core.errors import ProblemError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = _db()
    try:
        with db.session(write=True) as session:
            user = service.bootstrap_admin(session, _passwords(), org_name=org, email=email, password=password,
                                           full_name=full_name)
    except ProblemError as exc:
        typer.echo(f"error: {exc.code}: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    typer.echo(f"created admin {user.email} (organization {org})")


@cli.command("dev-bootstrap")
def dev_bootstrap() -> None:
    """Development only: if the database has no user, create a demo admin and print its password once."""
    from app.auth import service

    settings = get_settings()
    if settings.app_env != "development":
        typer.echo("dev-bootstrap runs only with APP_ENV=development", err=True)
        raise typer.Exit(2)
    db = _db()
    try:
        with db.session(write=True) as session:
            if service.count_users(session) > 0:
                typer.echo(f"users exist; development admin credentials were printed once (see {DEV_CREDENTIALS} "
                           "if you kept them)")
                return
            password = secrets.token_urlsafe(12)
            email = "admin@example.org"
            service.bootstrap_admin(session, _passwords(), org_name="Demo Legal Aid (fictional)", email=email,
                                    password=password, full_name="Demo Admin")
    finally:
        db.dispose()
    DEV_CREDENTIALS.parent.mkdir(parents=True, exist_ok=True)
    DEV_CREDENTIALS.write_text(f"email: {email}\npassword: {password}\n")
    DEV_CREDENTIALS.chmod(0o600)
    bar = "=" * 64
    typer.echo(f"{bar}\nDevelopment admin created (shown once; also saved to {DEV_CREDENTIALS}):\n"
               f"  email:    {email}\n  password: {password}\n{bar}")


@audit_cli.command("verify")
def audit_verify(org_slug: str = typer.Option(None, "--org", help="Organization slug or name (default: all).")) -> None:
    """Recompute every organization's audit hash chain; exit 1 on a broken chain."""
    from sqlmodel import select

    from app.auth.models import Organization
    from app.auth.sweep_cli import organization_for_option
    from app.core.audit import verify_chain

    db = _db()
    bad = False
    try:
        with db.session() as session:
            orgs = ([organization_for_option(session, org_slug)] if org_slug
                    else list(session.exec(select(Organization)).all()))
            for org in orgs:
                result = verify_chain(session, org.id)
                bad = bad or not result["ok"]
                typer.echo(json.dumps({"organization": org.slug, **result}))
    finally:
        db.dispose()
    if bad:
        raise typer.Exit(1)


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt A-numbers, privileged notes, filing snapshots and filing PDFs under
    DATA_ENCRYPTION_ACTIVE_KEY (old keys still decrypt). Prints totals and one line of counts per table."""
    from app.clients.keys import rotate_client_keys
    from app.filings.keys import rotate_filing_keys

    db = _db()
    try:
        with db.session(write=True) as session:
            clients = rotate_client_keys(session)
            active = clients.pop("active_key")
            tables: dict[str, dict[str, int]] = {"client": clients}
            tables.update(rotate_filing_keys(session))
    finally:
        db.dispose()
    totals = {k: sum(t[k] for t in tables.values()) for k in ("scanned", "rotated", "failed")}
    typer.echo(json.dumps({**totals, "active_key": active, "tables": tables}))


@keys_cli.command("generate")
def keys_generate(key_id: str = typer.Option("k1", help="Key id (letters/digits).")) -> None:
    """Print a new data-encryption key spec and a blind-index key (for .env)."""
    from app.core.crypto import new_index_key, new_key_spec

    typer.echo(f"DATA_ENCRYPTION_KEYS={new_key_spec(key_id)}\nDATA_ENCRYPTION_ACTIVE_KEY={key_id}\n"
               f"BLIND_INDEX_KEY={new_index_key()}")


def register(command_group: typer.Typer, name: str) -> None:
    cli.add_typer(command_group, name=name)


def _load_domain_commands() -> None:
    """Domains contribute sub-commands through ``app/<domain>/cli.py`` exposing ``commands(cli)``."""
    import importlib

    for domain in ("casework", "custody", "protection", "deadlines", "filings", "portal", "seed"):
        try:
            module = importlib.import_module(f"app.{domain}.cli")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"app.{domain}.cli", f"app.{domain}"):
                raise
            continue
        module.commands(cli)


_load_domain_commands()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
