"""A small network whose report figures are computed by hand (see `World` below).

Four approved members:
    A  established, ixelles,    sector social-action, open offer
    B  emerging,    schaerbeek, sector culture
    C  established, ixelles,    sector social-action, public children, open offer
    D  emerging,    forest,     sector culture (no exchange, no offer)

The ledger, through its services (Brussels months 2026-03 … 2026-05 unless said):
    grant   network → fund 1 h           2026-03-02
    tx1     A → B 2 h   it-network       2026-03-10   the fund pays 1 h of it (B is emerging)
    tx2     C → B 1.5 h gdpr-compliance  2026-04-05
    tx3     B → A 1 h   tr-written       2026-04-12
    tx4     A → C 3 h   it-network       2026-04-20   reversed by a coordinator: does not count
    tx5     C → A 0.75 h tr-written      2026-05-03
    gift    A → fund 0.5 h               2026-05-06
    tx6     A → C 1 h   it-network       ten days ago (outside the period; keeps A and C active)

Needs of B: one posted 2026-03-01 10:00 with a proposal 2.5 days later and an exchange (met),
one posted 2026-04-01 with nothing (unmet).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sem.catalogue.models import Competence, Term, TermKind
from sem.core.db import utcnow
from sem.exchanges.models import Exchange, Proposal, ProposalOrigin, ProposalStatus
from sem.extensions import db
from sem.ledger import services as ledger
from sem.market.models import Need, Offer
from sem.members.models import Organisation, Person, Stage

PERIOD = {"from": "2026-03", "to": "2026-05"}


@dataclass
class World:
    a: int
    b: int
    c: int
    d: int
    coordinator: int
    social_action: int  # sector of A and C
    culture: int  # sector of B and D
    children: int  # public of C
    tx4: int


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _term(kind: TermKind, code: str) -> Term:
    return db.session.scalar(sa.select(Term).where(Term.kind == kind, Term.code == code))


def _competence(code: str) -> int:
    return db.session.scalar(sa.select(Competence.id).where(Competence.code == code))


def build_world(app, make, posts) -> World:
    a = make.org("Alpha", commune="ixelles")
    b = make.org("Bravo", stage=Stage.EMERGING, commune="schaerbeek")
    c = make.org("Charlie", commune="ixelles")
    d = make.org("Delta", stage=Stage.EMERGING, commune="forest")
    coordinator = make.coordinator()
    offer_a = posts.offer(a, "it-network")
    posts.offer(c, "gdpr-compliance")
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        social, culture = _term(TermKind.SECTOR, "social-action"), _term(TermKind.SECTOR, "culture")
        children = _term(TermKind.PUBLIC, "children")
        orgs = {org_id: db.session.get(Organisation, org_id) for org_id in (a, b, c, d)}
        orgs[a].terms = [social]
        orgs[b].terms = [culture]
        orgs[c].terms = [social, children]
        orgs[d].terms = [culture]
        boss = db.session.get(Person, coordinator)
        A, B, C = orgs[a], orgs[b], orgs[c]  # noqa: N806

        ledger.grant([None], 60, actor=boss, reason="Fonds", now=at("2026-03-02"))

        def settle(key, provider, recipient, minutes, code, day):
            return ledger.settle_exchange(provider=provider, recipient=recipient, minutes=minutes,
                                          idempotency_key=key, author=None, competence_id=_competence(code),
                                          occurred_on=at(day), now=at(day, 15))

        settle("t1", A, B, 120, "it-network", "2026-03-10")
        settle("t2", C, B, 90, "gdpr-compliance", "2026-04-05")
        settle("t3", B, A, 60, "tr-written", "2026-04-12")
        tx4 = settle("t4", A, C, 180, "it-network", "2026-04-20")
        ledger.reverse(tx4, actor=boss, reason="Encodé par erreur")
        settle("t5", C, A, 45, "tr-written", "2026-05-03")
        ledger.post_transaction(ledger.TransactionKind.DONATION,
                                [(ledger.account_of(A), -30), (ledger.fund_account(ledger.AccountKind.SOLIDARITY), 30)],
                                provider=A, occurred_on=at("2026-05-06"), now=at("2026-05-06"))
        recent = utcnow() - timedelta(days=10)
        ledger.settle_exchange(provider=A, recipient=C, minutes=60, idempotency_key="t6", author=None,
                               competence_id=_competence("it-network"), occurred_on=recent, now=recent)

        met = Need(organisation_id=b, competence_id=_competence("it-network"), title="Réseau", languages=["fr"],
                   estimated_minutes=240, created_at=at("2026-03-01", 10), expires_at=at("2026-06-01"))
        unmet = Need(organisation_id=b, competence_id=_competence("doc-archives"), title="Archives",
                     languages=["fr"], estimated_minutes=120, created_at=at("2026-04-01"),
                     expires_at=at("2026-07-01"))
        db.session.add_all([met, unmet])
        db.session.flush()
        proposal = Proposal(need_id=met.id, offer_id=offer_a, origin=ProposalOrigin.PROVIDER,
                            status=ProposalStatus.ACCEPTED, created_at=at("2026-03-03", 22))
        db.session.add(proposal)
        db.session.flush()
        db.session.add(Exchange(proposal_id=proposal.id, need_id=met.id, offer_id=offer_a, provider_id=a,
                                recipient_id=b, competence_id=met.competence_id, estimate_minutes=240,
                                created_at=at("2026-03-04")))
        assert db.session.get(Offer, offer_a) is not None
        db.session.commit()
        return World(a, b, c, d, coordinator, social.id, culture.id, children.id, tx4.id)


@pytest.fixture
def world(app, make, posts) -> World:
    return build_world(app, make, posts)
