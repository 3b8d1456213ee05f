"""The only code that writes ledger rows.

`post_transaction` (and `settle_exchange`, its fast path for confirmed hours) locks the
accounts involved (in id order, so two settlements never deadlock), refuses any leg that would
take an account below its floor before anything is written, appends the transaction and one
entry per account with its hash-chain link, and updates the cached balances in the same
database transaction. An idempotency key makes a second attempt return the first transaction
instead of paying twice. The writer uses SQLAlchemy Core statements on the tables, no unit of
work: on PostgreSQL two statements (the lock, which also takes the transaction's id, then one
statement that writes the transaction, its entries, the accounts' caches and the reports'
rows); on SQLite, which has no writing CTE, one statement per table. The transaction it
returns is an ordinary ORM object of the session, and Account objects the session holds are
expired.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from sem.core.amounts import check_quarter_hours
from sem.core.db import utcnow
from sem.core.errors import Conflict, DomainError
from sem.extensions import db
from sem.ledger.models import Account, AccountKind, Entry, FloorRule, LedgerTransaction, TransactionKind
from sem.members.models import Organisation, Person, Stage
from sem.members.services import record_event

BRUSSELS = ZoneInfo("Europe/Brussels")
MAX_MINUTES = 1000 * 60  # no single movement of more than a thousand hours


class CreditLimitReached(Conflict):
    """A leg would take an account below its floor: nothing was recorded."""


# --- accounts and floors ---------------------------------------------------------------------


def _get_or_create(query, make) -> Account:
    account = db.session.scalar(query)
    if account is not None:
        return account
    try:
        with db.session.begin_nested():
            account = make()
            db.session.add(account)
    except IntegrityError:  # created meanwhile by another request
        account = db.session.scalar(query)
    return account


def account_of(org: Organisation) -> Account:
    return _get_or_create(
        sa.select(Account).where(Account.organisation_id == org.id),
        lambda: Account(kind=AccountKind.ORGANISATION, organisation_id=org.id, floor_minutes=effective_floor(org)))


def _accounts_of(*orgs: Organisation) -> list[Account]:
    """The accounts of these organisations, in one query (each created if missing)."""
    found = {account.organisation_id: account for account in db.session.scalars(
        sa.select(Account).where(Account.organisation_id.in_([org.id for org in orgs])))}
    return [found.get(org.id) or account_of(org) for org in orgs]


def fund_account(kind: AccountKind) -> Account:
    """The solidarity fund (which may not go below zero) or the network account (no floor)."""
    return _get_or_create(
        sa.select(Account).where(Account.kind == kind, Account.organisation_id.is_(None)),
        lambda: Account(kind=kind, floor_minutes=0 if kind is AccountKind.SOLIDARITY else None))


def default_floor(stage: Stage) -> int:
    key = "FLOOR_EMERGING_MINUTES" if stage is Stage.EMERGING else "FLOOR_ESTABLISHED_MINUTES"
    return current_app.config[key]


def effective_floor(org: Organisation) -> int:
    """The organisation's own floor if a coordinator set one, else its stage's, else the default."""
    own = db.session.scalar(sa.select(FloorRule.floor_minutes).where(FloorRule.organisation_id == org.id)
                            .order_by(FloorRule.id.desc()).limit(1))
    if own is not None:
        return own
    stage = db.session.scalar(sa.select(FloorRule.floor_minutes).where(FloorRule.stage == org.stage)
                              .order_by(FloorRule.id.desc()).limit(1))
    return stage if stage is not None else default_floor(org.stage)


def balance_of(org: Organisation) -> int:
    return db.session.scalar(sa.select(Account.balance_minutes).where(Account.organisation_id == org.id)) or 0


def _refresh_floor(account: Account, org: Organisation) -> None:
    # A floor raised above a balance that is already lower keeps the account where it is:
    # it can only go up from there.
    account.floor_minutes = min(effective_floor(org), account.balance_minutes)


def set_floor(*, floor_minutes: int, reason: str, actor: Person, stage: Stage | None = None,
              organisation: Organisation | None = None) -> FloorRule:
    """A new floor for a stage or one organisation; the earlier rules stay as history."""
    if (stage is None) == (organisation is None):
        raise ValueError("a floor is for a stage or for one organisation")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."), field="reason")
    if floor_minutes > 0 or floor_minutes % 15:
        raise DomainError(_l("A floor is zero or a negative number of quarter hours."), field="floor")
    rule = FloorRule(stage=stage, organisation_id=organisation.id if organisation else None,
                     floor_minutes=floor_minutes, reason=reason, set_by=actor)
    db.session.add(rule)
    db.session.flush()
    record_event("ledger.floor_set", actor=actor, organisation=organisation, reason=reason,
                 stage=stage.value if stage else None, floor_minutes=floor_minutes)
    orgs = [organisation] if organisation else db.session.scalars(
        sa.select(Organisation).where(Organisation.stage == stage)).all()
    for org in orgs:
        account = db.session.scalar(sa.select(Account).where(Account.organisation_id == org.id))
        if account is not None:
            _lock([account.id])
            _refresh_floor(account, org)
    db.session.flush()
    return rule


# --- the one writer ------------------------------------------------------------------------------


def _lock(account_ids: list[int]) -> dict[int, Account]:
    """Lock the accounts, in id order, and return them as ORM objects with their current
    values (for the rare writers that change an account itself, such as `set_floor`)."""
    condition = Account.id.in_(sorted(set(account_ids)))
    if db.engine.dialect.name == "sqlite":
        query = (sa.update(Account).where(condition).values(entry_count=Account.entry_count)
                 .returning(Account).execution_options(synchronize_session=False))
    else:
        query = sa.select(Account).where(condition).order_by(Account.id).with_for_update()
    accounts = db.session.scalars(query.execution_options(populate_existing=True)).all()
    return {account.id: account for account in accounts}


@dataclass(slots=True)
class _Locked:
    """One locked account row, as the writer reads it under the lock."""
    id: int
    kind: AccountKind
    organisation_id: int | None
    balance_minutes: int
    entry_count: int
    last_hash: str
    floor_minutes: int | None


_ACCOUNT = Account.__table__
_TX = LedgerTransaction.__table__
_ENTRY = Entry.__table__
_ORG = Organisation.__table__
_LOCKED_COLUMNS = [_ACCOUNT.c[name] for name in ("id", "kind", "organisation_id", "balance_minutes", "entry_count",
                                                 "last_hash", "floor_minutes")]


# Under the lock, in the same statement: the transaction already recorded under this key.
_DONE = (sa.select(_TX.c.id).where(_TX.c.idempotency_key == sa.bindparam("key")).scalar_subquery()
         .label("done_id"))


def _lock_statement(dialect_name: str, condition, expected, *extra):
    """Lock the accounts that meet `condition` and read them, `extra` columns, the
    transaction already recorded under the `key` parameter (`done_id`) and the id the new
    transaction will have (`tx_id`, last column) in one statement.

    SQLite: a no-op UPDATE takes the write lock, so what it returns is the latest; `tx_id` is
    NULL (the insert gives it). PostgreSQL: FOR UPDATE in id order, so two settlements never
    deadlock, then the transaction's id from its sequence once every row is locked (the
    count reads them all first), so that within an account transactions keep their lock
    order, which `verify` expects; only when the `expected` number of accounts is there and
    the key is new (no id spent on a lock that writes nothing). `done_id` comes from the
    statement's snapshot, which may predate a wait for the lock, so the insert is guarded
    too (ON CONFLICT on the key)."""
    if dialect_name == "sqlite":
        return (sa.update(_ACCOUNT).where(condition).values(entry_count=_ACCOUNT.c.entry_count)
                .returning(*_LOCKED_COLUMNS, *extra, _DONE, sa.null().label("tx_id")))
    locked = (sa.select(*_LOCKED_COLUMNS, *extra, _DONE).where(condition).order_by(_ACCOUNT.c.id)
              .with_for_update(of=_ACCOUNT).cte("locked").prefix_with("MATERIALIZED"))
    found = (sa.select(sa.func.count().label("accounts"), sa.func.max(locked.c.done_id).label("done_id"))
             .select_from(locked).subquery())
    # Evaluated once per statement (a MATERIALIZED CTE runs once), after the lock.
    next_id = (sa.select(sa.func.nextval(sa.literal_column("'ledger_transaction_id_seq'")).label("tx_id"))
               .where(found.c.accounts == expected, found.c.done_id.is_(None))
               .cte("next_tx").prefix_with("MATERIALIZED"))
    return sa.select(locked, next_id.c.tx_id).select_from(locked.outerjoin(next_id, sa.true()))


def _read_locked(rows) -> dict[int, _Locked]:
    return {row[0]: _Locked(*row[:7]) for row in rows}


_STATEMENTS: dict[tuple[str, str], sa.Executable] = {}


def _statement(connection: sa.Connection, name: str, build) -> sa.Executable:
    """A statement built once per database dialect (`build` takes the dialect's name)."""
    key = (connection.dialect.name, name)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = build(key[0])
    return statement


def _id(obj) -> int | None:
    """The primary key of an ORM object without loading it (the session expires objects at
    every commit: reading `obj.id` would cost a query)."""
    if obj is None:
        return None
    key = sa.inspect(obj).key
    if key is None:  # not flushed yet
        db.session.flush()
        key = sa.inspect(obj).key
    return key[1][0]


def entry_hash(prev_hash: str, entry: dict, tx: dict) -> str:
    """SHA-256 of the previous link and every field of the entry and its transaction."""
    payload = json.dumps([prev_hash, entry, tx], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def transaction_fields(tx: LedgerTransaction) -> dict:
    return {"id": tx.id, "kind": tx.kind.value, "created_at": tx.created_at.isoformat(),
            "occurred_on": tx.occurred_on.isoformat(), "author_id": tx.author_id, "provider_id": tx.provider_id,
            "recipient_id": tx.recipient_id, "competence_id": tx.competence_id, "minutes": tx.minutes,
            "memo": tx.memo, "reason": tx.reason, "idempotency_key": tx.idempotency_key,
            "reverses_id": tx.reverses_id}


def entry_fields(entry: Entry) -> dict:
    return {"account_id": entry.account_id, "amount": entry.amount_minutes, "balance_after": entry.balance_after,
            "seq": entry.seq}


_BY_KEY = sa.select(_TX.c.id).where(_TX.c.idempotency_key == sa.bindparam("key"))


def _by_key(key: str) -> LedgerTransaction | None:
    """The transaction already recorded under this idempotency key, if any."""
    tx_id = db.session.connection().scalar(_BY_KEY, {"key": key})
    return db.session.get(LedgerTransaction, tx_id) if tx_id is not None else None


def _check_legs(legs: list[tuple[int, int]]) -> None:
    amounts = [amount for _, amount in legs]
    if len(legs) < 2 or sum(amounts) != 0 or any(not isinstance(a, int) or a == 0 for a in amounts):
        raise ValueError(f"a transaction needs two or more non-zero integer legs summing to zero: {amounts}")
    if len({account_id for account_id, _ in legs}) != len(legs):
        raise ValueError("one leg per account")


def post_transaction(kind: TransactionKind, legs: list[tuple[Account, int]], *, author: Person | None = None,
                     provider: Organisation | None = None, recipient: Organisation | None = None,
                     competence_id: int | None = None, memo: str = "", reason: str = "",
                     idempotency_key: str | None = None, reverses: LedgerTransaction | None = None,
                     occurred_on: datetime | None = None, now: datetime | None = None) -> LedgerTransaction:
    id_legs = [(_id(account), amount) for account, amount in legs]
    _check_legs(id_legs)
    db.session.flush()  # what the session holds goes first: from here on, Core statements
    connection = db.session.connection()
    rows = connection.execute(
        _statement(connection, "lock_ids",
                   lambda name: _lock_statement(name, _ACCOUNT.c.id.in_(sa.bindparam("ids", expanding=True)),
                                                sa.bindparam("accounts", type_=sa.Integer))),
        {"ids": sorted({account_id for account_id, _ in id_legs}), "accounts": len(id_legs),
         "key": idempotency_key}).all()
    # Checked under the lock: a second attempt, even one that waited for the first, finds it.
    if rows and rows[0][-2] is not None:
        return db.session.get(LedgerTransaction, rows[0][-2])
    return _append(connection, kind, id_legs, _read_locked(rows), rows[0][-1] if rows else None,
                   author_id=_id(author), provider_id=_id(provider), recipient_id=_id(recipient),
                   competence_id=competence_id, memo=memo, reason=reason, idempotency_key=idempotency_key,
                   reverses_id=_id(reverses), occurred_on=occurred_on, now=now)


def _insert_tx(dialect_name: str):
    """SQLite: the transaction, its id given by the insert."""
    from sqlalchemy.dialects.sqlite import insert

    # A key recorded meanwhile inserts nothing: the caller then returns that transaction.
    return insert(_TX).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(_TX.c.id)


_TX_CASTS = {"id": "INTEGER", "kind": "VARCHAR", "created_at": "TIMESTAMP WITH TIME ZONE",
             "occurred_on": "TIMESTAMP WITH TIME ZONE", "author_id": "INTEGER", "provider_id": "INTEGER",
             "recipient_id": "INTEGER", "competence_id": "INTEGER", "minutes": "INTEGER", "memo": "TEXT",
             "reason": "TEXT", "idempotency_key": "VARCHAR", "reverses_id": "INTEGER"}


def _write_postgresql(legs: int, reports: str) -> sa.TextClause:
    """PostgreSQL: the whole transaction in one statement (one round trip): the transaction
    row (its id taken under the lock), its entries, the accounts' caches and, with `reports`
    ("monthly", "monthly+pair" or ""), the reports' upserts. A key recorded meanwhile
    (committed while this one waited for the lock) inserts nothing, so nothing else is
    written either, and the statement returns no row."""
    from sem.reports import aggregate

    rows = ", ".join(f"(CAST(:a{n} AS INTEGER), CAST(:m{n} AS INTEGER), CAST(:b{n} AS INTEGER), "
                     f"CAST(:s{n} AS INTEGER), CAST(:p{n} AS VARCHAR), CAST(:h{n} AS VARCHAR))" for n in range(legs))
    parts = [
        f"new_tx AS (INSERT INTO ledger_transaction ({', '.join(_TX_NAMES)}) "  # noqa: S608
        f"VALUES ({', '.join(f'CAST(:{name} AS {_TX_CASTS[name]})' for name in _TX_NAMES)}) "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id)",
        "new_entries AS (INSERT INTO ledger_entry (transaction_id, account_id, amount_minutes, balance_after, seq, "  # noqa: S608
        f"prev_hash, hash) SELECT new_tx.id, v.* FROM new_tx, (VALUES {rows}) AS v)",
        "caches AS (UPDATE ledger_account SET balance_minutes = v.balance, entry_count = v.seq, last_hash = v.hash "  # noqa: S608
        f"FROM new_tx, (VALUES {rows}) AS v (id, amount, balance, seq, prev, hash) "
        "WHERE ledger_account.id = v.id)"]
    if reports:
        monthly, pair = aggregate.postgresql_upserts()
        parts.append(monthly)
        if reports == "monthly+pair":
            parts.append(pair)
    # Only placeholders are formatted in, never values.
    return sa.text("WITH " + ", ".join(parts) + " SELECT id FROM new_tx")  # noqa: S608


_UPDATE_ACCOUNT = (sa.update(_ACCOUNT).where(_ACCOUNT.c.id == sa.bindparam("account_id"))
                   .values(balance_minutes=sa.bindparam("balance"), entry_count=sa.bindparam("count"),
                           last_hash=sa.bindparam("last")))
_INSERT_ENTRIES = sa.insert(_ENTRY)
_ACCOUNT_CACHES = ["balance_minutes", "entry_count", "last_hash"]
_TX_MANAGER = sa.orm.instrumentation.manager_of_class(LedgerTransaction)
_TX_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _persistent(values: dict) -> LedgerTransaction:
    """The transaction just written, as a persistent object of the session (in its identity
    map) without a query and without the attribute events of the constructor; its entries
    and relationships load when asked."""
    tx = _TX_MANAGER.new_instance()
    tx.__dict__.update(values)
    make_transient_to_detached(tx)
    db.session.add(tx)
    return tx


def _append(connection: sa.Connection, kind: TransactionKind, legs: list[tuple[int, int]],
            locked: dict[int, _Locked], tx_id: int | None, *, author_id: int | None, provider_id: int | None,
            recipient_id: int | None, competence_id: int | None, memo: str, reason: str,
            idempotency_key: str | None, reverses_id: int | None, occurred_on: datetime | None,
            now: datetime | None) -> LedgerTransaction:
    """Write a transaction whose accounts (by id) are locked (`locked`, read under the lock)
    and whose key was checked under the lock: refuse a leg below its floor, then append the
    transaction, its entries and the accounts' caches, and add it to the reports' tables,
    with SQLAlchemy Core (no unit of work). `tx_id`: the id taken under the lock
    (PostgreSQL), else None (the insert gives it)."""
    for account_id, amount in legs:
        current = locked[account_id]
        floor = current.floor_minutes
        if amount < 0 and floor is not None and current.balance_minutes + amount < floor:
            if idempotency_key and (done := _by_key(idempotency_key)) is not None:
                return done  # paid meanwhile (PostgreSQL: while this one waited for the lock)
            raise CreditLimitReached(_credit_message(current, floor))

    from sem.reports import aggregate

    now = (now or utcnow()).astimezone(UTC)
    # Hashed as stored: always in UTC, so that `verify` reads back the very same value.
    occurred_on = (occurred_on or now).astimezone(UTC)
    values = {"id": tx_id, "kind": kind, "created_at": now, "occurred_on": occurred_on, "author_id": author_id,
              "provider_id": provider_id, "recipient_id": recipient_id, "competence_id": competence_id,
              "minutes": sum(amount for _, amount in legs if amount > 0), "memo": memo or "", "reason": reason or "",
              "idempotency_key": idempotency_key, "reverses_id": reverses_id}
    postgresql = connection.dialect.name == "postgresql"
    if postgresql and tx_id is None:  # not taken by the lock statement: take it now, still under the lock
        values["id"] = connection.scalar(_statement(connection, "next_tx_id", lambda _: sa.select(
            sa.func.nextval(sa.literal_column("'ledger_transaction_id_seq'")))))
    if not postgresql:
        values["id"] = connection.execute(_statement(connection, "insert_tx", _insert_tx), values).scalar()
        if values["id"] is None:
            return _by_key(idempotency_key)
    # The transaction's part of every entry's hash, serialised once (as `entry_hash` does).
    tx_json = _TX_JSON.encode({**values, "kind": kind.value, "created_at": now.isoformat(),
                               "occurred_on": occurred_on.isoformat()})
    entries, params = [], {}
    for n, (account_id, amount) in enumerate(sorted(legs)):
        current = locked[account_id]
        balance, seq = current.balance_minutes + amount, current.entry_count + 1
        digest = _hash_of(current.last_hash, account_id, amount, balance, seq, tx_json)
        if postgresql:
            params.update({f"a{n}": account_id, f"m{n}": amount, f"b{n}": balance, f"s{n}": seq,
                           f"p{n}": current.last_hash, f"h{n}": digest})
        else:
            entries.append({"transaction_id": values["id"], "account_id": account_id, "amount_minutes": amount,
                            "balance_after": balance, "seq": seq, "prev_hash": current.last_hash, "hash": digest})
        current.balance_minutes, current.entry_count, current.last_hash = balance, seq, digest
    # The reports' monthly figures follow the ledger in the same database transaction.
    change = aggregate.change_of(values, sum(amount for account_id, amount in legs
                                             if locked[account_id].kind is AccountKind.SOLIDARITY))
    if postgresql:
        reports = "" if change.correction else "monthly+pair" if change.pair else "monthly"
        params.update(values, kind=kind.value)
        if reports:
            params.update(aggregate.postgresql_parameters(change))
        written = connection.execute(
            _statement(connection, f"write_{len(legs)}_{reports}", lambda _: _write_postgresql(len(legs), reports)),
            params).scalar()
        if written is None:
            return _by_key(idempotency_key)
        if change.correction:
            aggregate.apply(change, connection)
    else:
        connection.execute(_INSERT_ENTRIES, entries)
        connection.execute(_UPDATE_ACCOUNT, [{"account_id": entry["account_id"], "balance": entry["balance_after"],
                                              "count": entry["seq"], "last": entry["hash"]} for entry in entries])
        aggregate.apply(change, connection)
    aggregate.note_change(change.monthly, connection, now)
    # Account objects the session already holds read their new values when next used.
    identity_map = db.session.identity_map
    for account_id in locked:
        account = identity_map.get(identity_key(Account, account_id))
        if account is not None:
            db.session.expire(account, _ACCOUNT_CACHES)
    return _persistent(values)


def _credit_message(account: _Locked, floor: int):
    from sem.core.i18n import format_hours

    if account.kind is AccountKind.SOLIDARITY:
        return _l("The solidarity fund does not hold enough hours for this.")
    name = db.session.get(Organisation, account.organisation_id).name if account.organisation_id else ""
    return _l("This would take %(org)s below its credit floor of %(floor)s (balance now: %(balance)s). "
              "Nothing was recorded.", org=name, floor=format_hours(floor),
              balance=format_hours(account.balance_minutes))


def _check_minutes(minutes: int, field_name: str = "minutes") -> int:
    return check_quarter_hours(minutes, maximum=MAX_MINUTES, field=field_name)


# --- what the other areas call -----------------------------------------------------------------


def _fund_id() -> int | None:
    return db.session.connection().scalar(
        sa.select(_ACCOUNT.c.id).where(_ACCOUNT.c.kind == AccountKind.SOLIDARITY,
                                       _ACCOUNT.c.organisation_id.is_(None)))


_ALLOWANCE_USED = (
    sa.select(sa.func.coalesce(sa.func.sum(_ENTRY.c.amount_minutes), 0))
    .select_from(_TX.join(_ENTRY, _ENTRY.c.transaction_id == _TX.c.id))
    # `ix_ledger_transaction_allowance` (recipient, kind, created_at): only this year's
    # exchanges received by this organisation are read, never the fund's whole year.
    .where(_TX.c.recipient_id == sa.bindparam("org_id"), _TX.c.kind == TransactionKind.EXCHANGE,
           _TX.c.created_at >= sa.bindparam("year_start"),
           _ENTRY.c.account_id == sa.bindparam("fund_id")))


def _allowance_used(org_id: int, fund_id: int, now: datetime | None) -> int:
    now = (now or utcnow()).astimezone(BRUSSELS)
    year_start = datetime(now.year, 1, 1, tzinfo=BRUSSELS)
    return -db.session.connection().scalar(_ALLOWANCE_USED,
                                           {"org_id": org_id, "fund_id": fund_id, "year_start": year_start})


def allowance_used(org: Organisation, *, now: datetime | None = None) -> int:
    """Minutes of this calendar year's solidarity allowance already used by `org`."""
    db.session.flush()
    # Read-only: a page showing the allowance must not create the fund's account.
    fund_id = _fund_id()
    return 0 if fund_id is None else _allowance_used(_id(org), fund_id, now)


def allowance_left(org: Organisation, *, now: datetime | None = None) -> int:
    if org.stage is not Stage.EMERGING:
        return 0
    return max(0, current_app.config["SOLIDARITY_ALLOWANCE_MINUTES"] - allowance_used(org, now=now))


def _settlement_lock(dialect_name: str):
    """The provider's and the recipient's accounts, and the solidarity fund's when the
    recipient is emerging (decided in the statement itself, from the organisation's row),
    with the recipient's stage."""
    recipient_stage = (sa.select(_ORG.c.stage).where(_ORG.c.id == sa.bindparam("recipient_id"))
                       .scalar_subquery())
    emerging = sa.exists().where(_ORG.c.id == sa.bindparam("recipient_id"), _ORG.c.stage == Stage.EMERGING)
    condition = sa.or_(_ACCOUNT.c.organisation_id.in_([sa.bindparam("provider_id"), sa.bindparam("recipient_id")]),
                       sa.and_(_ACCOUNT.c.kind == AccountKind.SOLIDARITY, _ACCOUNT.c.organisation_id.is_(None),
                               emerging))
    expected = 2 + sa.case((emerging, 1), else_=0)
    return _lock_statement(dialect_name, condition, expected, recipient_stage.label("recipient_stage"))


def _lock_settlement(connection: sa.Connection, provider_id: int, recipient_id: int,
                     key: str) -> tuple[dict[int, _Locked], bool, int | None, int | None]:
    """The locked accounts, whether the recipient is emerging, the transaction already
    recorded under `key` and the new transaction's id (PostgreSQL; None on SQLite)."""
    rows = connection.execute(_statement(connection, "lock_settlement", _settlement_lock),
                              {"provider_id": provider_id, "recipient_id": recipient_id, "key": key}).all()
    if not rows:
        return {}, False, None, None
    return _read_locked(rows), rows[0][-3] is Stage.EMERGING, rows[0][-2], rows[0][-1]


def settle_exchange(*, provider: Organisation, recipient: Organisation, minutes: int, idempotency_key: str,
                    author: Person | None, competence_id: int | None = None, memo: str = "",
                    occurred_on: datetime | None = None, now: datetime | None = None) -> LedgerTransaction:
    """Confirmed hours: the provider earns them; the recipient pays them, except what its
    yearly solidarity allowance (emerging members) lets the fund pay. Exactly once per key."""
    _check_minutes(minutes)
    provider_id, recipient_id, author_id = _id(provider), _id(recipient), _id(author)
    db.session.flush()  # what the session holds goes first: from here on, Core statements
    connection = db.session.connection()
    # Lock everything this settlement may touch in one statement, in id order (no deadlock);
    # only a first settlement creates accounts first.
    locked, emerging, done_id, tx_id = _lock_settlement(connection, provider_id, recipient_id, idempotency_key)
    if len(locked) < 2 + emerging:
        _accounts_of(provider, recipient)
        if recipient.stage is Stage.EMERGING:
            fund_account(AccountKind.SOLIDARITY)
        db.session.flush()
        locked, emerging, done_id, tx_id = _lock_settlement(connection, provider_id, recipient_id, idempotency_key)
    # Checked under the lock: a second confirmation, even one that waited for the first, finds it.
    if done_id is not None:
        return db.session.get(LedgerTransaction, done_id)
    owners = {account.organisation_id: account for account in locked.values()}
    provider_account, recipient_account = owners[provider_id], owners[recipient_id]
    fund = owners.get(None)
    legs = [(provider_account.id, minutes)]
    fund_share = 0
    if fund is not None:
        allowance = max(0, current_app.config["SOLIDARITY_ALLOWANCE_MINUTES"]
                        - _allowance_used(recipient_id, fund.id, now))
        fund_share = min(minutes, allowance, max(0, fund.balance_minutes))
        if fund_share:
            legs.append((fund.id, -fund_share))
    if minutes - fund_share:
        legs.append((recipient_account.id, -(minutes - fund_share)))
    _check_legs(legs)
    # The accounts are locked and the key checked under the lock: append directly.
    return _append(connection, TransactionKind.EXCHANGE, legs, locked, tx_id, author_id=author_id,
                   provider_id=provider_id, recipient_id=recipient_id, competence_id=competence_id, memo=memo,
                   reason="", idempotency_key=idempotency_key, reverses_id=None, occurred_on=occurred_on, now=now)


def donate(org: Organisation, minutes: int, *, actor: Person, memo: str = "") -> LedgerTransaction:
    """A member gives some of its credit to the solidarity fund."""
    _check_minutes(minutes)
    return post_transaction(TransactionKind.DONATION,
                            [(account_of(org), -minutes), (fund_account(AccountKind.SOLIDARITY), minutes)],
                            author=actor, provider=org, memo=memo)


def grant(recipients: list[Organisation | None], minutes: int, *, actor: Person, reason: str,
          now: datetime | None = None) -> list:
    """Coordinators grant credit from the network account, to organisations (None: the fund)."""
    _check_minutes(minutes)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."), field="reason")
    if not recipients:
        raise DomainError(_l("Choose at least one organisation."), field="organisations")
    network = fund_account(AccountKind.NETWORK)
    done = []
    for org in recipients:
        target = account_of(org) if org is not None else fund_account(AccountKind.SOLIDARITY)
        done.append(post_transaction(TransactionKind.GRANT, [(network, -minutes), (target, minutes)], author=actor,
                                     recipient=org, reason=reason, now=now))
        record_event("ledger.granted", actor=actor, organisation=org, reason=reason, minutes=minutes,
                     transaction_id=done[-1].id)
    return done


def reverse(tx: LedgerTransaction, *, actor: Person, reason: str) -> LedgerTransaction:
    """Correct a transaction by reversing it: a new transaction with the opposite entries."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."), field="reason")
    if tx.kind is TransactionKind.CORRECTION:
        raise Conflict(_l("A correction cannot be reversed: record a new transaction instead."))
    if db.session.scalar(sa.select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == tx.id)):
        raise Conflict(_l("This transaction has already been reversed."))
    legs = [(entry.account, -entry.amount_minutes) for entry in tx.entries]
    try:
        with db.session.begin_nested():
            correction = post_transaction(TransactionKind.CORRECTION, legs, author=actor, provider=tx.recipient,
                                          recipient=tx.provider, competence_id=tx.competence_id, reason=reason,
                                          reverses=tx)
    except IntegrityError:  # reversed at the same moment by someone else
        raise Conflict(_l("This transaction has already been reversed.")) from None
    record_event("ledger.reversed", actor=actor, reason=reason, transaction_id=tx.id, correction_id=correction.id)
    return correction


# --- verification --------------------------------------------------------------------------------


@dataclass
class Verification:
    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    problems: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_transaction(self) -> int | None:
        ids = [tx_id for tx_id, _ in self.problems if tx_id is not None]
        return min(ids) if ids else None


_TX_NAMES = ("id", "kind", "created_at", "occurred_on", "author_id", "provider_id", "recipient_id", "competence_id",
             "minutes", "memo", "reason", "idempotency_key", "reverses_id")


_RAW = ("kind", "created_at", "occurred_on")


def _tx_columns():
    # The enum and timestamps come raw (their types would convert them on every entry row);
    # `_tx_json` converts them once per transaction, as the column types would.
    return [sa.type_coerce(getattr(LedgerTransaction, name), sa.types.NullType()).label(name) if name in _RAW
            else getattr(LedgerTransaction, name) for name in _TX_NAMES]


def _utc_iso(value) -> str:
    """A raw timestamp as `UTCDateTime` reads it back (aware, UTC), in ISO format."""
    if isinstance(value, str):  # SQLite: naive UTC text
        value = datetime.fromisoformat(value)
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat()


def _tx_json(row) -> str:
    """The transaction part of `entry_hash`'s payload, serialised exactly as it serialises it."""
    tx = dict(zip(_TX_NAMES, row[:len(_TX_NAMES)], strict=True))
    tx["created_at"], tx["occurred_on"] = _utc_iso(tx["created_at"]), _utc_iso(tx["occurred_on"])
    return json.dumps(tx, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _hash_of(prev_hash: str, account_id: int, amount: int, balance_after: int, seq: int, tx_json: str) -> str:
    """`entry_hash` for integer entry fields and a serialised transaction: the same bytes,
    built without serialising the transaction once per entry."""
    entry = f'{{"account_id":{account_id},"amount":{amount},"balance_after":{balance_after},"seq":{seq}}}'
    payload = "[" + encode_basestring(prev_hash) + "," + entry + "," + tx_json + "]"
    return hashlib.sha256(payload.encode()).hexdigest()


def verify() -> Verification:
    """Recompute every balance and every hash link from the entries, and check that every
    transaction sums to zero and has entries. Reads only.

    One pass streams the ledger in transaction order (each transaction serialised once).
    Within an account, entries are appended in transaction order (`post_transaction` takes the
    account's lock before its transaction gets an id), so each account's chain is checked on
    the way; an account whose sequence numbers do not follow that order is checked again on
    its own, in sequence order, so an unusual order is never mistaken for a broken chain."""
    report = Verification()
    accounts = {row.id: row for row in db.session.execute(
        sa.select(Account.id, Account.balance_minutes, Account.entry_count, Account.last_hash))}
    report.accounts = len(accounts)
    seen: dict[int, tuple[int, int, str]] = {}
    account_problems: dict[int, list[tuple[int | None, str]]] = {}
    reordered: set[int] = set()
    query = (sa.select(*_tx_columns(), Entry.account_id, Entry.seq, Entry.amount_minutes, Entry.balance_after,
                       Entry.prev_hash, Entry.hash)
             .select_from(LedgerTransaction)
             .outerjoin(Entry, Entry.transaction_id == LedgerTransaction.id)
             .order_by(LedgerTransaction.id, Entry.id))
    current, tx_json, total = None, "", 0
    n = len(_TX_NAMES)
    for row in db.session.connection().execute(query.execution_options(yield_per=20_000)):
        tx_id = row[0]
        if tx_id != current:
            if current is not None and total:
                report.problems.append((current, f"transaction {current} sums to {total}, not zero"))
            current, total = tx_id, 0
            report.transactions += 1
            tx_json = _tx_json(row)
        account_id, seq, amount, balance_after, prev_hash, digest = row[n:]
        if account_id is None:
            report.problems.append((tx_id, f"transaction {tx_id} has no entries"))
            continue
        report.entries += 1
        total += amount
        if account_id in reordered:
            continue
        balance, last_seq, last = seen.get(account_id, (0, 0, ""))
        if seq != last_seq + 1:
            reordered.add(account_id)  # checked again below, in sequence order
            account_problems.pop(account_id, None)
            continue
        balance += amount
        account_problems.setdefault(account_id, []).extend(_entry_problems(
            tx_id, account_id, seq, amount, balance_after, prev_hash, digest, tx_json, balance=balance, last=last))
        seen[account_id] = (balance, seq, digest)
    if current is not None and total:
        report.problems.append((current, f"transaction {current} sums to {total}, not zero"))
    for account_id in sorted(reordered):
        seen[account_id], account_problems[account_id] = _verify_account(account_id)
    for account_id in sorted(account_problems):
        report.problems.extend(account_problems[account_id])
    for account_id, account in accounts.items():
        balance, count, last = seen.get(account_id, (0, 0, ""))
        if (account.balance_minutes, account.entry_count, account.last_hash) != (balance, count, last):
            first = db.session.scalar(
                sa.select(sa.func.max(Entry.transaction_id)).where(Entry.account_id == account_id))
            report.problems.append((first, f"account {account_id}: cached balance {account.balance_minutes}, "
                                           f"the entries give {balance}"))
    return report


def _entry_problems(tx_id: int, account_id: int, seq: int, amount: int, balance_after: int, prev_hash: str,
                    digest: str, tx_json: str, *, balance: int, last: str) -> list[tuple[int, str]]:
    """One entry against its account's chain so far (`last` hash, running `balance` with it)."""
    problems = []
    if prev_hash != last:
        problems.append((tx_id, f"account {account_id}: entry {seq} breaks the hash chain"))
    if balance_after != balance:
        problems.append((tx_id, f"account {account_id}: entry {seq} says balance {balance_after}, "
                                f"the entries give {balance}"))
    if _hash_of(prev_hash, account_id, amount, balance_after, seq, tx_json) != digest:
        problems.append((tx_id, f"account {account_id}: entry {seq} does not match its hash"))
    return problems


def _verify_account(account_id: int) -> tuple[tuple[int, int, str], list[tuple[int | None, str]]]:
    """One account's chain, in sequence order: its final (balance, seq, hash) and its problems."""
    problems: list[tuple[int | None, str]] = []
    balance, seq, last = 0, 0, ""
    query = (sa.select(*_tx_columns(), Entry.seq, Entry.amount_minutes, Entry.balance_after, Entry.prev_hash,
                       Entry.hash)
             .join(LedgerTransaction, Entry.transaction_id == LedgerTransaction.id)
             .where(Entry.account_id == account_id).order_by(Entry.seq))
    n = len(_TX_NAMES)
    for row in db.session.connection().execute(query):
        tx_id = row[0]
        entry_seq, amount, balance_after, prev_hash, digest = row[n:]
        if entry_seq != seq + 1:
            problems.append((tx_id, f"account {account_id}: entry {entry_seq} follows {seq}"))
        balance += amount
        problems.extend(_entry_problems(tx_id, account_id, entry_seq, amount, balance_after, prev_hash, digest,
                                        _tx_json(row), balance=balance, last=last))
        seq, last = entry_seq, digest
    return (balance, seq, last), problems
