"""``/api/v1``: every domain router."""

from fastapi import APIRouter

from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.auth.router import users_router
from app.clients.router import router as clients_router
from app.custody.router import router as custody_router
from app.deadlines.router import router as deadlines_router
from app.filings.router import router as filings_router
from app.portal.router import router as portal_router
from app.protection.router import router as protection_router

api_router = APIRouter(prefix="/api/v1")
for r in (auth_router, users_router, audit_router, clients_router, custody_router, protection_router,
          deadlines_router, filings_router, portal_router):
    api_router.include_router(r)
