"""Settings from the environment (and `.env`), validated once at start-up.

Production refuses weak or placeholder JWT keys (RFC 7518 §3.2: an HS256 key must be at least 256 bits);
in development a random key is generated once and kept under ./var/ so tokens survive restarts.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.client_address import parse_networks

PLACEHOLDER_KEYS = {
    "",
    "change-me",
    "changeme",
    "secret",
    "CHANGE_ME_TO_A_LONG_RANDOM_STRING",
    "please-change-this-key-to-something-random",
}
DEV_KEY_FILE = Path("var") / "jwt_secret.key"


class AppEnv(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: AppEnv = AppEnv.development
    database_url: str = "sqlite:///./var/dueprocess.sqlite3"
    migration_database_url: str = Field(
        default="", repr=False,
        description="the tables' owner, for `dueprocess migrate` and `keys rotate` (default: DATABASE_URL); "
                    "in production DATABASE_URL is a role that does not own the tables (docs/SECURITY.md)")
    jwt_secret_key: str = ""
    jwt_issuer: str = "dueprocess"
    access_token_minutes: int = Field(default=15, ge=1, le=30)
    refresh_token_idle_minutes: int = Field(default=120, ge=5, le=24 * 60)
    refresh_token_absolute_hours: int = Field(default=12, ge=1, le=24 * 7)
    cors_origins: list[str] = Field(default_factory=list)
    enable_docs: bool | None = None
    rate_limit_enabled: bool = True
    rate_limit_per_minute_user: int = Field(default=600, ge=1)
    rate_limit_per_minute_ip: int = Field(default=1200, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=30, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # Login throttling (docs/SECURITY.md "Login throttling"): LOGIN_MAX_FAILURES_PER_ACCOUNT is the number of free
    # failures of one (account, address) pair before its exponential backoff starts.
    login_account_ceiling: int = Field(default=100, ge=1)  # failures from unfamiliar addresses per memory period
    login_backoff_base_seconds: float = Field(default=1.0, gt=0)
    login_backoff_max_seconds: float = Field(default=900.0, gt=0)
    login_failure_memory_seconds: int = Field(default=86_400, ge=1)
    password_change_max_failures: int = Field(default=5, ge=1)  # wrong current passwords before backoff
    # Multi-factor sign-in and personal access tokens (docs/auth.md).
    mfa_token_minutes: int = Field(default=5, ge=1, le=15)  # life of the mfa_token between password and code
    mfa_max_failures: int = Field(default=5, ge=1)  # wrong codes per account before the sign-in backoff
    personal_access_token_max_days: int = Field(default=365, ge=1, le=366)
    password_hash_profile: str = Field(default="strong", pattern="^(strong|fast)$")
    password_hash_concurrency: int = Field(default=4, ge=1, le=64)
    db_pool_size: int = Field(default=10, ge=1)
    max_active_requests: int = Field(
        default=2, ge=1, le=256,
        description="authenticated requests a worker process serves at once; the rest wait in arrival order "
                    "(app/core/admission.py)")
    gc_freeze: bool = Field(default=True, description="leave the start-up heap out of garbage collection "
                                                      "(app.main.freeze_startup_heap)")
    admission_timeout_seconds: float = Field(default=30.0, gt=0,
                                             description="longest wait in that line before 503 server_busy")
    db_statement_timeout_ms: int = Field(default=15000, ge=100)
    sqlite_busy_timeout_ms: int = Field(default=15000, ge=100)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_import_bytes: int = Field(default=10 * 1_048_576, ge=1024)
    log_level: str = "INFO"
    trusted_proxies: list[str] = Field(
        default_factory=list, description="CIDRs of the reverse proxies whose X-Forwarded-For is believed "
                                          "(app/core/client_address.py); JSON list, e.g. [\"10.0.0.0/8\"]")
    http_max_header_bytes: int = Field(
        default=16_384, ge=4096, le=1_048_576,
        description="largest request head (request line + headers) the server reads; larger: 400 and the "
                    "connection closed (app/serve.py)")
    http_parser: Literal["h11", "httptools"] = Field(
        default="httptools", description="both enforce HTTP_MAX_HEADER_BYTES (httptools with app/http_head_cap.py); "
                                         "httptools is faster, h11 the pure-Python alternative (app/serve.py)")
    http_keep_alive_seconds: int = Field(default=5, ge=1, le=300,
                                         description="an idle keep-alive connection is closed after this")
    redis_url: str = Field(default="", repr=False, description="Redis for the general rate limits shared by every "
                                                               "instance (app/core/ratelimit.py); empty: per process")
    metrics_token: str = Field(default="", repr=False, description="bearer token for GET /metrics (empty: admins "
                                                                   "only; app/core/metrics.py)")
    whereabouts_unknown_hours: int = Field(default=12, ge=1)
    render_workers: int = Field(default=0, ge=0, description="0 = one per CPU")
    render_timeout_seconds: float = Field(default=60.0, gt=0)
    render_max_pages: int = Field(default=200, ge=1)
    render_queue_limit: int = Field(default=16, ge=1)
    render_nice: int = Field(default=10, ge=0, le=19,
                             description="CPU niceness of PDF render workers (0 = same priority as the API)")
    pdf_max_bytes: int = Field(default=30 * 1_048_576, ge=1024)
    # The job engine (app/jobs/, docs/jobs.md).
    jobs_in_process: bool = Field(
        default=True, description="run jobs in this server process (SQLite: the in-process runner; PostgreSQL: an "
        "embedded worker). false: API only, jobs run in `dueprocess worker` processes")
    jobs_concurrency: int = Field(default=2, ge=1, le=64, description="jobs run at once by one worker or server")
    jobs_retry_base_seconds: int = Field(
        default=5, ge=1, le=600, description="backoff before retry n is base**n seconds (3 runs in all)")
    jobs_poll_seconds: float = Field(
        default=5.0, gt=0, le=60, description="a worker's longest wait between polls (LISTEN/NOTIFY wakes it sooner)")
    jobs_stalled_seconds: int = Field(
        default=900, ge=1, description="a job running longer than this is presumed to have lost its worker and is "
        "run again (keep it well above RENDER_TIMEOUT_SECONDS; a second run of a live job is harmless but wasted)")
    jobs_stalled_cron: str = Field(default="* * * * *", description="when stalled jobs are looked for (cron)")
    sweeps_cron: str = Field(default="*/5 * * * *", description="when `alerts sweep` and `deadlines sweep` run (cron; "
                             "a sixth field is seconds)")
    # Largest client document accepted by POST /clients/{id}/documents (app/documents/, docs/documents.md).
    document_max_bytes: int = Field(default=20 * 1_048_576, ge=1024)
    filing_batch_worker: bool = Field(
        default=True, description="run the filing-batch worker in this server process (false: API only)")
    public_base_url: str = "http://127.0.0.1:8000"
    # Outgoing mail (password-reset links). Without SMTP_HOST no mail is sent: admins hand out reset links.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = ""
    # Notifications (app/notifications, docs/notifications.md). Webhook targets on private, loopback or
    # link-local addresses are refused unless this is true (tests, single-machine installs).
    webhook_allow_private_networks: bool = False
    # Seconds between delivery attempts (Standard Webhooks' schedule: ~27 h in all, at least the 24 h the
    # design asks); the last gap repeats nothing: after it the delivery is failed and the endpoint marked failing.
    notification_retry_schedule: str = Field(default="5,300,1800,7200,18000,36000,36000",
                                             pattern=r"^\s*\d+(\s*,\s*\d+)*\s*$")
    webhook_failing_after: int = Field(default=5, ge=1, description="consecutive failed attempts before an "
                                                                      "endpoint is marked failing")
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    notification_lease_seconds: int = Field(default=120, ge=5, description="a claimed delivery whose worker "
                                                                          "died is retried after this")
    password_reset_minutes: int = Field(default=60, ge=5, le=24 * 60,
                                        description="lifetime of an e-mailed password-reset link")
    password_reset_link_hours: int = Field(default=24, ge=1, le=24 * 7,
                                           description="lifetime of an admin-issued password-reset link")
    # The family page's cookie sessions (app/family/sessions.py): idle and absolute lifetimes.
    family_session_idle_minutes: int = Field(default=30, ge=5, le=24 * 60)
    family_session_absolute_hours: int = Field(default=12, ge=1, le=24 * 7)
    data_encryption_keys: str = Field(default="", repr=False)
    data_encryption_active_key: str = ""
    blind_index_key: str = Field(default="", repr=False)
    # Signed audit checkpoints (app/core/audit_checkpoints.py). The private key is a file, never the database.
    audit_signing_key_file: str = Field(default="", description="Ed25519 private key (PEM) for "
                                                                "`dueprocess audit checkpoint`")
    audit_public_key_file: str = Field(default="", description="its public key, for `audit verify`")
    audit_checkpoint_dir: str = Field(default="", description="default --out/--checkpoints directory")

    @property
    def docs_enabled(self) -> bool:
        if self.enable_docs is not None:
            return self.enable_docs
        return self.app_env != AppEnv.production

    @property
    def migration_url(self) -> str:
        """The owner's URL: migrations and key rotation (MIGRATION_DATABASE_URL, else DATABASE_URL)."""
        return self.migration_database_url or self.database_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def _check_data_keys(self) -> None:
        """Field-encryption keys: required in production; generated (kept under ./var/) in development,
        ephemeral in tests."""
        from app.core import crypto

        if not self.data_encryption_keys:
            if self.app_env == AppEnv.production:
                raise ValueError("DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_ACTIVE_KEY and BLIND_INDEX_KEY are "
                                 "required in production (see .env.example)")
            if self.app_env == AppEnv.development:
                spec, active, index = crypto.dev_keys()
            else:
                spec, active, index = crypto.process_test_keys()
            self.data_encryption_keys, self.data_encryption_active_key, self.blind_index_key = spec, active, index
        keys = crypto.parse_keys(self.data_encryption_keys)
        index_key = crypto.b64d(self.blind_index_key)
        crypto.KeyRing(keys, self.data_encryption_active_key, index_key)  # validates, or raises ValueError
        for name, raw in [*((f"DATA_ENCRYPTION_KEYS[{kid}]", k) for kid, k in keys.items()),
                          ("BLIND_INDEX_KEY", index_key)]:
            if _looks_unrandom(raw):
                raise ValueError(f"{name} is not a random key (all zeros or a repeated pattern); generate one "
                                 "with: dueprocess keys generate")

    @model_validator(mode="after")
    def _check_key(self) -> Settings:
        self._check_data_keys()
        parse_networks(self.trusted_proxies)  # a typo must stop the start, not silently trust nobody
        if self.metrics_token and len(self.metrics_token.strip()) < 32:
            raise ValueError("METRICS_TOKEN must be at least 32 characters (or empty: admins only)")
        key = self.jwt_secret_key
        if self.app_env == AppEnv.development and (not key or key in PLACEHOLDER_KEYS):
            self.jwt_secret_key = _dev_key()
            return self
        if key.strip() in PLACEHOLDER_KEYS or len(key.encode()) < 32 or _looks_unrandom(key.encode()):
            raise ValueError(
                "JWT_SECRET_KEY must be at least 32 random bytes and not a placeholder "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.app_env == AppEnv.production and "*" in self.cors_origins:
            raise ValueError("CORS_ORIGINS may not contain '*' in production")
        if self.app_env == AppEnv.production and any(o.strip().lower() == "null" for o in self.cors_origins):
            # The "null" origin is what sandboxed iframes and file:// pages send: allowing it allows anyone.
            raise ValueError("CORS_ORIGINS may not contain 'null' in production")
        return self


def _looks_unrandom(secret: bytes) -> bool:
    """A secret of 32 or more bytes with fewer than 8 distinct byte values (40 spaces, all zeros, "abab...")
    is not random: a random 32-byte key has about 30 distinct values, and fewer than 8 happens with
    probability far below 10**-20."""
    return len(set(secret)) < 8


def _dev_key() -> str:
    """A development key generated once and kept under ./var/ (never committed)."""
    try:
        if DEV_KEY_FILE.exists():
            return DEV_KEY_FILE.read_text().strip()
        DEV_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        DEV_KEY_FILE.write_text(key)
        DEV_KEY_FILE.chmod(0o600)
        return key
    except OSError:
        return secrets.token_urlsafe(48)


@lru_cache
def get_settings() -> Settings:
    return Settings()
