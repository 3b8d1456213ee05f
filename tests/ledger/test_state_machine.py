"""Any sequence of ledger operations keeps the books exact: a hypothesis state machine runs
random settlements, donations, grants and corrections against a plain in-memory model of
the rules, and after every step the balances agree and every transaction sums to zero."""

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sem.extensions import db
from sem.ledger import services as ledger
from sem.ledger.models import AccountKind, Entry, LedgerTransaction
from sem.members.models import Organisation, Person, Stage
from tests.conftest import _empty_database

NAMES = ("a", "b", "c")
QUARTERS = st.integers(min_value=1, max_value=8).map(lambda q: q * 15)


@pytest.fixture
def machine_env(app, make, monkeypatch):
    # Small limits, so that random runs reach the edges (floors, an exhausted allowance) often.
    monkeypatch.setitem(app.config, "SOLIDARITY_ALLOWANCE_MINUTES", 120)
    monkeypatch.setitem(app.config, "FLOOR_EMERGING_MINUTES", -180)
    monkeypatch.setitem(app.config, "FLOOR_ESTABLISHED_MINUTES", -60)
    return app, make


def test_ledger_matches_a_simple_model(machine_env):
    app, make = machine_env

    class LedgerMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            with app.app_context():
                _empty_database()
            self.ids = {name: make.org(name=f"Org {name}", stage=Stage.EMERGING if name == "c" else Stage.ESTABLISHED)
                        for name in NAMES}
            self.coordinator = make.coordinator()
            self.ctx = app.test_request_context()
            self.ctx.push()
            self.model = {name: 0 for name in NAMES} | {"fund": 0, "network": 0}
            self.used = 0  # minutes of c's allowance used
            self.floors = {name: app.config["FLOOR_EMERGING_MINUTES" if name == "c" else "FLOOR_ESTABLISHED_MINUTES"]
                           for name in NAMES}
            self.allowance = app.config["SOLIDARITY_ALLOWANCE_MINUTES"]
            self.settled = []  # (transaction id, legs in the model)
            self.reversed = set()
            self.keys = 0

        def teardown(self):
            if hasattr(self, "ctx"):
                db.session.rollback()
                self.ctx.pop()

        def org(self, name):
            return db.session.get(Organisation, self.ids[name])

        @rule(provider=st.sampled_from(NAMES), recipient=st.sampled_from(NAMES), minutes=QUARTERS,
              repeat=st.booleans())
        def settle(self, provider, recipient, minutes, repeat):
            if provider == recipient:
                return
            self.keys += 1
            key = f"k{self.keys}"
            fund_share = 0
            if recipient == "c":
                fund_share = min(minutes, self.allowance - self.used, max(0, self.model["fund"]))
            own = minutes - fund_share
            allowed = self.model[recipient] - own >= self.floors[recipient]
            try:
                tx = ledger.settle_exchange(provider=self.org(provider), recipient=self.org(recipient),
                                            minutes=minutes, idempotency_key=key, author=None)
                if repeat:  # a second confirmation pays nothing more
                    assert ledger.settle_exchange(provider=self.org(provider), recipient=self.org(recipient),
                                                  minutes=minutes, idempotency_key=key, author=None).id == tx.id
                db.session.commit()
            except ledger.CreditLimitReached:
                db.session.rollback()
                assert not allowed
                return
            assert allowed
            legs = {provider: minutes, "fund": -fund_share, recipient: -own}
            self.apply(legs)
            if recipient == "c":
                self.used += fund_share
            self.settled.append((tx.id, legs))

        @rule(name=st.sampled_from(NAMES), minutes=QUARTERS)
        def donate(self, name, minutes):
            allowed = self.model[name] - minutes >= self.floors[name]
            try:
                tx = ledger.donate(self.org(name), minutes, actor=db.session.get(Person, self.coordinator))
                db.session.commit()
            except ledger.CreditLimitReached:
                db.session.rollback()
                assert not allowed
                return
            assert allowed
            legs = {name: -minutes, "fund": minutes}
            self.apply(legs)
            self.settled.append((tx.id, legs))

        @rule(beneficiary=st.sampled_from((*NAMES, None)), minutes=QUARTERS)
        def grant(self, beneficiary, minutes):
            (tx,) = ledger.grant([self.org(beneficiary) if beneficiary else None], minutes,
                                 actor=db.session.get(Person, self.coordinator), reason="test")
            db.session.commit()
            legs = {"network": -minutes, beneficiary or "fund": minutes}
            self.apply(legs)
            self.settled.append((tx.id, legs))

        @rule(data=st.data())
        def correct(self, data):
            candidates = [item for item in self.settled if item[0] not in self.reversed]
            if not candidates:
                return
            tx_id, legs = data.draw(st.sampled_from(candidates))
            inverse = {name: -amount for name, amount in legs.items()}
            floors = {**self.floors, "fund": 0}
            allowed = all(self.model[name] + amount >= floors[name] for name, amount in inverse.items()
                          if amount < 0 and name != "network")
            try:
                ledger.reverse(db.session.get(LedgerTransaction, tx_id),
                               actor=db.session.get(Person, self.coordinator), reason="correction")
                db.session.commit()
            except ledger.CreditLimitReached:
                db.session.rollback()
                assert not allowed
                return
            assert allowed
            self.apply(inverse)
            self.reversed.add(tx_id)

        def apply(self, legs):
            for name, amount in legs.items():
                self.model[name] += amount

        @invariant()
        def books_agree(self):
            if not hasattr(self, "ctx"):
                return
            for name in NAMES:
                assert ledger.balance_of(self.org(name)) == self.model[name], name
            assert ledger.fund_account(AccountKind.SOLIDARITY).balance_minutes == self.model["fund"]
            assert ledger.fund_account(AccountKind.NETWORK).balance_minutes == self.model["network"]
            assert sum(self.model.values()) == 0
            unbalanced = db.session.execute(sa.select(Entry.transaction_id).group_by(Entry.transaction_id)
                                            .having(sa.func.sum(Entry.amount_minutes) != 0)).all()
            assert unbalanced == []

    LedgerMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=30, deadline=None, derandomize=True,
                                               database=None,
                                               suppress_health_check=list(HealthCheck))
    LedgerMachine.TestCase().runTest()
    with app.test_request_context():
        assert ledger.verify().ok
