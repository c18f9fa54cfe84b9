"""Application factory: routers, problem+json handlers, middleware, shared services on ``app.state``."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.api import API_PREFIX, DOMAIN_ROUTERS
from app.auth.shared_throttle import counter_engine, shared_throttles
from app.auth.throttle import LoginThrottle, password_change_throttle
from app.core import keyring
from app.core.admission import Admission
from app.core.async_reads import AsyncReader
from app.core.client_address import parse_networks
from app.core.config import Settings, get_settings
from app.core.db import Database, make_database
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.core.middleware import RequestContextMiddleware
from app.core.openapi import install_openapi
from app.core.ratelimit import make_rate_limiter
from app.core.security import PasswordService
from app.health import router as health_router
from app.migrations import script_heads
from app.monitoring import router as metrics_router


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    keyring.configure(settings.data_encryption_keys, settings.data_encryption_active_key, settings.blind_index_key)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.async_reader is not None:
            await app.state.async_reader.open()
        for hook in list(app.state.startup_hooks):
            await hook(app)
        if settings.gc_freeze:
            freeze_startup_heap()
        yield
        for hook in list(app.state.shutdown_hooks):
            await hook(app)
        if app.state.rate_limiter is not None:
            await app.state.rate_limiter.close()
        if getattr(app.state, "counter_engine", None) is not None:
            app.state.counter_engine.dispose()
        if app.state.async_reader is not None:
            await app.state.async_reader.close()
        if app.state.owns_db:
            app.state.db.dispose()

    app = FastAPI(
        title="Due Process API",
        version="0.1.0",
        description="Immigration due-process defense: clients, custody, protection orders, deadlines, filings.",
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.owns_db = db is None
    app.state.db = db or make_database(settings)
    # The per-request principal read on the event loop (app/core/async_reads.py); SQLite reads it inline instead.
    app.state.async_reader = (AsyncReader(app.state.db.engine.url, settings)
                              if app.state.db.dialect == "postgresql" else None)
    app.state.passwords = PasswordService(settings.password_hash_profile, settings.password_hash_concurrency)
    app.state.login_throttle = LoginThrottle(
        settings.login_max_failures_per_account, settings.login_max_failures_per_ip, settings.login_window_seconds,
        account_ceiling=settings.login_account_ceiling, backoff_base_seconds=settings.login_backoff_base_seconds,
        backoff_max_seconds=settings.login_backoff_max_seconds,
        memory_seconds=settings.login_failure_memory_seconds,
    )
    app.state.password_throttle = password_change_throttle(settings)
    if app.state.db.dialect == "postgresql":
        # Several instances share one database: their throttles must share counters too (app/auth/shared_throttle.py).
        # On SQLite (one process) the in-memory ones above stay.
        app.state.counter_engine = counter_engine(app.state.db.write_engine, settings)
        (app.state.login_throttle, app.state.password_throttle,
         app.state.reset_throttle) = shared_throttles(app.state.counter_engine, settings)
    app.state.rate_limiter = make_rate_limiter(settings)
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)
    app.state.admission = Admission(settings.max_active_requests, settings.admission_timeout_seconds)
    app.state.migration_heads = script_heads()
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []

    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    for router in DOMAIN_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    _include_optional_routers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "X-Request-ID"],
            expose_headers=["ETag", "X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes,
                       max_import_bytes=settings.max_import_bytes, rate_limiter=app.state.rate_limiter,
                       trusted_proxies=app.state.trusted_proxies,
                       max_document_bytes=settings.document_max_bytes)
    _run_domain_setup(app)
    install_openapi(app)
    return app


# After the freeze, how many collections of the middle generation come before the oldest one is looked at
# (CPython's default is 10). The collector runs a full collection when the objects promoted since the last
# one exceed a quarter of the survivors of the last one, and with the start-up heap frozen those survivors are
# only ~40,000 objects: under load, the objects of requests in flight that happened to be alive at a young
# collection passed that bar every 1-2 s, and each full collection stopped the worker for 25-60 ms while
# finding almost no garbage (bench/load.py, timed with a gc callback: 17-19 per worker in 35 s). At 100: 6.
OLDEST_GENERATION_AFTER = 100


def freeze_startup_heap() -> None:
    """Exclude everything allocated at start-up (modules, routes, schemas, SQL metadata: millions of objects)
    from the cyclic garbage collector. A full collection walked all of them and stopped the worker for
    100-220 ms every few seconds under load (measured with bench/load.py), which every request in flight
    waited out. The objects stay alive either way; only the pointless rescans stop (``gc.freeze``). Then
    collect the oldest generation less often (``OLDEST_GENERATION_AFTER``)."""
    gc.collect()
    gc.freeze()
    young, middle, oldest = gc.get_threshold()
    gc.set_threshold(young, middle, max(oldest, OLDEST_GENERATION_AFTER))


def _include_optional_routers(app: FastAPI) -> None:
    """Routers mounted at the root (outside /api/v1), e.g. the calendar feed."""
    from app.deadlines import router as deadlines_router_module

    root = getattr(deadlines_router_module, "root_router", None)
    if root is not None:
        app.include_router(root)
    from app.family import pages as family_pages  # the family page (server-rendered, at /family)

    family_pages.setup(app)


def _run_domain_setup(app: FastAPI) -> None:
    """Let domains attach services to app.state (e.g. the PDF renderer pool)."""
    from app.filings import router as filings_router_module

    setup = getattr(filings_router_module, "setup", None)
    if setup is not None:
        setup(app)
    # After the filings setup: the job engine hands the render pool that setup starts to the batch task.
    from app.jobs import runtime as jobs_runtime

    jobs_runtime.setup(app)


def build() -> FastAPI:
    return create_app()
