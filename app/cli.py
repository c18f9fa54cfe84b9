"""``dueprocess`` command line (docs/design.md#operations). Operators script these commands; keep names stable."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlmodel import Session

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
    # Every table is registered before any command runs, so foreign keys resolve in the commands that domains
    # contribute (app/<domain>/cli.py), as they do in the server.
    import app.models  # noqa: F401

audit_cli = typer.Typer(help="Audit trail commands.", no_args_is_help=True)
cli.add_typer(audit_cli, name="audit")
keys_cli = typer.Typer(help="Field-encryption key commands.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
db_cli = typer.Typer(help="Database role commands (PostgreSQL).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
DEV_CREDENTIALS = Path("var") / "dev-admin.txt"


def _db(*, owner: bool = False) -> Database:
    """The app's database; ``owner=True``: as the tables' owner (MIGRATION_DATABASE_URL, else DATABASE_URL)."""
    from app.core.db import make_database

    settings = get_settings()
    return make_database(settings, url=settings.migration_url if owner else None)


def _passwords() -> PasswordService:
    from app.core.security import PasswordService

    s = get_settings()
    return PasswordService(s.password_hash_profile, s.password_hash_concurrency)


@cli.command()
def migrate(revision: str = typer.Argument("heads", help="Target revision (default: all heads).")) -> None:
    """Apply database migrations (= alembic upgrade head) as MIGRATION_DATABASE_URL (default DATABASE_URL)."""
    from app.migrations import upgrade

    upgrade(get_settings().migration_url, revision)
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


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _path_option(value: Path | None, setting: str, what: str) -> Path:
    if value is not None:
        return value
    if setting:
        return Path(setting)
    raise _fail(f"no {what} given")


@audit_cli.command("verify")
def audit_verify(
    org_slug: str = typer.Option(None, "--org", help="Organization slug or name (default: all)."),
    checkpoints: Path = typer.Option(None, "--checkpoints", help="Directory of signed checkpoints to check the "
                                     "chains against (AUDIT_CHECKPOINT_DIR)."),
    public_key: Path = typer.Option(None, "--public-key", help="Ed25519 public key (PEM) that signed them "
                                    "(AUDIT_PUBLIC_KEY_FILE)."),
) -> None:
    """Recompute every organization's audit hash chain and, with --checkpoints (or when AUDIT_CHECKPOINT_DIR and
    AUDIT_PUBLIC_KEY_FILE are both set), require every signed checkpoint to be valid and still on its chain;
    exit 1 naming the first problem."""
    from sqlmodel import select

    from app.auth.models import Organization
    from app.auth.sweep_cli import organization_for_option
    from app.core import audit_checkpoints as cps

    settings = get_settings()
    signed: dict[object, list[cps.Checkpoint]] = {}
    problems: list[str] = []
    use_checkpoints = (checkpoints is not None or public_key is not None
                       or bool(settings.audit_checkpoint_dir and settings.audit_public_key_file))
    if use_checkpoints:
        directory = _path_option(checkpoints, settings.audit_checkpoint_dir, "--checkpoints directory")
        key_file = _path_option(public_key, settings.audit_public_key_file, "--public-key (or AUDIT_PUBLIC_KEY_FILE)")
        try:
            public = cps.load_public_key(key_file)
            files = cps.checkpoint_files(directory)
        except cps.CheckpointError as exc:
            raise _fail(str(exc)) from None
        typer.echo(f"checking {len(files)} checkpoint file(s) signed by key id {cps.key_id(public)}", err=True)
        for path in files:
            try:
                cp = cps.read_checkpoint(path, public)
            except cps.CheckpointError as exc:
                problems.append(str(exc))
                continue
            signed.setdefault(cp.organization_id, []).append(cp)
    db = _db()
    try:
        with cps.snapshot_session(db) as session:
            orgs = ([organization_for_option(session, org_slug)] if org_slug
                    else list(session.exec(select(Organization).order_by(Organization.slug)).all()))
            for org in orgs:
                report = cps.check_against_checkpoints(session, org.id, org.slug, signed.pop(org.id, []))
                line: dict[str, object] = {"organization": org.slug, **report.chain}
                if use_checkpoints:
                    line.update(ok=report.ok, checkpoints=report.checkpoints,
                                newest_checkpoint_seq=report.newest_checkpoint_seq)
                elif not report.chain["ok"]:
                    problems.extend(report.problems)
                typer.echo(json.dumps(line))
                if use_checkpoints:
                    problems.extend(report.problems)
            if not org_slug:  # checkpoints of an organization the database no longer has
                for org_id, cps_of in signed.items():
                    problems.append(f"checkpoint {cps_of[0].path} is for organization {org_id}, which is not in "
                                    "the database (deleted?)")
    finally:
        db.dispose()
    if problems:
        typer.echo(f"audit verify FAILED ({len(problems)} problem(s)); first: {problems[0]}", err=True)
        for p in problems[1:]:
            typer.echo(f"  also: {p}", err=True)
        raise typer.Exit(1)


@audit_cli.command("keygen")
def audit_keygen(out: Path = typer.Option(..., "--out", help="Private key file to create (mode 0600); the "
                                          "public key goes to FILE.pub.")) -> None:
    """Make an Ed25519 key pair for signing audit checkpoints. Keep the private key out of the database and its
    backups (AUDIT_SIGNING_KEY_FILE); give the public key to whoever verifies."""
    from app.core import audit_checkpoints as cps

    try:
        pub_path, public = cps.generate_key_pair(out)
    except cps.CheckpointError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"private key: {out} (mode 600)\npublic key:  {pub_path}\nkey id:      {cps.key_id(public)}\n")
    typer.echo(cps.public_pem(public).decode("ascii").rstrip())


@audit_cli.command("checkpoint")
def audit_checkpoint(
    out: Path = typer.Option(None, "--out", help="Directory for the checkpoint files (AUDIT_CHECKPOINT_DIR)."),
    key: Path = typer.Option(None, "--key", help="Ed25519 private key (AUDIT_SIGNING_KEY_FILE)."),
    org_slug: str = typer.Option(None, "--org", help="Organization slug or name (default: all)."),
) -> None:
    """Sign every organization's audit chain head (seq, last hash, time) and write it to OUT/ORG_ID/. A chain
    that does not verify, or no longer holds a checkpoint already in OUT, is not signed (exit 1). Run it
    periodically (README: Operations)."""
    from sqlmodel import select

    from app.auth.models import Organization
    from app.auth.sweep_cli import organization_for_option
    from app.core import audit_checkpoints as cps

    settings = get_settings()
    out_dir = _path_option(out, settings.audit_checkpoint_dir, "--out directory (or AUDIT_CHECKPOINT_DIR)")
    key_file = _path_option(key, settings.audit_signing_key_file, "--key (or AUDIT_SIGNING_KEY_FILE)")
    try:
        private = cps.load_private_key(key_file)
    except cps.CheckpointError as exc:
        raise _fail(str(exc)) from None
    warning = cps.private_key_mode_warning(key_file)
    if warning:
        typer.echo(warning, err=True)
    public = private.public_key()
    bad = False
    db = _db()
    try:
        with cps.snapshot_session(db) as session:
            orgs = ([organization_for_option(session, org_slug)] if org_slug
                    else list(session.exec(select(Organization).order_by(Organization.slug)).all()))
            for org in orgs:
                problems: list[str] = []
                earlier: list[cps.Checkpoint] = []
                org_dir = out_dir / str(org.id)
                for path in sorted(org_dir.glob("*.json")) if org_dir.is_dir() else []:
                    try:
                        cp = cps.read_checkpoint(path, public)
                    except cps.CheckpointError as exc:
                        problems.append(str(exc))
                        continue
                    if cp.organization_id != org.id:
                        problems.append(f"checkpoint {path} is for organization {cp.organization_id}")
                    else:
                        earlier.append(cp)
                report = cps.check_against_checkpoints(session, org.id, org.slug, earlier)
                problems.extend(report.problems)
                if problems:
                    bad = True
                    typer.echo(f"error: {problems[0]}; organization {org.slug} not signed", err=True)
                    continue
                seq, last_hash = cps.head_of(session, org.id)
                path = cps.write_checkpoint(out_dir, cps.sign_checkpoint(private, org.id, seq, last_hash))
                typer.echo(json.dumps({"organization": org.slug, "seq": seq, "last_hash": last_hash,
                                       "file": str(path)}))
    finally:
        db.dispose()
    if bad:
        raise typer.Exit(1)


def rotate_every_table(session: Session) -> tuple[str, dict[str, dict[str, int]]]:
    """Re-encrypt every encrypted column of the database under the active key (old keys still decrypt):
    (the active key's id, counts per table). One commit per batch of rows."""
    from app.auth.mfa import rotate_mfa_keys
    from app.clients.keys import rotate_client_keys
    from app.core.rotation import rotate_fields
    from app.custody.models import ENCRYPTED_EVENT_FIELDS, CustodyEvent
    from app.documents.keys import rotate_document_keys
    from app.filings.keys import rotate_filing_keys
    from app.packets.keys import rotate_packet_keys
    from app.protection.models import CourtOrder, ProtectionOrder

    clients = rotate_client_keys(session)
    active = str(clients.pop("active_key"))
    tables: dict[str, dict[str, int]] = {"client": clients}
    tables["custody_event"] = rotate_fields(session, CustodyEvent, ENCRYPTED_EVENT_FIELDS)
    tables["protection_order"] = rotate_fields(session, ProtectionOrder, ("notes",))
    tables["court_order"] = rotate_fields(session, CourtOrder, ("summary",))
    tables.update(rotate_filing_keys(session))
    tables.update(rotate_packet_keys(session))
    tables.update(rotate_mfa_keys(session))
    tables.update(rotate_document_keys(session))
    return active, tables


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt A-numbers, privileged notes, custody-event notes and location text, protection-order notes,
    court-order summaries, filing snapshots, filing PDFs, filing-batch options, packet DOCX, TOTP secrets and
    client documents under DATA_ENCRYPTION_ACTIVE_KEY (old keys still decrypt). Prints totals and one line of
    counts per table."""
    db = _db(owner=True)
    try:
        with db.session(write=True) as session:
            active, tables = rotate_every_table(session)
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


@db_cli.command("grant-app-role")
def db_grant_app_role(
    role: str = typer.Argument(..., help="The PostgreSQL role in DATABASE_URL (must exist, must not own tables)."),
    schema: str = typer.Option("public", help="Schema of the tables."),
    print_only: bool = typer.Option(False, "--print", help="Print the SQL instead of running it."),
) -> None:
    """Grant the app's role SELECT/INSERT/UPDATE/DELETE on the tables (audit_event: SELECT/INSERT only) and
    nothing else, as MIGRATION_DATABASE_URL (the owner). Run after every migrate; idempotent."""
    import sqlalchemy as sa

    from app.core.audit_checkpoints import app_role_grant_sql, app_role_problems

    try:
        statements = app_role_grant_sql(role, schema)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if print_only:
        typer.echo(";\n".join(statements) + ";")
        return
    settings = get_settings()
    if settings.migration_url.startswith("sqlite"):
        raise _fail("database roles exist on PostgreSQL only; SQLite has no roles (see docs/SECURITY.md)")
    engine = sa.create_engine(settings.migration_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            problems = app_role_problems(conn, role, schema)
            if problems:
                raise _fail("; ".join(problems))
            for stmt in statements:
                conn.execute(sa.text(stmt))
    finally:
        engine.dispose()
    typer.echo(f"granted {role}: SELECT, INSERT, UPDATE, DELETE on the tables of {schema} (audit_event: SELECT, "
               "INSERT; alembic_version: SELECT)")


def register(command_group: typer.Typer, name: str) -> None:
    cli.add_typer(command_group, name=name)


def _load_domain_commands() -> None:
    """Domains contribute sub-commands through ``app/<domain>/cli.py`` exposing ``commands(cli)``."""
    import importlib

    for domain in ("casework", "custody", "protection", "deadlines", "filings", "portal", "notifications", "seed",
                   "jobs"):
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
