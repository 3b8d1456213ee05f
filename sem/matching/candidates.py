"""Candidate pairs, gathered in bulk: a handful of plain column selects, then NumPy arrays
(one value per pair), never one ORM object per pair, so that 10,000 needs × 10,000 offers
(half a million pairs) take seconds.

A pair (need, offer) is a candidate when:

- both posts are open and not past their expiry, and both organisations are approved members;
- the offer's competence is the need's, or — only for a need that has fewer than k
  same-competence candidates — another competence of the same domain (scored lower);
- they share at least one language;
- the modes are compatible: needs state no mode, so an offer given on site only is a
  candidate only when both organisations are in the Brussels Region;
- the organisations differ;
- the pair has never been proposed (whatever became of it: a declined pair stays declined,
  a pending or accepted one is not duplicated, one left to expire is not sent again), and the
  need is not already waiting on another offer of the same organisation (the assignment, for
  its part, chooses at most one offer per organisation for a need);
- the need still has room: k minus its pending proposals, and no exchange started on it;
- the offer has capacity left this month: its monthly capacity minus the minutes declared
  on its exchanges this month (Brussels time); it takes one pending proposal per
  OFFER_UNIT_MINUTES of that, minus the proposals already pending on it;
- the credit floor: the recipient can pay the need's estimate without going below its
  floor. Its headroom is balance − floor, plus (emerging members) the solidarity allowance
  it has left this year, as far as the fund holds hours. A recipient's needs are admitted
  urgent first, then oldest first, while their estimates *together* fit in that headroom
  (`affordable_needs`); the others get no proposal in this run. So settling every admitted
  need in full cannot take the recipient below its floor (the ledger refuses it anyway).
  Hours of exchanges already under way are not counted against the headroom: they are
  charged when confirmed, and the ledger refuses a confirmation that would cross the floor.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from flask import current_app

from sem.catalogue.models import Competence, Domain, Term, TermKind
from sem.core.db import utcnow
from sem.exchanges.models import DeclarationStatus, Exchange, HourDeclaration, Proposal, ProposalStatus
from sem.extensions import db
from sem.ledger.models import Account, AccountKind, Entry, FloorRule, LedgerTransaction, TransactionKind
from sem.market.models import Mode, Need, Offer, PostStatus, Urgency
from sem.market.search import _WORD, word_forms
from sem.matching import assignment, scoring
from sem.members.models import Organisation, OrgStatus, Stage, organisation_term

BRUSSELS = ZoneInfo("Europe/Brussels")
OFFER_UNIT_MINUTES = assignment.OFFER_UNIT_MINUTES


@dataclass
class Candidates:
    """Needs and offers (arrays indexed by position) and the candidate pairs between them."""

    need_ids: np.ndarray
    offer_ids: np.ndarray
    need_limit: np.ndarray
    offer_limit: np.ndarray
    pair_need: np.ndarray  # positions in need_ids
    pair_offer: np.ndarray  # positions in offer_ids
    parts: dict[str, np.ndarray] = field(default_factory=dict)
    scores: np.ndarray | None = None
    need_org: np.ndarray | None = None
    offer_org: np.ndarray | None = None
    minutes_of_need: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.pair_need)

    def parts_of(self, i: int) -> dict[str, float]:
        return {p: float(self.parts[p][i]) for p in scoring.PARTS}


def _words(*texts: str) -> list[str]:
    return [form for text in texts for word in _WORD.findall(text or "") for form in word_forms(word)]


def _rows(query) -> list:
    return db.session.execute(query).all()


def _pair_key(a, b):
    return np.asarray(a, dtype=np.int64) * (1 << 32) + np.asarray(b, dtype=np.int64)


def _month_start(now: datetime) -> date:
    return now.astimezone(BRUSSELS).date().replace(day=1)


def _organisations(now: datetime):
    """Approved organisations: stage, commune, publics bit mask, balance headroom."""
    config = current_app.config
    rows = _rows(sa.select(Organisation.id, Organisation.stage, Organisation.commune)
                 .where(Organisation.status == OrgStatus.APPROVED))
    orgs = {r.id: {"emerging": r.stage is Stage.EMERGING, "commune": scoring.commune_index(r.commune),
                   "in_brussels": (r.commune or "elsewhere") != scoring.OUTSIDE, "publics": 0,
                   "balance": 0, "stage": r.stage} for r in rows}
    public_bits: dict[int, int] = {}
    for org_id, term_id in _rows(sa.select(organisation_term.c.organisation_id, organisation_term.c.term_id)
                                 .join(Term, Term.id == organisation_term.c.term_id)
                                 .where(Term.kind == TermKind.PUBLIC)):
        if org_id in orgs:
            bit = public_bits.setdefault(term_id, len(public_bits) % 63)
            orgs[org_id]["publics"] |= 1 << bit
    for org_id, balance in _rows(sa.select(Account.organisation_id, Account.balance_minutes)
                                 .where(Account.kind == AccountKind.ORGANISATION)):
        if org_id in orgs:
            orgs[org_id]["balance"] = balance
    # Floors: an organisation's own latest rule, else its stage's latest, else the default.
    own, by_stage = {}, {}
    for rule in _rows(sa.select(FloorRule.organisation_id, FloorRule.stage, FloorRule.floor_minutes)
                      .order_by(FloorRule.id)):
        if rule.organisation_id is not None:
            own[rule.organisation_id] = rule.floor_minutes
        else:
            by_stage[rule.stage] = rule.floor_minutes
    defaults = {Stage.EMERGING: config["FLOOR_EMERGING_MINUTES"],
                Stage.ESTABLISHED: config["FLOOR_ESTABLISHED_MINUTES"]}
    # The solidarity allowance left this year, as far as the fund holds hours.
    fund = db.session.execute(sa.select(Account.id, Account.balance_minutes).where(
        Account.kind == AccountKind.SOLIDARITY, Account.organisation_id.is_(None))).first()
    used = {}
    if fund is not None:
        local = now.astimezone(BRUSSELS)
        year_start = datetime(local.year, 1, 1, tzinfo=BRUSSELS).astimezone(UTC)
        used = dict(_rows(
            sa.select(LedgerTransaction.recipient_id, -sa.func.sum(Entry.amount_minutes))
            .join(LedgerTransaction, Entry.transaction_id == LedgerTransaction.id)
            .where(Entry.account_id == fund.id, LedgerTransaction.kind == TransactionKind.EXCHANGE,
                   LedgerTransaction.created_at >= year_start)
            .group_by(LedgerTransaction.recipient_id)))
    fund_balance = max(0, fund.balance_minutes) if fund is not None else 0
    allowance = config["SOLIDARITY_ALLOWANCE_MINUTES"]
    for org_id, org in orgs.items():
        floor = own.get(org_id, by_stage.get(org["stage"], defaults[org["stage"]]))
        left = min(max(0, allowance - (used.get(org_id) or 0)), fund_balance) if org["emerging"] else 0
        org["headroom"] = org["balance"] - floor + left
    return orgs


def affordable_needs(needs, live, orgs) -> np.ndarray:
    """The credit-floor rule: each recipient's live needs (no exchange started on them; those
    already waiting on proposals count too) are admitted urgent first, then oldest first,
    while their estimates *together* fit in its headroom; a need that does not fit is
    skipped, and smaller ones after it may still fit."""
    order = sorted(range(len(needs)), key=lambda i: (needs[i].urgency is not Urgency.URGENT, needs[i].created_at,
                                                     needs[i].id))
    room = {org_id: org["headroom"] for org_id, org in orgs.items()}
    ok = np.zeros(len(needs), dtype=bool)
    for i in order:
        need = needs[i]
        if live[i] and need.estimated_minutes <= room[need.organisation_id]:
            room[need.organisation_id] -= need.estimated_minutes
            ok[i] = True
    return ok


def gather(*, k: int, now: datetime | None = None, need_ids: list[int] | None = None,
           ignore_need_room: bool = False) -> Candidates:
    """The candidate pairs for every open need (or only `need_ids`), with their score parts
    (unweighted; see `score`)."""
    now = now or utcnow()
    orgs = _organisations(now)
    org_ids = list(orgs)

    competence_domain = dict(_rows(sa.select(Competence.id, Competence.domain_id)))
    labels = {c.id: (c.label_fr, c.label_nl, c.label_en, c.dlabel_fr, c.dlabel_nl, c.dlabel_en)
              for c in _rows(sa.select(Competence.id, Competence.label_fr, Competence.label_nl,
                                       Competence.label_en, Domain.label_fr.label("dlabel_fr"),
                                       Domain.label_nl.label("dlabel_nl"), Domain.label_en.label("dlabel_en"))
                             .join(Domain, Domain.id == Competence.domain_id))}

    need_query = (sa.select(Need.id, Need.organisation_id, Need.competence_id, Need.language_mask, Need.urgency,
                            Need.estimated_minutes, Need.wished_by, Need.created_at, Need.title, Need.description)
                  .where(Need.status == PostStatus.OPEN, Need.expires_at > now)
                  .order_by(Need.id))
    if need_ids is not None:
        need_query = need_query.where(Need.id.in_(need_ids))
    needs = [r for r in _rows(need_query) if r.organisation_id in orgs]
    offers = [r for r in _rows(
        sa.select(Offer.id, Offer.organisation_id, Offer.competence_id, Offer.language_mask, Offer.mode,
                  Offer.monthly_capacity_minutes, Offer.title, Offer.description)
        .where(Offer.status == PostStatus.OPEN, Offer.expires_at > now).order_by(Offer.id))
        if r.organisation_id in orgs]

    # Room on each need: k minus its pending proposals; none once an exchange started on it.
    pending_on_need, pending_on_offer, started = {}, {}, set()
    existing, pending_from = [], []
    for need_id, offer_id, provider_id, status in _rows(
            sa.select(Proposal.need_id, Proposal.offer_id, Offer.organisation_id, Proposal.status)
            .join(Need, Need.id == Proposal.need_id)
            .join(Offer, Offer.id == Proposal.offer_id)
            .where(Need.status == PostStatus.OPEN)):
        existing.append((need_id, offer_id))
        if status is ProposalStatus.PENDING:
            pending_on_need[need_id] = pending_on_need.get(need_id, 0) + 1
            pending_on_offer[offer_id] = pending_on_offer.get(offer_id, 0) + 1
            pending_from.append((need_id, provider_id))
        elif status is ProposalStatus.ACCEPTED:
            started.add(need_id)
    declared = dict(_rows(
        sa.select(Exchange.offer_id, sa.func.sum(HourDeclaration.minutes))
        .join(HourDeclaration, HourDeclaration.exchange_id == Exchange.id)
        .where(HourDeclaration.status != DeclarationStatus.CANCELLED,
               HourDeclaration.worked_on >= _month_start(now))
        .group_by(Exchange.offer_id)))

    today = now.astimezone(BRUSSELS).date()
    need_limit = np.array([0 if n.id in started else k - pending_on_need.get(n.id, 0) for n in needs],
                          dtype=np.int64)
    if ignore_need_room:
        need_limit = np.where([n.id in started for n in needs], 0, k).astype(np.int64)
    need_limit = np.maximum(need_limit, 0)
    need_limit[~affordable_needs(needs, np.array([n.id not in started for n in needs], dtype=bool), orgs)] = 0
    left = np.array([o.monthly_capacity_minutes - (declared.get(o.id) or 0) for o in offers], dtype=np.int64)
    offer_limit = np.maximum(left // OFFER_UNIT_MINUTES
                             - np.array([pending_on_offer.get(o.id, 0) for o in offers], dtype=np.int64), 0)

    need_arr = {
        "id": np.array([n.id for n in needs], dtype=np.int64),
        "org": np.array([n.organisation_id for n in needs], dtype=np.int64),
        "competence": np.array([n.competence_id for n in needs], dtype=np.int64),
        "domain": np.array([competence_domain.get(n.competence_id, -1) for n in needs], dtype=np.int64),
        "languages": np.array([n.language_mask for n in needs], dtype=np.int64),
    }
    offer_arr = {
        "id": np.array([o.id for o in offers], dtype=np.int64),
        "org": np.array([o.organisation_id for o in offers], dtype=np.int64),
        "competence": np.array([o.competence_id for o in offers], dtype=np.int64),
        "domain": np.array([competence_domain.get(o.competence_id, -1) for o in offers], dtype=np.int64),
        "languages": np.array([o.language_mask for o in offers], dtype=np.int64),
        "on_site": np.array([o.mode is Mode.ON_SITE for o in offers], dtype=bool),
    }
    usable_needs = np.flatnonzero(need_limit > 0)
    usable_offers = np.flatnonzero(offer_limit > 0)

    def pairs_by(key: str, need_pos: np.ndarray):
        """Every (need, offer) pair sharing the value of `key` (competence or domain)."""
        offer_pos = usable_offers[np.argsort(offer_arr[key][usable_offers], kind="stable")]
        offer_keys = offer_arr[key][offer_pos]
        need_keys = need_arr[key][need_pos]
        starts = np.searchsorted(offer_keys, need_keys, side="left")
        stops = np.searchsorted(offer_keys, need_keys, side="right")
        counts = stops - starts
        total = int(counts.sum())
        pn = np.repeat(need_pos, counts)
        first = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        po = offer_pos[first + np.arange(total)] if total else np.zeros(0, dtype=np.int64)
        return pn, po

    org_pos = {o: i for i, o in enumerate(org_ids)}
    in_brussels = np.array([orgs[o]["in_brussels"] for o in org_ids], dtype=bool)
    need_arr["org_pos"] = np.array([org_pos[o] for o in need_arr["org"]], dtype=np.int64)
    offer_arr["org_pos"] = np.array([org_pos[o] for o in offer_arr["org"]], dtype=np.int64)

    def keep(pn, po):
        ok = need_arr["org"][pn] != offer_arr["org"][po]
        ok &= (need_arr["languages"][pn] & offer_arr["languages"][po]) != 0
        both_in_brussels = in_brussels[need_arr["org_pos"][pn]] & in_brussels[offer_arr["org_pos"][po]]
        ok &= ~offer_arr["on_site"][po] | both_in_brussels
        if existing:
            keys = _pair_key(need_arr["id"][pn], offer_arr["id"][po])
            ok &= ~np.isin(keys, _pair_key(*zip(*existing, strict=True)))
        # A need already waiting on an organisation gets no second offer of it from a run; a
        # coordinator matching by hand (ignore_need_room) may still choose one.
        if pending_from and not ignore_need_room:
            keys = _pair_key(need_arr["id"][pn], offer_arr["org"][po])
            ok &= ~np.isin(keys, _pair_key(*zip(*pending_from, strict=True)))
        return pn[ok], po[ok]

    pn, po = keep(*pairs_by("competence", usable_needs))
    per_need = np.bincount(pn, minlength=len(needs))
    short = usable_needs[per_need[usable_needs] < need_limit[usable_needs]]
    dn, do = keep(*pairs_by("domain", short))
    other = need_arr["competence"][dn] != offer_arr["competence"][do]
    pair_need = np.concatenate([pn, dn[other]])
    pair_offer = np.concatenate([po, do[other]])

    result = Candidates(need_ids=need_arr["id"], offer_ids=offer_arr["id"], need_limit=need_limit,
                        offer_limit=offer_limit, pair_need=pair_need, pair_offer=pair_offer,
                        need_org=need_arr["org"], offer_org=offer_arr["org"],
                        minutes_of_need=np.array([n.estimated_minutes for n in needs], dtype=np.int64))
    if len(pair_need) == 0:
        result.parts = {p: np.zeros(0) for p in scoring.PARTS}
        return result

    # --- score parts, one array each ---
    used_needs, used_offers = np.unique(pair_need), np.unique(pair_offer)
    need_tokens = {i: _words(needs[i].title, needs[i].description, *labels.get(needs[i].competence_id, ()))
                   for i in used_needs}
    offer_tokens = {i: _words(offers[i].title, offers[i].description, *labels.get(offers[i].competence_id, ()))
                    for i in used_offers}
    model = scoring.TextModel([*need_tokens.values(), *offer_tokens.values()])
    need_row = np.zeros(len(needs), dtype=np.int64)
    need_row[used_needs] = np.arange(len(used_needs))
    offer_row = np.zeros(len(offers), dtype=np.int64)
    offer_row[used_offers] = np.arange(len(used_offers))
    text = scoring.text_similarity(model.matrix(list(need_tokens.values())), model.matrix(list(offer_tokens.values())),
                                   need_row[pair_need], offer_row[pair_offer])

    urgent = np.array([n.urgency is Urgency.URGENT for n in needs], dtype=bool)
    waiting = np.array([(now - n.created_at).total_seconds() / 86400 for n in needs])
    to_wish = np.array([(n.wished_by - today).days if n.wished_by else np.nan for n in needs])
    balance = np.array([orgs[o]["balance"] for o in org_ids], dtype=np.int64)
    emerging = np.array([orgs[o]["emerging"] for o in org_ids], dtype=bool)
    publics = np.array([orgs[o]["publics"] for o in org_ids], dtype=np.uint64)
    commune = np.array([orgs[o]["commune"] for o in org_ids], dtype=np.int64)
    need_o, offer_o = need_arr["org_pos"][pair_need], offer_arr["org_pos"][pair_offer]
    partners = _rows(sa.select(Exchange.provider_id, Exchange.recipient_id).distinct())
    if partners:
        a, b = zip(*partners, strict=True)
        known = np.concatenate([_pair_key(a, b), _pair_key(b, a)])
        exchanged = np.isin(_pair_key(need_arr["org"][pair_need], offer_arr["org"][pair_offer]), known)
    else:
        exchanged = np.zeros(len(pair_need), dtype=bool)

    result.parts = {
        "competence": scoring.competence_fit(need_arr["competence"][pair_need] == offer_arr["competence"][pair_offer]),
        "text": text,
        "urgency": scoring.urgency(urgent=urgent[pair_need], waiting_days=waiting[pair_need],
                                   days_to_wish=to_wish[pair_need]),
        "reciprocity": scoring.reciprocity(provider_balance=balance[offer_o], recipient_balance=balance[need_o],
                                           recipient_emerging=emerging[need_o]),
        "publics": scoring.shared_publics(publics[need_o], publics[offer_o]),
        "partnership": scoring.new_partnership(exchanged),
        "proximity": scoring.proximity(commune[need_o], commune[offer_o]),
    }
    return result


def score(candidates: Candidates, weights: dict) -> np.ndarray:
    candidates.scores = scoring.total(candidates.parts, weights) if len(candidates) else np.zeros(0)
    return candidates.scores
