"""The ledger's promises: exact, double-entry, append-only, paid once, floors and the
solidarity allowance respected, corrections traced, tampering detected."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from sem.extensions import db
from sem.ledger import services as ledger
from sem.ledger.models import Account, AccountKind, Entry, FloorRule, LedgerTransaction, TransactionKind
from sem.members.models import AuditEvent, Organisation, Person, Stage

H = 60  # minutes in an hour


@pytest.fixture
def orgs(app, make):
    ids = {"giver": make.org(name="Donne", stage=Stage.ESTABLISHED),
           "taker": make.org(name="Reçoit", stage=Stage.ESTABLISHED),
           "young": make.org(name="Jeune", stage=Stage.EMERGING)}
    ids["coordinator"] = make.coordinator()
    return ids


@pytest.fixture
def lg(app, orgs, ctx):
    """Objects of the current session, by name."""
    class Loaded:
        def __getattr__(self, name):
            model = Person if name == "coordinator" else Organisation
            return db.session.get(model, orgs[name])
    return Loaded()


def settle(provider, recipient, minutes, key):
    return ledger.settle_exchange(provider=provider, recipient=recipient, minutes=minutes, idempotency_key=key,
                                  author=None)


def balances(*orgs):
    return [ledger.balance_of(org) for org in orgs]


def test_one_hour_given_is_one_hour_of_credit(lg):
    tx = settle(lg.giver, lg.taker, 90, "declaration:1")
    db.session.commit()
    assert balances(lg.giver, lg.taker) == [90, -90]
    assert sorted(e.amount_minutes for e in tx.entries) == [-90, 90]
    assert tx.kind is TransactionKind.EXCHANGE and tx.minutes == 90
    assert ledger.verify().ok


def test_second_confirmation_does_not_pay_twice(lg):
    first = settle(lg.giver, lg.taker, 60, "declaration:7")
    second = settle(lg.giver, lg.taker, 60, "declaration:7")
    db.session.commit()
    assert first.id == second.id
    assert balances(lg.giver, lg.taker) == [60, -60]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 1


def test_amounts_are_whole_quarter_hours(lg):
    for bad in (0, -15, 10, 61):
        with pytest.raises(ledger.DomainError):
            settle(lg.giver, lg.taker, bad, f"bad:{bad}")
    with pytest.raises(ValueError):
        ledger.post_transaction(TransactionKind.GRANT, [(ledger.account_of(lg.giver), 60),
                                                       (ledger.account_of(lg.taker), -30)], reason="x")


def test_established_member_stops_at_its_floor(app, lg):
    floor = app.config["FLOOR_ESTABLISHED_MINUTES"]  # -5 h
    settle(lg.giver, lg.taker, -floor, "edge")  # exactly down to the floor: allowed
    db.session.commit()
    assert ledger.balance_of(lg.taker) == floor
    with pytest.raises(ledger.CreditLimitReached):
        settle(lg.giver, lg.taker, 15, "beyond")
    db.session.rollback()
    assert balances(lg.giver, lg.taker) == [-floor, floor]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 1


def test_emerging_member_receives_before_giving(app, lg):
    """Its yearly allowance is charged to the solidarity fund first, while the fund holds hours."""
    ledger.grant([None], 30 * H, actor=lg.coordinator, reason="Dotation annuelle du fonds")
    allowance = app.config["SOLIDARITY_ALLOWANCE_MINUTES"]  # 20 h
    settle(lg.giver, lg.young, 15 * H, "a")
    assert ledger.balance_of(lg.young) == 0  # all from the fund
    settle(lg.giver, lg.young, 8 * H, "b")  # 5 h left in the allowance, 3 h its own
    db.session.commit()
    assert ledger.allowance_used(lg.young) == allowance
    assert ledger.balance_of(lg.young) == -3 * H
    fund = ledger.fund_account(AccountKind.SOLIDARITY)
    assert fund.balance_minutes == 30 * H - allowance
    assert ledger.balance_of(lg.giver) == 23 * H
    assert ledger.verify().ok


def test_an_empty_fund_pays_nothing_and_the_emerging_floor_still_holds(app, lg):
    floor = app.config["FLOOR_EMERGING_MINUTES"]  # -20 h
    settle(lg.giver, lg.young, -floor, "all-own")
    db.session.commit()
    assert ledger.balance_of(lg.young) == floor
    with pytest.raises(ledger.CreditLimitReached):
        settle(lg.giver, lg.young, 15, "over")


def test_members_donate_to_the_fund_within_their_floor(lg):
    settle(lg.taker, lg.giver, 2 * H, "earned")
    ledger.donate(lg.taker, 2 * H, actor=lg.coordinator)
    db.session.commit()
    assert ledger.fund_account(AccountKind.SOLIDARITY).balance_minutes == 2 * H
    with pytest.raises(ledger.CreditLimitReached):
        ledger.donate(lg.taker, 6 * H, actor=lg.coordinator)


def test_grants_need_a_reason_and_go_to_the_audit_log(lg):
    with pytest.raises(ledger.DomainError):
        ledger.grant([lg.young], 60, actor=lg.coordinator, reason=" ")
    ledger.grant([lg.young, lg.taker], 4 * H, actor=lg.coordinator, reason="Lancement du réseau")
    db.session.commit()
    assert balances(lg.young, lg.taker) == [4 * H, 4 * H]
    assert ledger.fund_account(AccountKind.NETWORK).balance_minutes == -8 * H
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "ledger.granted")) == 2


def test_a_correction_reverses_once_and_leaves_a_trace(lg):
    tx = settle(lg.giver, lg.taker, 3 * H, "oops")
    correction = ledger.reverse(tx, actor=lg.coordinator, reason="Déclaré deux fois")
    db.session.commit()
    assert balances(lg.giver, lg.taker) == [0, 0]
    assert correction.reverses_id == tx.id and correction.reason == "Déclaré deux fois"
    with pytest.raises(ledger.Conflict):
        ledger.reverse(tx, actor=lg.coordinator, reason="encore")
    with pytest.raises(ledger.Conflict):
        ledger.reverse(correction, actor=lg.coordinator, reason="annuler l'annulation")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 2
    assert ledger.verify().ok


def test_floor_rules_keep_their_history_and_an_organisation_rule_wins(app, lg):
    ledger.set_floor(stage=Stage.ESTABLISHED, floor_minutes=-10 * H, reason="Assemblée", actor=lg.coordinator)
    ledger.set_floor(organisation=lg.taker, floor_minutes=-2 * H, reason="Cas particulier", actor=lg.coordinator)
    db.session.commit()
    assert ledger.effective_floor(lg.giver) == -10 * H
    assert ledger.effective_floor(lg.taker) == -2 * H
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FloorRule)) == 2
    with pytest.raises(ledger.CreditLimitReached):
        settle(lg.giver, lg.taker, 3 * H, "over-own-floor")
    db.session.rollback()
    settle(lg.taker, lg.giver, 9 * H, "within-stage-floor")
    db.session.commit()
    assert ledger.balance_of(lg.giver) == -9 * H


def test_raising_a_floor_above_a_balance_keeps_the_account_valid(lg):
    settle(lg.giver, lg.taker, 4 * H, "down")
    ledger.set_floor(organisation=lg.taker, floor_minutes=-H, reason="Plus prudent", actor=lg.coordinator)
    db.session.commit()
    account = ledger.account_of(lg.taker)
    assert account.floor_minutes == -4 * H  # where it stands; it can only go up
    with pytest.raises(ledger.CreditLimitReached):
        settle(lg.giver, lg.taker, 15, "further")


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entry SET amount_minutes = amount_minutes + 60",
    "DELETE FROM ledger_entry",
    "UPDATE ledger_transaction SET memo = 'changed'",
    "DELETE FROM ledger_transaction",
])
def test_the_database_refuses_to_change_ledger_rows(app, lg, statement):
    settle(lg.giver, lg.taker, 60, "x")
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(sa.text(statement))


def test_the_database_refuses_an_overdraft_written_behind_the_services(app, lg):
    account = ledger.account_of(lg.taker)
    db.session.commit()
    with pytest.raises(DBAPIError):
        with db.engine.begin() as conn:  # an overdraft written behind the services' back
            conn.execute(sa.text("UPDATE ledger_account SET balance_minutes = -100000 WHERE id = :id"),
                         {"id": account.id})


def _tamper(statement, **params):
    postgresql = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL sem.ledger_maintenance = 'on'" if postgresql
                             else "UPDATE ledger_guard SET maintenance = 1"))
        conn.execute(sa.text(statement), params)
        if not postgresql:
            conn.execute(sa.text("UPDATE ledger_guard SET maintenance = 0"))


def test_ledger_verify_names_the_first_tampered_transaction(app, lg):
    settle(lg.giver, lg.taker, 60, "one")
    second = settle(lg.giver, lg.taker, 2 * H, "two")
    settle(lg.taker, lg.giver, 30, "three")
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["sem", "ledger", "verify"]).exit_code == 0
    _tamper("UPDATE ledger_transaction SET memo = 'rewritten' WHERE id = :id", id=second.id)
    db.session.expire_all()
    report = ledger.verify()
    assert not report.ok and report.first_bad_transaction == second.id
    result = runner.invoke(args=["sem", "ledger", "verify"])
    assert result.exit_code != 0 and f"first bad transaction {second.id}" in result.output


def test_ledger_verify_catches_a_changed_amount_and_a_wrong_cache(app, lg):
    tx = settle(lg.giver, lg.taker, 60, "one")
    db.session.commit()
    entry_id = min(e.id for e in tx.entries)
    _tamper("UPDATE ledger_entry SET amount_minutes = amount_minutes * 2 WHERE id = :id", id=entry_id)
    report = ledger.verify()
    assert not report.ok and report.first_bad_transaction == tx.id
    assert any("sums to" in problem for _, problem in report.problems)


def test_verify_reads_every_entry(lg):
    for n in range(5):
        settle(lg.giver, lg.taker, 15, f"k{n}")
    db.session.commit()
    report = ledger.verify()
    assert report.ok and report.transactions == 5 and report.entries == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 2


def test_postgresql_refuses_a_transaction_whose_entries_do_not_sum_to_zero(app, lg):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a deferred constraint trigger: PostgreSQL only (SQLite cannot defer a check to commit)")
    giver = ledger.account_of(lg.giver)
    db.session.commit()
    with pytest.raises(DBAPIError, match="does not balance"):
        with db.engine.begin() as conn:
            tx_id = conn.execute(sa.text(
                "INSERT INTO ledger_transaction (kind, created_at, occurred_on, minutes, memo, reason) "
                "VALUES ('import', now(), now(), 60, '', '') RETURNING id")).scalar()
            conn.execute(sa.text(
                "INSERT INTO ledger_entry (transaction_id, account_id, amount_minutes, balance_after, seq, "
                "prev_hash, hash) VALUES (:tx, :account, 60, 60, 1, '', 'x')"), {"tx": tx_id, "account": giver.id})


def test_a_local_time_of_occurrence_is_stored_in_utc_and_verifies(lg):
    from datetime import datetime

    from sem.ledger.services import BRUSSELS

    local = datetime(2026, 6, 1, 18, 30, tzinfo=BRUSSELS)
    tx = ledger.settle_exchange(provider=lg.giver, recipient=lg.taker, minutes=60, idempotency_key="local",
                                author=None, occurred_on=local)
    db.session.commit()
    assert tx.occurred_on == local and ledger.verify().ok


def _append_again(lg, minutes, key):
    """What a worker that read the key before another one's commit does next (PostgreSQL, a
    wait for the lock): it appends with the balances it locked, the key unseen."""
    connection = db.session.connection()
    rows = connection.execute(
        ledger._statement(connection, "lock_ids", lambda name: ledger._lock_statement(
            name, Account.id.in_(sa.bindparam("ids", expanding=True)), sa.bindparam("accounts", type_=sa.Integer))),
        {"ids": [ledger.account_of(lg.giver).id, ledger.account_of(lg.taker).id], "accounts": 2, "key": None}).all()
    locked = ledger._read_locked(rows)
    giver, taker = ledger.account_of(lg.giver).id, ledger.account_of(lg.taker).id
    return ledger._append(connection, TransactionKind.EXCHANGE, [(giver, minutes), (taker, -minutes)], locked,
                          rows[0][-1], author_id=None, provider_id=lg.giver.id, recipient_id=lg.taker.id,
                          competence_id=None, memo="", reason="", idempotency_key=key, reverses_id=None,
                          occurred_on=None, now=None)


def test_a_key_recorded_while_waiting_for_the_lock_still_pays_once(lg):
    first = settle(lg.giver, lg.taker, 60, "declaration:9")
    db.session.commit()
    again = _append_again(lg, 60, "declaration:9")  # the insert meets the key: nothing written
    assert again.id == first.id
    db.session.commit()
    assert balances(lg.giver, lg.taker) == [60, -60]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 1
    assert ledger.verify().ok


def test_a_key_recorded_while_waiting_is_found_before_a_floor_refusal(lg):
    floor = -ledger.effective_floor(lg.taker)
    first = settle(lg.giver, lg.taker, floor, "declaration:10")  # the taker is now at its floor
    db.session.commit()
    assert _append_again(lg, floor, "declaration:10").id == first.id  # not CreditLimitReached
    with pytest.raises(ledger.CreditLimitReached):
        _append_again(lg, floor, "declaration:11")
    db.session.rollback()
    assert balances(lg.giver, lg.taker) == [floor, -floor]


def test_accounts_held_by_the_session_read_the_new_balances(lg):
    giver, taker = ledger.account_of(lg.giver), ledger.account_of(lg.taker)
    assert (giver.balance_minutes, taker.balance_minutes) == (0, 0)
    tx = settle(lg.giver, lg.taker, 45, "declaration:12")
    assert (giver.balance_minutes, taker.balance_minutes) == (45, -45)  # before the commit too
    assert (giver.entry_count, giver.last_hash) == (1, tx.entries[-1].hash if tx.entries[-1].account_id == giver.id
                                                     else tx.entries[0].hash)
    assert db.session.get(LedgerTransaction, tx.id) is tx
