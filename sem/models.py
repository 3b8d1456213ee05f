"""Every model, imported in one place so that Alembic and create_all see all tables."""

from sem.catalogue.models import Competence, Domain, Term, TermKind  # noqa: F401
from sem.core.throttle import ThrottleEvent  # noqa: F401
from sem.exchanges.models import Dispute, Exchange, Feedback, HourDeclaration, Proposal  # noqa: F401
from sem.ledger.models import Account, Entry, FloorRule, LedgerTransaction  # noqa: F401
from sem.mail.models import MailPreference, OutboxMessage  # noqa: F401
from sem.market.models import Need, Offer  # noqa: F401
from sem.market.search import SearchDocument  # noqa: F401
from sem.matching.models import MatchedProposal, MatchingSettings, MatchRun  # noqa: F401
from sem.members.models import (  # noqa: F401
    AuditEvent,
    CharterAcceptance,
    CharterVersion,
    Invitation,
    Organisation,
    OrganisationLanguage,
    Person,
)
from sem.reports.models import MonthlyHours  # noqa: F401
from sem.scheduler.models import JobRun, SchedulerLease  # noqa: F401
