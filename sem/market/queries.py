"""Read-only lists of posts for pages: an organisation's own, and those that fit it."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from sem.catalogue.models import Competence, Domain
from sem.extensions import db
from sem.market.models import Need, Offer, PostStatus, Urgency
from sem.members.models import Organisation, OrgStatus

LIVE = (PostStatus.OPEN, PostStatus.PAUSED)


def _load(model):
    # Many-to-one: joined into the same query, whatever the number of rows.
    return (joinedload(model.competence).joinedload(Competence.domain), joinedload(model.organisation))


def posts_of(org: Organisation, model, *, include_hidden: bool) -> list:
    """An organisation's posts: open ones for everyone; its own people also see paused,
    expired and recently closed ones."""
    statuses = list(PostStatus) if include_hidden else [PostStatus.OPEN]
    query = (sa.select(model).where(model.organisation_id == org.id, model.status.in_(statuses))
             .options(*_load(model))
             .order_by(sa.case((model.status == PostStatus.OPEN, 0), (model.status == PostStatus.PAUSED, 1),
                               else_=2), model.created_at.desc())
             .limit(100))
    return list(db.session.scalars(query))


def _fitting(org: Organisation, wanted, mine, limit: int) -> list:
    """Open posts of `wanted` from other members, in a competence of `org`'s open posts of
    `mine`, sharing a language with them."""
    fits = sa.exists().where(mine.organisation_id == org.id, mine.status == PostStatus.OPEN,
                             mine.competence_id == wanted.competence_id,
                             mine.language_mask.op("&")(wanted.language_mask) != 0)
    query = (sa.select(wanted).join(Organisation, wanted.organisation_id == Organisation.id)
             .where(wanted.status == PostStatus.OPEN, wanted.organisation_id != org.id,
                    Organisation.status == OrgStatus.APPROVED, fits)
             .options(*_load(wanted))
             .limit(limit))
    order = [wanted.created_at.desc()]
    if wanted is Need:
        order.insert(0, sa.case((Need.urgency == Urgency.URGENT, 0), else_=1))
    return list(db.session.scalars(query.order_by(*order)))


def needs_we_could_answer(org: Organisation, limit: int = 10) -> list[Need]:
    return _fitting(org, Need, Offer, limit)


def offers_that_answer_us(org: Organisation, limit: int = 10) -> list[Offer]:
    return _fitting(org, Offer, Need, limit)


def open_counts() -> dict[str, int]:
    """Open offers and needs of approved members, in one statement."""
    def count(model):
        return (sa.select(sa.func.count()).select_from(model).join(Organisation).where(
            model.status == PostStatus.OPEN, Organisation.status == OrgStatus.APPROVED).scalar_subquery())

    offers, needs = db.session.execute(sa.select(count(Offer), count(Need))).one()
    return {"offers": offers, "needs": needs}


def domains() -> list[Domain]:
    """Domains in use, for the directory's filter."""
    return list(db.session.scalars(sa.select(Domain).where(Domain.retired.is_(False)).order_by(Domain.position)))
