"""Every model, imported in one place so that Alembic and create_all see all tables."""

from sem.catalogue.models import Term, TermKind  # noqa: F401
from sem.core.throttle import ThrottleEvent  # noqa: F401
from sem.members.models import (  # noqa: F401
    AuditEvent,
    CharterAcceptance,
    CharterVersion,
    Invitation,
    Organisation,
    OrganisationLanguage,
    Person,
)
