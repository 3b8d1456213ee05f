"""`flask sem demo --scale …`: large generated networks whose ledger is as valid as one
written transaction by transaction (balanced, floors kept, hash chains right)."""

import sqlalchemy as sa

from sem.demo import load_demo
from sem.demo_scale import DOMAIN, Scale, load_scale
from sem.extensions import db
from sem.ledger import services as ledger
from sem.ledger.models import Account, Entry, LedgerTransaction
from sem.market import directory
from sem.market.models import Need, Offer, PostStatus
from sem.market.search import SearchDocument
from sem.members.models import Organisation, Person

TINY = Scale(organisations=12, open_posts=30, entries=400, years=2)


def _generated(model):
    return (sa.select(sa.func.count()).select_from(model).join(Organisation, model.organisation_id == Organisation.id)
            .join(Person, Person.organisation_id == Organisation.id).where(Person.email.like(f"%@{DOMAIN}")))


def test_a_tiny_scale_gives_the_counts_asked_and_a_ledger_that_verifies(app):
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        load_demo()  # what load_scale starts with: the ordinary demo network and its history
        db.session.flush()
        before = {"entries": db.session.scalar(sa.select(sa.func.count()).select_from(Entry))}
        counts = load_scale(TINY)
        db.session.commit()
        assert counts["organisations"] == 12
        assert counts["offers"] + counts["needs"] == 30
        assert db.session.scalar(_generated(Offer).where(Offer.status == PostStatus.OPEN)) == counts["offers"]
        assert db.session.scalar(_generated(Need).where(Need.status == PostStatus.OPEN)) == counts["needs"]
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(Entry))
        assert counts["entries"] == entries - before["entries"] and 400 <= counts["entries"] <= 402
        # Five kinds of check in one: sums, chains, hashes, cached balances and counts.
        report = ledger.verify()
        assert report.ok, report.problems[:5]
        # The reports' monthly figures were rebuilt after the bulk load.
        from sem.reports import aggregate

        assert counts["monthly_rows"] > 0 and aggregate.check().ok
        # Every transaction sums to zero, and no account is below its floor.
        assert not db.session.execute(sa.select(Entry.transaction_id).group_by(Entry.transaction_id)
                                      .having(sa.func.sum(Entry.amount_minutes) != 0)).all()
        assert not db.session.scalars(sa.select(Account).where(
            Account.floor_minutes.is_not(None), Account.balance_minutes < Account.floor_minutes)).all()
        assert not db.session.execute(sa.select(Entry.id).join(Account, Entry.account_id == Account.id).where(
            Account.floor_minutes.is_not(None), Entry.balance_after < Account.floor_minutes)).all()
        # History spread over the years asked, in order.
        first, last = db.session.execute(sa.select(sa.func.min(LedgerTransaction.created_at),
                                                   sa.func.max(LedgerTransaction.created_at))).one()
        assert (last - first).days >= 365
        # Search documents exist for every generated organisation and post: the directory finds them.
        org = db.session.scalar(sa.select(Organisation).join(Person).where(Person.email.like(f"%@{DOMAIN}"))
                                .order_by(Organisation.id.desc()).limit(1))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchDocument)
                                 .where(SearchDocument.kind == "organisation", SearchDocument.ref_id == org.id)) == 1
        found = directory.find("organisation", directory.Filters(q=org.name.split()[-1]), page=1)
        assert [o.id for o in found.items] == [org.id]


def test_settlements_continue_the_generated_chains(app):
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        load_scale(TINY)
        db.session.commit()
        giver, taker = db.session.scalars(sa.select(Organisation).join(Person)
                                          .where(Person.email.like(f"%@{DOMAIN}")).order_by(Organisation.id)
                                          .limit(2)).all()
        ledger.grant([taker], 600, actor=db.session.scalar(sa.select(Person).where(Person.is_coordinator)),
                     reason="test")
        ledger.settle_exchange(provider=giver, recipient=taker, minutes=60, idempotency_key="after-scale",
                               author=None)
        db.session.commit()
        assert ledger.verify().ok


def test_the_command_generates_once_per_database(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["sem", "demo", "--scale", "small"])
    assert first.exit_code == 0, first.output
    assert "Generated 50 organisation(s)" in first.output
    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # vacuumed after the bulk load, as autovacuum would
            assert db.session.scalar(sa.text(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'ledger_entry'"))
    again = runner.invoke(args=["sem", "demo", "--scale", "small"])
    assert again.exit_code != 0 and "already loaded" in again.output
    assert runner.invoke(args=["sem", "ledger", "verify"]).exit_code == 0
