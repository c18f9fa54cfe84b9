"""Registry of every table (Alembic autogenerate and tests import this)."""

import app.core.base  # noqa: F401  (naming convention first)
from app.auth import credential_models as auth_credential_models  # noqa: F401
from app.auth import models as auth_models  # noqa: F401
from app.auth import shared_throttle  # noqa: F401  (login_counter)
from app.clients import models as clients_models  # noqa: F401
from app.core import audit  # noqa: F401
from app.core.base import metadata  # noqa: F401
from app.custody import models as custody_models  # noqa: F401
from app.deadlines import models as deadlines_models  # noqa: F401
from app.documents import models as documents_models  # noqa: F401
from app.family import models as family_models  # noqa: F401
from app.filings import models as filings_models  # noqa: F401
from app.notifications import models as notifications_models  # noqa: F401
from app.packets import models as packets_models  # noqa: F401
from app.portal import models as portal_models  # noqa: F401
from app.protection import models as protection_models  # noqa: F401
