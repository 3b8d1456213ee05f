"""The weekly digest: one mail per person who wants it, with what matters to their
organisation this week.

Everything is read in a dozen set-wise queries for the whole network (never per
organisation), then each person's mail is rendered and written to the outbox with the
dedupe key digest:<person>:<ISO week>, so a second run in the same week writes nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from sem.core.db import utcnow
from sem.exchanges.models import DeclarationStatus, Exchange, HourDeclaration, Proposal, ProposalStatus
from sem.extensions import db
from sem.ledger.models import Account, Entry, LedgerTransaction
from sem.mail.models import Delivery, MailPreference, MailStatus, OutboxMessage
from sem.mail.services import DIGEST, render_mail, send_mail
from sem.market.models import Need, Offer, PostStatus
from sem.members.models import Organisation, OrgStatus, Person

BRUSSELS = ZoneInfo("Europe/Brussels")
SHOWN = 5  # items listed per section; the mail says how many more there are
WEEK = timedelta(days=7)


@dataclass
class Item:
    id: int
    title: str
    organisation: str = ""
    minutes: int = 0
    when: datetime | None = None


@dataclass
class Section:
    items: list[Item] = field(default_factory=list)
    total: int = 0

    def add(self, item: Item) -> None:
        self.total += 1
        if len(self.items) < SHOWN:
            self.items.append(item)

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class OrganisationNews:
    proposals: Section = field(default_factory=Section)  # waiting for its answer
    needs: Section = field(default_factory=Section)  # new needs it could answer
    offers: Section = field(default_factory=Section)  # new offers that answer its needs
    confirmations: Section = field(default_factory=Section)  # hours declared, for it to confirm
    balance: int = 0
    change: int = 0


@dataclass
class Highlights:
    minutes_exchanged: int = 0
    exchanges: int = 0
    new_members: list[str] = field(default_factory=list)  # the first few names
    new_member_count: int = 0


@dataclass
class Digest:
    person: Person
    organisation: Organisation
    news: OrganisationNews
    highlights: Highlights
    notifications: list[tuple[int, str, datetime]]  # held outbox rows: id, subject, when
    week: str

    @property
    def empty(self) -> bool:
        news = self.news
        return not (news.proposals.total or news.needs.total or news.offers.total or news.confirmations.total
                    or news.change or self.notifications)

    @property
    def dedupe_key(self) -> str:
        return f"digest:{self.person.id}:{self.week}"


def iso_week(now: datetime) -> str:
    year, week, _day = now.astimezone(BRUSSELS).isocalendar()
    return f"{year}-W{week:02d}"


def _subscribers(person_ids: list[int] | None, week: str) -> list[Person]:
    """Active people of approved organisations who have not turned the digest off and have
    not had this week's digest yet."""
    opted_out = sa.select(MailPreference.person_id).where(MailPreference.kind == DIGEST,
                                                          MailPreference.delivery == Delivery.NEVER)
    query = (sa.select(Person).join(Organisation, Person.organisation_id == Organisation.id)
             .where(Person.active.is_(True), Organisation.status == OrgStatus.APPROVED,
                    Person.id.not_in(opted_out))
             .order_by(Person.id))
    if person_ids is not None:
        query = query.where(Person.id.in_(person_ids))
    people = list(db.session.scalars(query))
    done = set(db.session.scalars(sa.select(OutboxMessage.dedupe_key).where(
        OutboxMessage.kind == DIGEST, OutboxMessage.dedupe_key.like(f"digest:%:{week}"))))
    return [p for p in people if f"digest:{p.id}:{week}" not in done]


def _fitting(news: dict[int, OrganisationNews], wanted, mine, section: str, org_ids: set[int], since: datetime):
    """New open posts of `wanted` (this week) in a competence and a language of an
    organisation's open posts of `mine`, from other approved members."""
    new_posts = db.session.execute(
        sa.select(wanted.id, wanted.title, wanted.competence_id, wanted.language_mask, wanted.organisation_id,
                  Organisation.name)
        .join(Organisation, wanted.organisation_id == Organisation.id)
        .where(wanted.status == PostStatus.OPEN, wanted.created_at >= since, Organisation.status == OrgStatus.APPROVED)
        .order_by(wanted.created_at.desc(), wanted.id.desc())).all()
    if not new_posts:
        return
    by_competence = defaultdict(list)
    for row in new_posts:
        by_competence[row.competence_id].append(row)
    own = db.session.execute(
        sa.select(mine.organisation_id, mine.competence_id, mine.language_mask)
        .where(mine.status == PostStatus.OPEN, mine.competence_id.in_(list(by_competence)))).all()
    masks: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # org → competence → languages
    for org_id, competence_id, mask in own:
        if org_id in org_ids:
            masks[org_id][competence_id] |= mask
    for org_id, competences in masks.items():
        seen = []
        for competence_id, mask in competences.items():
            seen += [row for row in by_competence[competence_id] if row.organisation_id != org_id
                     and row.language_mask & mask]
        seen.sort(key=lambda row: -row.id)
        target = getattr(news[org_id], section)
        for row in seen:
            target.add(Item(row.id, row.title, row.name))


def organisation_news(org_ids: set[int], since: datetime) -> dict[int, OrganisationNews]:
    news = {org_id: OrganisationNews() for org_id in org_ids}
    need_org, offer_org = aliased(Organisation), aliased(Organisation)
    pending = db.session.execute(
        sa.select(Proposal.id, Need.title, Need.organisation_id, Offer.organisation_id, need_org.name, offer_org.name,
                  Proposal.provider_accepted_at, Proposal.recipient_accepted_at, Proposal.created_at)
        .join(Need, Proposal.need_id == Need.id).join(Offer, Proposal.offer_id == Offer.id)
        .join(need_org, Need.organisation_id == need_org.id).join(offer_org, Offer.organisation_id == offer_org.id)
        .where(Proposal.status == ProposalStatus.PENDING).order_by(Proposal.created_at)).all()
    for (pid, title, need_owner, offer_owner, need_name, offer_name, provider_ok, recipient_ok, created) in pending:
        if provider_ok is None and offer_owner in news:
            news[offer_owner].proposals.add(Item(pid, title, need_name, when=created))
        if recipient_ok is None and need_owner in news:
            news[need_owner].proposals.add(Item(pid, title, offer_name, when=created))

    _fitting(news, Need, Offer, "needs", org_ids, since)
    _fitting(news, Offer, Need, "offers", org_ids, since)

    declared = db.session.execute(
        sa.select(HourDeclaration.id, HourDeclaration.exchange_id, HourDeclaration.minutes, HourDeclaration.worked_on,
                  Exchange.recipient_id, Need.title, Organisation.name)
        .join(Exchange, HourDeclaration.exchange_id == Exchange.id).join(Need, Exchange.need_id == Need.id)
        .join(Organisation, Exchange.provider_id == Organisation.id)
        .where(HourDeclaration.status == DeclarationStatus.DECLARED).order_by(HourDeclaration.created_at)).all()
    for _did, exchange_id, minutes, worked_on, recipient_id, title, provider_name in declared:
        if recipient_id in news:
            news[recipient_id].confirmations.add(Item(exchange_id, title, provider_name, minutes=minutes,
                                                      when=worked_on))

    for org_id, balance in db.session.execute(
            sa.select(Account.organisation_id, Account.balance_minutes).where(Account.organisation_id.is_not(None))):
        if org_id in news:
            news[org_id].balance = balance
    for org_id, change in db.session.execute(
            sa.select(Account.organisation_id, sa.func.sum(Entry.amount_minutes))
            .join(Entry, Entry.account_id == Account.id)
            .join(LedgerTransaction, Entry.transaction_id == LedgerTransaction.id)
            .where(Account.organisation_id.is_not(None), LedgerTransaction.created_at >= since)
            .group_by(Account.organisation_id)):
        if org_id in news:
            news[org_id].change = int(change or 0)
    return news


def network_highlights(since: datetime) -> Highlights:
    minutes, count = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(HourDeclaration.minutes), 0), sa.func.count(HourDeclaration.id))
        .where(HourDeclaration.status == DeclarationStatus.CONFIRMED, HourDeclaration.decided_at >= since)).one()
    new_members = list(db.session.scalars(
        sa.select(Organisation.name).where(Organisation.status == OrgStatus.APPROVED,
                                           Organisation.decided_at >= since).order_by(Organisation.name)))
    return Highlights(minutes_exchanged=int(minutes), exchanges=count, new_members=new_members[:SHOWN],
                      new_member_count=len(new_members))


def build_digests(*, now: datetime | None = None, person_ids: list[int] | None = None,
                  include_sent: bool = False) -> list[Digest]:
    """This week's digest of every subscriber (or of `person_ids`), empty ones included."""
    now = now or utcnow()
    since = now - WEEK
    week = iso_week(now)
    if include_sent:
        people = list(db.session.scalars(sa.select(Person).where(Person.id.in_(person_ids or []),
                                                                 Person.organisation_id.is_not(None))))
    else:
        people = _subscribers(person_ids, week)
    if not people:
        return []
    org_ids = {p.organisation_id for p in people}
    orgs = {o.id: o for o in db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(org_ids)))}
    news = organisation_news(org_ids, since)
    highlights = network_highlights(since)
    held = defaultdict(list)
    query = (sa.select(OutboxMessage.id, OutboxMessage.person_id, OutboxMessage.subject, OutboxMessage.created_at)
             .where(OutboxMessage.status == MailStatus.HELD).order_by(OutboxMessage.id))
    if person_ids is not None:
        query = query.where(OutboxMessage.person_id.in_(person_ids))
    for message_id, person_id, subject, created in db.session.execute(query):
        held[person_id].append((message_id, subject, created))
    return [Digest(person=p, organisation=orgs[p.organisation_id], news=news[p.organisation_id],
                   highlights=highlights, notifications=held.get(p.id, []), week=week) for p in people]


def render_digest(digest: Digest):
    person = digest.person
    return render_mail(person.email, person.locale, "digest",
                       _l("SEM this week: %(org)s", org=digest.organisation.name),
                       recipient=person, kind=DIGEST, digest=digest, organisation=digest.organisation)


def queue_digests(*, now: datetime | None = None) -> tuple[int, int]:
    """Write this week's digest of every subscriber who has something to read to the
    outbox; the held notifications it lists are marked digested. Returns (queued, empty)."""
    queued = empty = 0
    digested: list[int] = []
    for digest in build_digests(now=now):
        if digest.empty:
            empty += 1
            continue
        if send_mail(render_digest(digest), dedupe_key=digest.dedupe_key) is not None:
            queued += 1
            digested += [message_id for message_id, _subject, _when in digest.notifications]
    for start in range(0, len(digested), 500):
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(digested[start:start + 500]))
                           .values(status=MailStatus.DIGESTED).execution_options(synchronize_session=False))
    db.session.flush()
    return queued, empty
