"""Rules for offers and needs: posting, editing, the lifecycle and expiry.

A post is open (visible, matchable), paused (kept but hidden), closed (by its owner) or
expired (its time ran out). Renewing reopens it for another lifetime. Services flush; the
caller commits.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from sem.catalogue import services as catalogue
from sem.catalogue.models import Competence
from sem.catalogue.vocab import LANGUAGE_BITS
from sem.core.amounts import check_quarter_hours
from sem.core.db import utcnow
from sem.core.errors import Conflict, DomainError, NotAllowed
from sem.extensions import db
from sem.mail.services import send_template
from sem.market.models import Mode, Need, Offer, Post, PostStatus, Urgency
from sem.members.models import Organisation, OrgStatus, Person, Role
from sem.members.services import record_event

MAX_CAPACITY_MINUTES = 160 * 60
MAX_ESTIMATE_MINUTES = 500 * 60
TITLE_MAX, DESCRIPTION_MAX, CONDITIONS_MAX = 140, 4000, 1000


@dataclass
class PostDraft:
    """What the owner writes, before validation."""

    competence_id: int | None
    title: str
    description: str = ""
    languages: list[str] = field(default_factory=list)


@dataclass
class OfferDraft(PostDraft):
    mode: Mode = Mode.BOTH
    monthly_capacity_minutes: int | None = None
    conditions: str = ""
    standing: bool = False


@dataclass
class NeedDraft(PostDraft):
    urgency: Urgency = Urgency.NORMAL
    estimated_minutes: int | None = None
    wished_by: date | None = None


def lifetime(post: Post) -> timedelta:
    config = current_app.config
    if isinstance(post, Need):
        return timedelta(days=config["NEED_LIFETIME_DAYS"])
    if post.standing:
        return timedelta(days=config["STANDING_OFFER_LIFETIME_DAYS"])
    return timedelta(days=config["OFFER_LIFETIME_DAYS"])


# --- validation -----------------------------------------------------------------------------


def _apply_common(post: Post, draft: PostDraft) -> None:
    title = " ".join((draft.title or "").split())
    if not title:
        raise DomainError(_l("This field is required."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=TITLE_MAX), field="title")
    description = (draft.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=DESCRIPTION_MAX), field="description")
    languages = sorted(set(draft.languages or []))
    if not languages:
        raise DomainError(_l("Choose at least one working language."), field="languages")
    if any(code not in LANGUAGE_BITS for code in languages):
        raise DomainError(_l("Choose languages from the list."), field="languages")
    competence = db.session.get(Competence, draft.competence_id) if draft.competence_id else None
    if competence is None:
        raise DomainError(_l("Choose a competence from the list."), field="competence_id")
    # A post may keep a competence that has since been retired, but not newly choose one.
    if not catalogue.is_offered(competence) and competence.id != post.competence_id:
        raise DomainError(_l("This competence is no longer in use: choose another one."), field="competence_id")
    post.title, post.description, post.languages, post.competence = title, description, languages, competence


def _apply_offer(offer: Offer, draft: OfferDraft) -> None:
    _apply_common(offer, draft)
    offer.monthly_capacity_minutes = check_quarter_hours(
        draft.monthly_capacity_minutes, maximum=MAX_CAPACITY_MINUTES, field="monthly_capacity")
    conditions = (draft.conditions or "").strip()
    if len(conditions) > CONDITIONS_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=CONDITIONS_MAX), field="conditions")
    offer.mode, offer.conditions, offer.standing = Mode(draft.mode), conditions, bool(draft.standing)


def _apply_need(need: Need, draft: NeedDraft, *, today: date) -> None:
    _apply_common(need, draft)
    need.estimated_minutes = check_quarter_hours(
        draft.estimated_minutes, maximum=MAX_ESTIMATE_MINUTES, field="estimated_hours")
    if draft.wished_by is not None and draft.wished_by <= today and draft.wished_by != need.wished_by:
        raise DomainError(_l("Choose a date in the future."), field="wished_by")
    need.urgency, need.wished_by = Urgency(draft.urgency), draft.wished_by


def _require_member(org: Organisation) -> None:
    if org.status is not OrgStatus.APPROVED:
        raise NotAllowed(_l("Only member organisations can post offers and needs."))


# --- posting ---------------------------------------------------------------------------------


def create_offer(org: Organisation, draft: OfferDraft, *, actor: Person, now: datetime | None = None) -> Offer:
    _require_member(org)
    now = now or utcnow()
    offer = Offer(organisation=org, created_at=now, updated_at=now)
    _apply_offer(offer, draft)
    offer.expires_at = now + lifetime(offer)
    db.session.add(offer)
    db.session.flush()
    return offer


def create_need(org: Organisation, draft: NeedDraft, *, actor: Person, now: datetime | None = None) -> Need:
    _require_member(org)
    now = now or utcnow()
    need = Need(organisation=org, created_at=now, updated_at=now)
    _apply_need(need, draft, today=now.date())
    need.expires_at = now + lifetime(need)
    db.session.add(need)
    db.session.flush()
    return need


def update_offer(offer: Offer, draft: OfferDraft, *, actor: Person) -> None:
    _require_live(offer)
    _apply_offer(offer, draft)
    db.session.flush()


def update_need(need: Need, draft: NeedDraft, *, actor: Person) -> None:
    _require_live(need)
    _apply_need(need, draft, today=utcnow().date())
    db.session.flush()


# --- lifecycle -------------------------------------------------------------------------------


def _require_live(post: Post) -> None:
    if not post.is_live:
        raise Conflict(_l("This post is closed or expired: renew it first."))


def _log(post: Post, action: str, actor: Person | None) -> None:
    # Only what coordinators do to others' posts is a coordination matter worth auditing.
    if actor is not None and actor.organisation_id != post.organisation_id:
        record_event(f"{post.kind}.{action}", actor=actor, organisation=post.organisation, post_id=post.id,
                     title=post.title)


def pause_post(post: Post, *, actor: Person) -> None:
    if post.status is not PostStatus.OPEN:
        raise Conflict(_l("Only an open post can be paused."))
    post.status = PostStatus.PAUSED
    _log(post, "paused", actor)


def resume_post(post: Post, *, actor: Person) -> None:
    if post.status is not PostStatus.PAUSED:
        raise Conflict(_l("Only a paused post can be resumed."))
    post.status = PostStatus.OPEN
    _log(post, "resumed", actor)


def close_post(post: Post, *, actor: Person, now: datetime | None = None) -> None:
    if post.status is PostStatus.CLOSED:
        return
    post.status = PostStatus.CLOSED
    post.closed_at = now or utcnow()
    _log(post, "closed", actor)


def renew_post(post: Post, *, actor: Person | None, now: datetime | None = None) -> None:
    """Another full lifetime from now; an expired post opens again, a closed one too."""
    _require_member(post.organisation)
    now = now or utcnow()
    post.expires_at = now + lifetime(post)
    post.warned_at = None
    if post.status in (PostStatus.EXPIRED, PostStatus.CLOSED):
        post.status = PostStatus.OPEN
        post.closed_at = None
    _log(post, "renewed", actor)


# --- expiry (the `expire` job) ---------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="post-renewal")


def renewal_token(post: Post) -> str:
    return _serializer().dumps([post.kind, post.id])


def post_from_renewal_token(token: str) -> Post:
    try:
        kind, post_id = _serializer().loads(token, max_age=60 * 86400)
    except SignatureExpired:
        raise DomainError(_l("This link has expired. Log in to renew the post from its page.")) from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError(_l("This link is not valid.")) from None
    post = db.session.get(Offer if kind == "offer" else Need, post_id)
    if post is None:
        raise DomainError(_l("This link is not valid."))
    return post


def warn_expiring_posts(now: datetime | None = None) -> int:
    """Tell the admins of each organisation, once per post and lifetime, that it expires soon."""
    now = now or utcnow()
    horizon = now + timedelta(days=current_app.config["EXPIRY_WARNING_DAYS"])
    warned = 0
    for model in (Offer, Need):
        posts = db.session.scalars(
            sa.select(model).where(model.status.in_([PostStatus.OPEN, PostStatus.PAUSED]),
                                   model.expires_at <= horizon, model.expires_at > now, model.warned_at.is_(None))
            .order_by(model.organisation_id, model.id)
        ).all()
        for post in posts:
            for person in post.organisation.active_people:
                if person.role is Role.ADMIN:
                    template = "post_expiring_standing" if getattr(post, "standing", False) else "post_expiring"
                    send_template(person.email, person.locale, template,
                                  _l("“%(title)s” expires soon", title=post.title), person=person, post=post,
                                  link=url_for("market.renew_by_link", token=renewal_token(post), _external=True))
            post.warned_at = now
            warned += 1
    db.session.flush()
    return warned


def expire_posts(now: datetime | None = None) -> int:
    now = now or utcnow()
    expired = 0
    for model in (Offer, Need):
        result = db.session.execute(
            sa.update(model).where(model.status.in_([PostStatus.OPEN, PostStatus.PAUSED]), model.expires_at <= now)
            .values(status=PostStatus.EXPIRED)
        )
        expired += result.rowcount
    return expired
