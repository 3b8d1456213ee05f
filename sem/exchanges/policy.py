"""Who may see and do what in proposals and exchanges. Every view asks here.

A person acts for their organisation: "our side" of a proposal or exchange is the provider
(the offer's organisation) or the recipient (the need's organisation). Coordinators see every
proposal and exchange and resolve disputes; they do not act for the parties.
"""

from sem.exchanges.models import Dispute, Exchange, HourDeclaration, Proposal, ProposalOrigin, ProposalStatus
from sem.market.models import Post
from sem.members import policy as members_policy
from sem.members.policy import is_coordinator, require  # noqa: F401  (the views' one import)

PROVIDER, RECIPIENT = "provider", "recipient"


def parties(item: Proposal | Exchange) -> tuple[int, int]:
    """(provider organisation id, recipient organisation id)."""
    if isinstance(item, Exchange):
        return item.provider_id, item.recipient_id
    return item.offer.organisation_id, item.need.organisation_id


def side_of(person, item: Proposal | Exchange) -> str | None:
    """PROVIDER, RECIPIENT or None: which side `person`'s organisation is on."""
    if not (person and getattr(person, "is_authenticated", False) and person.active and person.organisation_id):
        return None
    provider_id, recipient_id = parties(item)
    if person.organisation_id == provider_id:
        return PROVIDER
    if person.organisation_id == recipient_id:
        return RECIPIENT
    return None


def _acts_for_side(person, item, *sides: str) -> bool:
    return members_policy.can_act(person) and side_of(person, item) in sides


# --- proposals -----------------------------------------------------------------------------------


def can_propose(person, post: Post) -> bool:
    """"I can help" on a need, "ask for help" on an offer: an organisation that may act, on
    another member's open post."""
    return (members_policy.can_act(person) and post.is_open and post.organisation.is_approved
            and person.organisation_id != post.organisation_id)


def proposer_side(proposal: Proposal) -> str | None:
    return {ProposalOrigin.PROVIDER: PROVIDER, ProposalOrigin.RECIPIENT: RECIPIENT}.get(proposal.origin)


def has_accepted(proposal: Proposal, side: str) -> bool:
    return (proposal.provider_accepted_at if side == PROVIDER else proposal.recipient_accepted_at) is not None


def awaited_sides(proposal: Proposal) -> list[str]:
    """The sides whose answer the proposal waits for."""
    if proposal.status is not ProposalStatus.PENDING:
        return []
    return [side for side in (PROVIDER, RECIPIENT) if not has_accepted(proposal, side)]


def can_view_proposal(person, proposal: Proposal) -> bool:
    return side_of(person, proposal) is not None or is_coordinator(person)


def can_answer(person, proposal: Proposal) -> bool:
    """Accept or decline: a person of a side that has not accepted yet."""
    side = side_of(person, proposal)
    return members_policy.can_act(person) and side is not None and not has_accepted(proposal, side)


def can_withdraw(person, proposal: Proposal) -> bool:
    side = proposer_side(proposal)
    return side is not None and _acts_for_side(person, proposal, side)


# --- exchanges -----------------------------------------------------------------------------------


def can_view_exchange(person, exchange: Exchange) -> bool:
    return side_of(person, exchange) is not None or is_coordinator(person)


def can_declare(person, exchange: Exchange) -> bool:
    """Hours are declared by the provider."""
    return _acts_for_side(person, exchange, PROVIDER)


def can_decide(person, declaration: HourDeclaration) -> bool:
    """Confirm or contest declared hours: the recipient."""
    return _acts_for_side(person, declaration.exchange, RECIPIENT)


def can_state(person, dispute: Dispute) -> bool:
    """The provider answers a contest with its own statement."""
    return _acts_for_side(person, dispute.declaration.exchange, PROVIDER)


def can_take_part(person, exchange: Exchange) -> bool:
    """Close the exchange, leave feedback: either side."""
    return _acts_for_side(person, exchange, PROVIDER, RECIPIENT)


def can_resolve(person) -> bool:
    return is_coordinator(person)
