"""Read-only lists for the exchange pages: an organisation's proposals and exchanges, the
disputes queue, and what a visitor's organisation can propose on a post."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from sem.exchanges.models import (
    DeclarationStatus,
    Dispute,
    Exchange,
    ExchangeStatus,
    HourDeclaration,
    Proposal,
    ProposalStatus,
)
from sem.exchanges.services import settled_minutes
from sem.extensions import db
from sem.market.models import Need, Offer, PostStatus
from sem.members.models import Organisation

PAST_LIMIT = 50


def _proposals_of(org: Organisation):
    need, offer = aliased(Need), aliased(Offer)
    query = (sa.select(Proposal).join(need, Proposal.need_id == need.id).join(offer, Proposal.offer_id == offer.id)
             .where(sa.or_(need.organisation_id == org.id, offer.organisation_id == org.id))
             .options(selectinload(Proposal.need).selectinload(Need.organisation),
                      selectinload(Proposal.offer).selectinload(Offer.organisation)))
    return query, need, offer


def proposals_waiting_for(org: Organisation) -> list[Proposal]:
    """Pending proposals that wait for `org`'s answer, oldest first."""
    query, need, offer = _proposals_of(org)
    ours = sa.or_(sa.and_(offer.organisation_id == org.id, Proposal.provider_accepted_at.is_(None)),
                  sa.and_(need.organisation_id == org.id, Proposal.recipient_accepted_at.is_(None)))
    return list(db.session.scalars(query.where(Proposal.status == ProposalStatus.PENDING, ours)
                                   .order_by(Proposal.created_at)))


def proposals_waiting_for_others(org: Organisation) -> list[Proposal]:
    """Pending proposals `org` has accepted, waiting for the other side."""
    query, need, offer = _proposals_of(org)
    accepted = sa.or_(sa.and_(offer.organisation_id == org.id, Proposal.provider_accepted_at.is_not(None)),
                      sa.and_(need.organisation_id == org.id, Proposal.recipient_accepted_at.is_not(None)))
    return list(db.session.scalars(query.where(Proposal.status == ProposalStatus.PENDING, accepted)
                                   .order_by(Proposal.created_at.desc())))


def past_proposals(org: Organisation) -> list[Proposal]:
    """Declined, withdrawn and expired proposals, latest first."""
    query, _need, _offer = _proposals_of(org)
    ended = [ProposalStatus.DECLINED, ProposalStatus.WITHDRAWN, ProposalStatus.EXPIRED]
    return list(db.session.scalars(query.where(Proposal.status.in_(ended))
                                   .order_by(Proposal.decided_at.desc(), Proposal.id.desc()).limit(PAST_LIMIT)))


@dataclass
class Hours:
    """An exchange's hours: estimated, declared (not cancelled), confirmed (paid) and waiting."""

    estimate: int
    declared: int = 0
    confirmed: int = 0
    waiting: int = 0  # declarations waiting for the recipient
    contested: int = 0
    declarations: list = field(default_factory=list)


def hours_of(exchange: Exchange) -> Hours:
    hours = Hours(estimate=exchange.estimate_minutes, declarations=list(exchange.declarations))
    for declaration in exchange.declarations:
        if declaration.status is not DeclarationStatus.CANCELLED:
            hours.declared += declaration.minutes
        hours.confirmed += settled_minutes(declaration)
        hours.waiting += declaration.status is DeclarationStatus.DECLARED
        hours.contested += declaration.status is DeclarationStatus.CONTESTED
    return hours


def exchanges_of(org: Organisation, status: ExchangeStatus) -> list[tuple[Exchange, Hours]]:
    query = (sa.select(Exchange)
             .where(sa.or_(Exchange.provider_id == org.id, Exchange.recipient_id == org.id), Exchange.status == status)
             .options(selectinload(Exchange.provider), selectinload(Exchange.recipient), selectinload(Exchange.need),
                      selectinload(Exchange.declarations).selectinload(HourDeclaration.dispute))
             .order_by(Exchange.created_at.desc()))
    if status is ExchangeStatus.CLOSED:
        query = query.limit(PAST_LIMIT)
    return [(exchange, hours_of(exchange)) for exchange in db.session.scalars(query)]


def disputes(*, resolved: bool) -> list[Dispute]:
    """Open disputes, oldest first; or the latest resolved ones."""
    query = sa.select(Dispute).options(
        selectinload(Dispute.declaration).selectinload(HourDeclaration.exchange).selectinload(Exchange.need))
    if resolved:
        query = query.where(Dispute.resolution.is_not(None)).order_by(Dispute.resolved_at.desc()).limit(PAST_LIMIT)
    else:
        query = query.where(Dispute.resolution.is_(None)).order_by(Dispute.opened_at)
    return list(db.session.scalars(query))


def open_dispute_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Dispute).where(Dispute.resolution.is_(None)))


def own_open_posts(org: Organisation, model) -> list:
    """An organisation's open offers (or needs), to choose from when proposing."""
    return list(db.session.scalars(
        sa.select(model).where(model.organisation_id == org.id, model.status == PostStatus.OPEN)
        .order_by(model.created_at.desc()).limit(100)))


def proposals_between(post, org: Organisation) -> list[Proposal]:
    """Proposals that pair `post` with one of `org`'s posts."""
    if isinstance(post, Need):
        query = (sa.select(Proposal).join(Offer, Proposal.offer_id == Offer.id)
                 .where(Proposal.need_id == post.id, Offer.organisation_id == org.id))
    else:
        query = (sa.select(Proposal).join(Need, Proposal.need_id == Need.id)
                 .where(Proposal.offer_id == post.id, Need.organisation_id == org.id))
    return list(db.session.scalars(query.order_by(Proposal.id)))
