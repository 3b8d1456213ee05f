"""Builders for exchange tests: two member organisations, a need and an offer between them,
and shortcuts that run the services (the lifecycle test goes through the pages instead)."""

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from sem.exchanges import services as exchanges
from sem.exchanges.models import Exchange, HourDeclaration, Proposal
from sem.extensions import db
from sem.ledger.models import LedgerTransaction
from sem.ledger.services import balance_of
from sem.members.models import Organisation, Person, Stage


@dataclass
class Pair:
    """A provider with an open offer, a recipient with an open need (estimate 4 h)."""

    provider: int
    recipient: int
    provider_admin: int
    recipient_admin: int
    offer: int
    need: int


class Flow:
    def __init__(self, app, make, posts):
        self.app, self.make, self.posts = app, make, posts

    def pair(self, *, provider_locale="fr", recipient_locale="fr", recipient_stage=Stage.ESTABLISHED,
             need_code="it-network", offer_code="it-network", hours=4) -> Pair:
        provider = self.make.org(name="Atelier Informatique")
        recipient = self.make.org(name="Maison de Quartier", stage=recipient_stage)
        provider_admin, recipient_admin = self.make.admin_of(provider), self.make.admin_of(recipient)
        with self.app.app_context():
            db.session.get(Person, provider_admin).locale = provider_locale
            db.session.get(Person, recipient_admin).locale = recipient_locale
            db.session.commit()
        offer = self.posts.offer(provider, offer_code, title="Aide réseau")
        need = self.posts.need(recipient, need_code, title="Réparer notre wifi", hours=hours)
        return Pair(provider, recipient, provider_admin, recipient_admin, offer, need)

    def _call(self, action):
        with self.app.test_request_context(base_url=self.app.config["BASE_URL"]):
            result = action()
            db.session.commit()
            return result.id if result is not None else None

    def proposal(self, pair: Pair, *, by_provider=True) -> int:
        from sem.market.models import Need, Offer

        actor_id = pair.provider_admin if by_provider else pair.recipient_admin
        return self._call(lambda: exchanges.create_proposal(
            db.session.get(Need, pair.need), db.session.get(Offer, pair.offer),
            actor=db.session.get(Person, actor_id)))

    def exchange(self, pair: Pair) -> int:
        proposal = self.proposal(pair)
        return self._call(lambda: exchanges.accept_proposal(
            db.session.get(Proposal, proposal), actor=db.session.get(Person, pair.recipient_admin)))

    def declaration(self, pair: Pair, exchange: int, minutes=150, *, note="Installation du routeur") -> int:
        from datetime import date

        return self._call(lambda: exchanges.declare_hours(
            db.session.get(Exchange, exchange), worked_on=date.today(), minutes=minutes, note=note,
            actor=db.session.get(Person, pair.provider_admin)))

    def contest(self, pair: Pair, declaration: int, statement="Nous n'avons reçu qu'une heure d'aide.") -> int:
        return self._call(lambda: exchanges.contest_declaration(
            db.session.get(HourDeclaration, declaration), actor=db.session.get(Person, pair.recipient_admin),
            statement=statement))

    def balances(self, pair: Pair) -> tuple[int, int]:
        with self.app.app_context():
            return (balance_of(db.session.get(Organisation, pair.provider)),
                    balance_of(db.session.get(Organisation, pair.recipient)))

    def transactions(self) -> int:
        with self.app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction))

    def get(self, model, id_):
        """A detached copy of one row, to read its columns after the context closes."""
        with self.app.app_context():
            row = db.session.get(model, id_)
            db.session.expunge(row)
            return row


@pytest.fixture
def flow(app, make, posts):
    return Flow(app, make, posts)


def verify_ledger(app) -> None:
    result = app.test_cli_runner().invoke(args=["sem", "ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "consistent" in result.output
