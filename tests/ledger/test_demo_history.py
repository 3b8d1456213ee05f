"""The demo network comes with a year of plausible, verifiable exchange history."""

import sqlalchemy as sa

from sem.extensions import db
from sem.ledger import services as ledger
from sem.ledger.models import LedgerTransaction, TransactionKind


def test_demo_adds_a_year_of_exchanges_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["sem", "demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        exchanges = db.session.scalars(sa.select(LedgerTransaction)
                                       .where(LedgerTransaction.kind == TransactionKind.EXCHANGE)).all()
        assert len(exchanges) >= 50
        months = {(tx.created_at.year, tx.created_at.month) for tx in exchanges}
        assert len(months) >= 10
        assert len({(tx.provider_id, tx.recipient_id) for tx in exchanges}) >= 30  # many partnerships
        assert ledger.verify().ok
        total = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction))
    second = runner.invoke(args=["sem", "demo"])
    assert "0 exchange(s)" in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == total
    assert runner.invoke(args=["sem", "ledger", "verify"]).exit_code == 0
