"""``/api/v1``: every domain router.

``create_app`` mounts each domain router at ``API_PREFIX`` directly rather than through one wrapping
``APIRouter(prefix="/api/v1")``: FastAPI 0.165 re-matches the path at every level of nested routers, and the
extra level cost ~25 µs on every API request (bench/auth.py). The URLs are the same either way.
"""

from fastapi import APIRouter

from app.audit.router import router as audit_router
from app.auth.credentials_router import router as credentials_router
from app.auth.router import router as auth_router
from app.auth.router import users_router
from app.casework.router import router as casework_router
from app.clients.router import router as clients_router
from app.custody.router import router as custody_router
from app.deadlines.router import router as deadlines_router
from app.documents.router import router as documents_router
from app.filings.court_profiles import router as court_profiles_router
from app.filings.router import router as filings_router
from app.jobs.router import router as jobs_router
from app.notifications.router import router as notifications_router
from app.packets.router import router as packets_router
from app.portal.router import router as portal_router
from app.protection.router import router as protection_router

API_PREFIX = "/api/v1"
# In matching order: FastAPI tries the routes one by one, so the routes every client calls most come first
# (/auth/me, then the client list, status and custody events); routers whose paths overlap (/clients/...) keep
# their relative order.
DOMAIN_ROUTERS: tuple[APIRouter, ...] = (
    auth_router, casework_router, credentials_router, users_router, audit_router, clients_router, custody_router,
    protection_router, deadlines_router, filings_router, packets_router, portal_router, jobs_router,
    notifications_router, documents_router, court_profiles_router,
)
