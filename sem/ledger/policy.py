"""Who may see and do what in the ledger. The ledger is open: every transaction is public;
only what changes it is restricted."""

from sem.ledger.models import LedgerTransaction, TransactionKind
from sem.members import policy as members_policy
from sem.members.models import Organisation, OrgStatus

require = members_policy.require


def can_view_history(person, org: Organisation) -> bool:
    """An organisation's balance and history: public for members and for suspended ones (their
    history stays in the open ledger); applicants only to themselves and coordinators."""
    return org.status in (OrgStatus.APPROVED, OrgStatus.SUSPENDED) or members_policy.can_view_private(person, org)


def can_donate(person, org: Organisation) -> bool:
    """Anyone who acts for an organisation that may act gives its credit to the fund."""
    return members_policy.can_act(person) and person.organisation_id == org.id


def can_coordinate(person) -> bool:
    """Grant, set floors, correct transactions, see everyone's flags."""
    return members_policy.is_coordinator(person)


def can_reverse(person, tx: LedgerTransaction, reversed_by: int | None = None) -> bool:
    """Offer the correction link: a coordinator, on a transaction not yet reversed, which is
    not itself a correction (the service refuses those too)."""
    return can_coordinate(person) and tx.kind is not TransactionKind.CORRECTION and reversed_by is None
