"""Proposals, exchanges, hour declarations, disputes and feedback: the rules.

A proposal links one need to one offer. The side that proposes ("I can help" on a need: the
provider; "ask for help" on an offer: the recipient) accepts at once; the other side accepts
or declines. A pair is proposed once: a declined pair stays declined. When both sides have
accepted, an exchange starts between the offer's organisation (provider) and the need's
organisation (recipient).

The provider declares hours; the recipient confirms them (settled in the ledger exactly
once, under the key "declaration:<id>") or contests them (a dispute that a coordinator
resolves). Declarations left waiting are reminded, then confirmed automatically.

Services flush, never commit: the view, CLI command or job that calls them commits once.
"""

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from sem.core.amounts import check_quarter_hours
from sem.core.db import utcnow
from sem.core.errors import Conflict, DomainError, NotAllowed
from sem.exchanges import policy
from sem.exchanges.models import (
    DeclarationStatus,
    Dispute,
    DisputeResolution,
    Exchange,
    ExchangeStatus,
    Feedback,
    HourDeclaration,
    Proposal,
    ProposalOrigin,
    ProposalStatus,
)
from sem.extensions import db
from sem.ledger import services as ledger
from sem.ledger.models import LedgerTransaction
from sem.mail.services import send_template
from sem.market.models import Need, Offer
from sem.members import services as members
from sem.members.models import Organisation, Person

log = logging.getLogger(__name__)
BRUSSELS = ZoneInfo("Europe/Brussels")

MAX_DECLARATION_MINUTES = 200 * 60  # one declaration: at most 200 hours
MESSAGE_MAX, NOTE_MAX, STATEMENT_MAX, FEEDBACK_MAX, REASON_MAX = 2000, 2000, 4000, 2000, 2000
PROPOSAL_REMINDER_DAYS = 7

PAIR_REFUSALS = {
    ProposalStatus.PENDING: _l("This need and this offer are already proposed to each other: "
                               "the proposal is waiting for an answer."),
    ProposalStatus.ACCEPTED: _l("This need and this offer already form an exchange."),
    ProposalStatus.DECLINED: _l("This need and this offer were already proposed to each other and the proposal "
                                "was declined: it cannot be proposed again."),
}


# --- helpers -------------------------------------------------------------------------------------


def today() -> date:
    """Today in Brussels."""
    return utcnow().astimezone(BRUSSELS).date()


def _text(value: str | None, *, maximum: int, field: str, required: bool = False,
          message=_l("This field is required.")) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(message, field=field)
    if len(text) > maximum:
        raise DomainError(_l("At most %(n)d characters.", n=maximum), field=field)
    return text


def _side(actor: Person | None, item: Proposal | Exchange) -> str:
    side = policy.side_of(actor, item)
    if side is None:
        raise NotAllowed(_l("Only the two organisations of the exchange can do this."))
    return side


def _org(item: Proposal | Exchange, side: str) -> Organisation:
    if isinstance(item, Exchange):
        return item.provider if side == policy.PROVIDER else item.recipient
    return item.offer.organisation if side == policy.PROVIDER else item.need.organisation


def _other(side: str) -> str:
    return policy.RECIPIENT if side == policy.PROVIDER else policy.PROVIDER


def _locked(obj, column):
    """Re-read `obj` with its row locked until the end of the transaction, so that two
    requests deciding on it one after the other see each other's decision.

    PostgreSQL locks the row (SELECT … FOR UPDATE). SQLite locks the whole database for
    writing: a no-op UPDATE takes that lock now, and what is read next is the latest."""
    model = type(obj)
    query = sa.select(model).where(model.id == obj.id)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.update(model).where(model.id == obj.id).values({column: column})
                           .execution_options(synchronize_session=False))
    else:
        query = query.with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def _notify(org: Organisation, template: str, subject, *, skip: Person | None = None, **context) -> int:
    """Mail every active person of `org` (admins and members), each in their language."""
    sent = 0
    for person in org.active_people:
        if skip is not None and person.id == skip.id:
            continue
        send_template(person.email, person.locale, template, subject, person=person, organisation=org, **context)
        sent += 1
    return sent


def _proposal_link(proposal: Proposal) -> str:
    return url_for("exchanges.proposal", proposal_id=proposal.id, _external=True)


def _exchange_link(exchange: Exchange) -> str:
    return url_for("exchanges.exchange", exchange_id=exchange.id, _external=True)


# --- proposals -----------------------------------------------------------------------------------


def create_proposal(need: Need, offer: Offer, *, actor: Person, message: str = "",
                    now: datetime | None = None) -> Proposal:
    """A member proposes one of its offers for a need ("I can help"), or one of its needs to
    an offer ("ask for help"). Its own side accepts at once; the other side is told."""
    org = actor.organisation
    if org is None or org.id not in (need.organisation_id, offer.organisation_id):
        raise NotAllowed(_l("Your organisation must own the need or the offer."))
    if need.organisation_id == offer.organisation_id:
        raise DomainError(_l("An organisation does not exchange with itself."))
    if not (need.is_open and offer.is_open):
        raise Conflict(_l("The need and the offer must both be open."))
    if not (need.organisation.is_approved and offer.organisation.is_approved):
        raise Conflict(_l("Both organisations must be members of the network."))
    message = _text(message, maximum=MESSAGE_MAX, field="message")
    now = now or utcnow()
    provider_side = org.id == offer.organisation_id
    fields = {
        "origin": ProposalOrigin.PROVIDER if provider_side else ProposalOrigin.RECIPIENT,
        "status": ProposalStatus.PENDING, "message": message, "created_by": actor, "created_at": now,
        "provider_accepted_at": now if provider_side else None,
        "recipient_accepted_at": None if provider_side else now,
        "decided_at": None, "declined_by": "", "decline_reason": "", "reminded_at": None, "score_parts": {},
    }
    proposal = db.session.scalar(sa.select(Proposal).where(Proposal.need_id == need.id,
                                                           Proposal.offer_id == offer.id))
    if proposal is not None:
        if proposal.status in PAIR_REFUSALS:
            raise Conflict(PAIR_REFUSALS[proposal.status])
        # Withdrawn by its proposer, or expired unanswered: the pair may be proposed again,
        # in the same row (a pair has one proposal).
        proposal = _locked(proposal, Proposal.status)
        if proposal.status in PAIR_REFUSALS:
            raise Conflict(PAIR_REFUSALS[proposal.status])
        for name, value in fields.items():
            setattr(proposal, name, value)
    else:
        proposal = Proposal(need=need, offer=offer, **fields)
        try:
            with db.session.begin_nested():
                db.session.add(proposal)
        except IntegrityError:  # the same pair, proposed at the same moment by someone else
            raise Conflict(PAIR_REFUSALS[ProposalStatus.PENDING]) from None
    db.session.flush()
    other = _other(policy.PROVIDER if provider_side else policy.RECIPIENT)
    _notify(_org(proposal, other), "proposal_new", _l("A proposal for “%(title)s”", title=need.title),
            proposal=proposal, proposer=org, link=_proposal_link(proposal), reminder=False)
    return proposal


def create_matched_proposals(pairs: list[tuple[Need, Offer, dict]], *, actor: Person | None = None,
                             now: datetime | None = None) -> dict[tuple[int, int], int]:
    """The matcher proposes needs to offers (origin "matching"): neither side has accepted;
    both are told. `pairs` holds (need, offer, score parts); `actor` is the coordinator who
    matched a need by hand, or None for a scheduled run. Returns {(need id, offer id):
    proposal id} for the proposals made.

    The rules of `create_proposal` hold: a pair is proposed once (a pair that already has a
    proposal, whatever became of it, is skipped), both posts open, two different approved
    organisations. Pairs that break them are skipped, not raised: a run goes on. Inserted in
    bulk; each organisation gets one mail per batch (the proposal, or the list of them)."""
    now = now or utcnow()
    wanted = [(need, offer, parts) for need, offer, parts in pairs
              if need.organisation_id != offer.organisation_id and need.is_open and offer.is_open
              and need.organisation.is_approved and offer.organisation.is_approved]
    if not wanted:
        return {}
    need_ids = sorted({need.id for need, _offer, _parts in wanted})
    taken = set()
    for start in range(0, len(need_ids), 5000):
        taken.update(db.session.execute(sa.select(Proposal.need_id, Proposal.offer_id)
                                        .where(Proposal.need_id.in_(need_ids[start:start + 5000]))).all())
    rows, made_pairs = [], []
    for need, offer, parts in wanted:
        key = (need.id, offer.id)
        if key in taken:
            continue
        taken.add(key)
        made_pairs.append((need, offer))
        rows.append({"need_id": need.id, "offer_id": offer.id, "origin": ProposalOrigin.MATCHING,
                     "status": ProposalStatus.PENDING, "message": "", "created_by_id": actor.id if actor else None,
                     "created_at": now, "declined_by": "", "decline_reason": "", "score_parts": parts})
    if not rows:
        return {}
    ids = []
    for start in range(0, len(rows), 2000):
        ids.extend(db.session.scalars(sa.insert(Proposal).returning(Proposal.id, sort_by_parameter_order=True),
                                      rows[start:start + 2000]).all())
    made = {(need.id, offer.id): proposal_id for (need, offer), proposal_id in zip(made_pairs, ids, strict=True)}
    per_org: dict[int, tuple[Organisation, list]] = {}
    for (need, offer), proposal_id in zip(made_pairs, ids, strict=True):
        line = (proposal_id, need.title, offer.title,
                url_for("exchanges.proposal", proposal_id=proposal_id, _external=True))
        for org in (need.organisation, offer.organisation):
            per_org.setdefault(org.id, (org, []))[1].append(line)
    for org, lines in per_org.values():
        if len(lines) == 1:
            proposal_id, title, _offer_title, link = lines[0]
            _notify(org, "proposal_new", _l("A proposal for “%(title)s”", title=title),
                    proposal=db.session.get(Proposal, proposal_id), proposer=None, link=link, reminder=False)
        else:
            _notify(org, "proposals_matched", _l("%(n)d new proposals for your organisation", n=len(lines)),
                    proposals=[line[1:] for line in lines], link=url_for("exchanges.index", _external=True))
    return made


def _require_pending(proposal: Proposal) -> None:
    if proposal.status is not ProposalStatus.PENDING:
        raise Conflict(_l("This proposal has already been answered."))


def accept_proposal(proposal: Proposal, *, actor: Person, now: datetime | None = None) -> Exchange | None:
    """One side accepts. When both have, the exchange starts (and is returned)."""
    side = _side(actor, proposal)
    proposal = _locked(proposal, Proposal.status)
    _require_pending(proposal)
    if policy.has_accepted(proposal, side):
        raise Conflict(_l("Your organisation has already accepted: the other side's answer is awaited."))
    if not (proposal.need.is_live and proposal.offer.is_live):
        raise Conflict(_l("The need or the offer is closed or expired: this proposal can no longer be accepted."))
    if not (proposal.need.organisation.is_approved and proposal.offer.organisation.is_approved):
        raise Conflict(_l("Both organisations must be members of the network."))
    now = now or utcnow()
    if side == policy.PROVIDER:
        proposal.provider_accepted_at = now
    else:
        proposal.recipient_accepted_at = now
    if proposal.provider_accepted_at is None or proposal.recipient_accepted_at is None:
        db.session.flush()
        return None
    proposal.status, proposal.decided_at = ProposalStatus.ACCEPTED, now
    need, offer = proposal.need, proposal.offer
    exchange = Exchange(proposal=proposal, need=need, offer=offer, provider_id=offer.organisation_id,
                        recipient_id=need.organisation_id, competence_id=need.competence_id,
                        estimate_minutes=need.estimated_minutes, created_at=now)
    db.session.add(exchange)
    db.session.flush()
    for org in (exchange.provider, exchange.recipient):
        _notify(org, "proposal_accepted", _l("The exchange “%(title)s” can start", title=need.title), skip=actor,
                exchange=exchange, link=_exchange_link(exchange))
    return exchange


def decline_proposal(proposal: Proposal, *, actor: Person, reason: str = "", now: datetime | None = None) -> None:
    """The side whose answer is awaited declines; the pair will not be proposed again."""
    side = _side(actor, proposal)
    reason = _text(reason, maximum=REASON_MAX, field="reason")
    proposal = _locked(proposal, Proposal.status)
    _require_pending(proposal)
    if policy.has_accepted(proposal, side):
        raise Conflict(_l("Your organisation made this proposal: withdraw it instead."))
    proposal.status, proposal.decided_at = ProposalStatus.DECLINED, now or utcnow()
    proposal.declined_by, proposal.decline_reason = side, reason
    db.session.flush()
    _notify(_org(proposal, _other(side)), "proposal_declined",
            _l("Proposal declined: “%(title)s”", title=proposal.need.title), proposal=proposal,
            decliner=_org(proposal, side), link=_proposal_link(proposal))


def withdraw_proposal(proposal: Proposal, *, actor: Person, now: datetime | None = None) -> None:
    """The proposer takes its proposal back while it waits for an answer."""
    side = _side(actor, proposal)
    if side != policy.proposer_side(proposal):
        raise NotAllowed(_l("Only the organisation that made the proposal can withdraw it."))
    proposal = _locked(proposal, Proposal.status)
    _require_pending(proposal)
    proposal.status, proposal.decided_at = ProposalStatus.WITHDRAWN, now or utcnow()
    db.session.flush()


# --- exchanges and hours ---------------------------------------------------------------------------


def _require_open(exchange: Exchange) -> None:
    if exchange.status is not ExchangeStatus.OPEN:
        raise Conflict(_l("This exchange is closed."))


def auto_confirm_date(declaration: HourDeclaration) -> date:
    days = current_app.config["AUTO_CONFIRM_DAYS"]
    return (declaration.created_at + timedelta(days=days)).astimezone(BRUSSELS).date()


def check_minutes(minutes: int | None, field: str = "hours") -> int:
    return check_quarter_hours(minutes, maximum=MAX_DECLARATION_MINUTES, field=field)


def declare_hours(exchange: Exchange, *, worked_on: date | None, minutes: int | None, note: str = "",
                  actor: Person, now: datetime | None = None) -> HourDeclaration:
    """The provider declares hours given (several times if need be); the recipient is told."""
    if _side(actor, exchange) != policy.PROVIDER:
        raise NotAllowed(_l("Hours are declared by the organisation that gives them."))
    _require_open(exchange)
    now = now or utcnow()
    if worked_on is None:
        raise DomainError(_l("This field is required."), field="worked_on")
    if worked_on > now.astimezone(BRUSSELS).date():
        raise DomainError(_l("Hours are declared once given: choose a date that is not in the future."),
                          field="worked_on")
    minutes = check_minutes(minutes)
    note = _text(note, maximum=NOTE_MAX, field="note")
    declaration = HourDeclaration(exchange=exchange, declared_by=actor, worked_on=worked_on, minutes=minutes,
                                  note=note, created_at=now)
    db.session.add(declaration)
    db.session.flush()
    _notify(exchange.recipient, "hours_declared",
            _l("%(org)s declared hours: please confirm", org=exchange.provider.name), declaration=declaration,
            exchange=exchange, auto_date=auto_confirm_date(declaration), link=_exchange_link(exchange))
    return declaration


def _settle(declaration: HourDeclaration, minutes: int, *, author: Person | None, memo: str) -> LedgerTransaction:
    exchange = declaration.exchange
    return ledger.settle_exchange(
        provider=exchange.provider, recipient=exchange.recipient, minutes=minutes,
        idempotency_key=f"declaration:{declaration.id}", author=author, competence_id=exchange.competence_id,
        # Noon in Brussels on the day worked, given in UTC: the hash chain covers its text.
        memo=memo, occurred_on=datetime.combine(declaration.worked_on, time(12), tzinfo=BRUSSELS).astimezone(UTC))


def _confirm(declaration: HourDeclaration, *, actor: Person | None, now: datetime) -> LedgerTransaction:
    declaration = _locked(declaration, HourDeclaration.status)
    if declaration.status is DeclarationStatus.CONFIRMED:
        # A second click, or another worker got here first: it is paid already, and once.
        return db.session.get(LedgerTransaction, declaration.transaction_id)
    if declaration.status is not DeclarationStatus.DECLARED:
        raise Conflict(_l("These hours are contested or cancelled: they can no longer be confirmed."))
    exchange = declaration.exchange
    # Raises CreditLimitReached, before anything is recorded, if the recipient would cross its floor.
    tx = _settle(declaration, declaration.minutes, author=actor, memo=exchange.need.title)
    declaration.status, declaration.transaction_id = DeclarationStatus.CONFIRMED, tx.id
    declaration.decided_at, declaration.decided_by, declaration.auto_confirmed = now, actor, actor is None
    db.session.flush()
    _notify(exchange.provider, "hours_confirmed", _l("Hours confirmed: %(title)s", title=exchange.need.title),
            declaration=declaration, exchange=exchange, link=_exchange_link(exchange))
    return tx


def confirm_declaration(declaration: HourDeclaration, *, actor: Person,
                        now: datetime | None = None) -> LedgerTransaction:
    """The recipient confirms declared hours: they are settled in the ledger exactly once. A
    second confirmation (a double click, two workers) returns the same transaction."""
    if _side(actor, declaration.exchange) != policy.RECIPIENT:
        raise NotAllowed(_l("Hours are confirmed by the organisation that received them."))
    return _confirm(declaration, actor=actor, now=now or utcnow())


def contest_declaration(declaration: HourDeclaration, *, actor: Person, statement: str,
                        now: datetime | None = None) -> Dispute:
    """The recipient contests declared hours, saying why: a coordinator will decide."""
    if _side(actor, declaration.exchange) != policy.RECIPIENT:
        raise NotAllowed(_l("Hours are contested by the organisation that received them."))
    statement = _text(statement, maximum=STATEMENT_MAX, field="statement", required=True,
                      message=_l("Please say what is wrong with these hours."))
    declaration = _locked(declaration, HourDeclaration.status)
    if declaration.status is not DeclarationStatus.DECLARED:
        raise Conflict(_l("These hours are no longer waiting for confirmation."))
    now = now or utcnow()
    dispute = Dispute(declaration=declaration, opened_by=actor, opened_at=now, recipient_statement=statement)
    declaration.status = DeclarationStatus.CONTESTED
    db.session.add(dispute)
    db.session.flush()
    exchange = declaration.exchange
    subject = _l("Hours contested: %(title)s", title=exchange.need.title)
    _notify(exchange.provider, "hours_contested", subject, dispute=dispute, exchange=exchange,
            link=_exchange_link(exchange), for_coordinator=False)
    for coordinator in members.coordinators():
        send_template(coordinator.email, coordinator.locale, "hours_contested", subject, person=coordinator,
                      dispute=dispute, exchange=exchange, for_coordinator=True,
                      link=url_for("exchanges.dispute", dispute_id=dispute.id, _external=True))
    return dispute


def add_statement(dispute: Dispute, *, actor: Person, statement: str) -> Dispute:
    """The provider gives its side of a contest (and may rewrite it until the dispute is resolved)."""
    if _side(actor, dispute.declaration.exchange) != policy.PROVIDER:
        raise NotAllowed(_l("Only the organisation that declared the hours answers the contest."))
    statement = _text(statement, maximum=STATEMENT_MAX, field="statement", required=True)
    dispute = _locked(dispute, Dispute.provider_statement)
    if dispute.resolution is not None:
        raise Conflict(_l("This dispute is already resolved."))
    dispute.provider_statement = statement
    db.session.flush()
    return dispute


def resolve_dispute(dispute: Dispute, *, actor: Person, resolution: DisputeResolution, reason: str,
                    minutes: int | None = None, now: datetime | None = None) -> LedgerTransaction | None:
    """A coordinator decides, with a written reason: confirm the declared hours, settle an
    adjusted number of hours, or cancel them. Settlement uses the declaration's key, so it
    happens once; the decision goes to the audit log and both sides are told."""
    if not policy.is_coordinator(actor):
        raise NotAllowed(_l("Disputes are resolved by a coordinator."))
    reason = _text(reason, maximum=REASON_MAX, field="reason", required=True, message=_l("Please give a reason."))
    resolution = DisputeResolution(resolution)
    if resolution is DisputeResolution.ADJUSTED:
        minutes = check_minutes(minutes)
    dispute = _locked(dispute, Dispute.provider_statement)
    if dispute.resolution is not None:
        raise Conflict(_l("This dispute is already resolved."))
    declaration = _locked(dispute.declaration, HourDeclaration.status)
    if declaration.status is not DeclarationStatus.CONTESTED:
        raise Conflict(_l("These hours are no longer contested."))
    now = now or utcnow()
    exchange = declaration.exchange
    tx = None
    if resolution is DisputeResolution.CANCELLED:
        declaration.status, settled = DeclarationStatus.CANCELLED, None
    else:
        settled = declaration.minutes if resolution is DisputeResolution.CONFIRMED else minutes
        tx = _settle(declaration, settled, author=actor, memo=f"{exchange.need.title} · {reason}")
        declaration.status, declaration.transaction_id = DeclarationStatus.CONFIRMED, tx.id
    declaration.decided_at, declaration.decided_by = now, actor
    dispute.resolution, dispute.resolved_minutes, dispute.resolution_reason = resolution, settled, reason
    dispute.resolved_by, dispute.resolved_at = actor, now
    db.session.flush()
    members.record_event("dispute.resolved", actor=actor, organisation=exchange.provider, reason=reason,
                         resolution=resolution.value, dispute_id=dispute.id, declaration_id=declaration.id,
                         exchange_id=exchange.id, recipient_id=exchange.recipient_id,
                         declared_minutes=declaration.minutes, resolved_minutes=settled,
                         transaction_id=tx.id if tx else None)
    for org in (exchange.provider, exchange.recipient):
        _notify(org, "dispute_resolved", _l("Dispute resolved: %(title)s", title=exchange.need.title),
                dispute=dispute, exchange=exchange, link=_exchange_link(exchange))
    return tx


def close_exchange(exchange: Exchange, *, actor: Person, now: datetime | None = None) -> None:
    """Either side ends the exchange: no more hours are declared. Hours already declared can
    still be confirmed or contested."""
    _side(actor, exchange)
    _require_open(exchange)
    exchange.status, exchange.closed_at, exchange.closed_by_id = ExchangeStatus.CLOSED, now or utcnow(), actor.id
    db.session.flush()


def leave_feedback(exchange: Exchange, *, actor: Person, text: str, now: datetime | None = None) -> Feedback:
    """One short note per side, which the other side reads. Writing again replaces it."""
    side = _side(actor, exchange)
    text = _text(text, maximum=FEEDBACK_MAX, field="text", required=True)
    org_id = _org(exchange, side).id
    now = now or utcnow()
    query = sa.select(Feedback).where(Feedback.exchange_id == exchange.id, Feedback.organisation_id == org_id)
    feedback = db.session.scalar(query)
    if feedback is None:
        try:
            with db.session.begin_nested():
                feedback = Feedback(exchange_id=exchange.id, organisation_id=org_id, author_id=actor.id, text=text,
                                    created_at=now)
                db.session.add(feedback)
        except IntegrityError:  # written at the same moment by a colleague: theirs is replaced
            feedback = db.session.scalar(query)
    feedback.text, feedback.author_id, feedback.created_at = text, actor.id, now
    db.session.flush()
    return feedback


def settled_minutes(declaration: HourDeclaration) -> int:
    """What the ledger paid for a declaration (a dispute may have adjusted it)."""
    if declaration.status is not DeclarationStatus.CONFIRMED:
        return 0
    dispute = declaration.dispute
    if dispute is not None and dispute.resolved_minutes is not None:
        return dispute.resolved_minutes
    return declaration.minutes


# --- the `remind` job ---------------------------------------------------------------------------


def remind_pending_declarations(now: datetime | None = None) -> int:
    """Remind the recipient, once, of hours waiting for its confirmation."""
    now = now or utcnow()
    config = current_app.config
    declarations = db.session.scalars(
        sa.select(HourDeclaration)
        .where(HourDeclaration.status == DeclarationStatus.DECLARED, HourDeclaration.reminded_at.is_(None),
               HourDeclaration.created_at <= now - timedelta(days=config["CONFIRMATION_REMINDER_DAYS"]),
               HourDeclaration.created_at > now - timedelta(days=config["AUTO_CONFIRM_DAYS"]))
        .order_by(HourDeclaration.id)).all()
    for declaration in declarations:
        exchange = declaration.exchange
        _notify(exchange.recipient, "hours_reminder",
                _l("Reminder: hours of %(org)s wait for your confirmation", org=exchange.provider.name),
                declaration=declaration, exchange=exchange, auto_date=auto_confirm_date(declaration),
                link=_exchange_link(exchange))
        declaration.reminded_at = now
    db.session.flush()
    return len(declarations)


def auto_confirm_declarations(now: datetime | None = None) -> tuple[int, int]:
    """Confirm the hours left unanswered for AUTO_CONFIRM_DAYS (no author, marked automatic).
    One that would take the recipient below its floor stays waiting. Returns (confirmed, refused)."""
    now = now or utcnow()
    ids = db.session.scalars(
        sa.select(HourDeclaration.id)
        .where(HourDeclaration.status == DeclarationStatus.DECLARED,
               HourDeclaration.created_at <= now - timedelta(days=current_app.config["AUTO_CONFIRM_DAYS"]))
        .order_by(HourDeclaration.id)).all()
    confirmed = refused = 0
    for declaration_id in ids:
        declaration = db.session.get(HourDeclaration, declaration_id)
        try:
            with db.session.begin_nested():
                _confirm(declaration, actor=None, now=now)
            confirmed += 1
        except ledger.CreditLimitReached:
            log.info("declaration %s not confirmed automatically: the recipient is at its floor", declaration_id)
            refused += 1
        except Conflict:  # contested meanwhile
            pass
    return confirmed, refused


def remind_pending_proposals(now: datetime | None = None) -> int:
    """Remind, once, the side(s) a proposal has waited on for a week."""
    now = now or utcnow()
    days = current_app.config.get("PROPOSAL_REMINDER_DAYS", PROPOSAL_REMINDER_DAYS)
    proposals = db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.status == ProposalStatus.PENDING, Proposal.reminded_at.is_(None),
               Proposal.created_at <= now - timedelta(days=days))
        .order_by(Proposal.id)).all()
    for proposal in proposals:
        for side in policy.awaited_sides(proposal):
            _notify(_org(proposal, side), "proposal_new",
                    _l("Reminder: a proposal for “%(title)s” waits for your answer", title=proposal.need.title),
                    proposal=proposal, proposer=_org(proposal, _other(side)), link=_proposal_link(proposal),
                    reminder=True)
        proposal.reminded_at = now
    db.session.flush()
    return len(proposals)
