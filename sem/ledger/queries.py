"""Read-only queries for the ledger's pages: the open ledger, an organisation's history and
figures, the coordinators' view of balances and floors. Nothing here writes.

Every list loads what its rows show in a fixed number of statements (joins, not one query
per row), so a page costs the same with ten transactions or ten million. The lists of
transactions read plain columns (no model objects: loading them cost more than the query),
and the statements the pages run on every request are built once, with bound parameters.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from sem.catalogue.models import Competence
from sem.core.i18n import current_locale
from sem.extensions import db
from sem.ledger import charts
from sem.ledger.models import Account, AccountKind, Entry, FloorRule, LedgerTransaction, TransactionKind
from sem.ledger.services import BRUSSELS, default_floor
from sem.members.models import Organisation, OrgStatus, Stage

LEDGER_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 25
BALANCES_PAGE_SIZE = 100
NEAR_FLOOR_MINUTES = 2 * 60  # "near the floor": within two hours of it
# Hours that count as given or received: exchanges, and those imported from before SEM.
EXCHANGED = (TransactionKind.EXCHANGE, TransactionKind.IMPORT)
# Organisations that have (or had) a place in the ledger: members, and suspended ones (history is kept).
LISTED = (OrgStatus.APPROVED, OrgStatus.SUSPENDED)


@dataclass
class Page:
    """An offset page with the attributes the `pager` macro reads."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def _paginate(query, page: int, per_page: int, count_query=None) -> Page:
    """`count_query`: a cheaper query with the same rows (without the joins that only add
    columns), to count them."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        (count_query if count_query is not None else query).order_by(None).subquery()))
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    items = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def _fund_id():
    return (sa.select(Account.id).where(Account.kind == AccountKind.SOLIDARITY, Account.organisation_id.is_(None))
            .scalar_subquery())


def _not_reversed():
    correction = aliased(LedgerTransaction)
    return ~sa.exists().where(correction.reverses_id == LedgerTransaction.id)


class Party(NamedTuple):
    """An organisation as a row of the ledger names it."""

    id: int
    name: str


class TxView(NamedTuple):
    """What the ledger's pages show of a transaction: its columns, and the names of the
    organisations on each side. It has the attributes of a `LedgerTransaction` that the
    pages read, so the same macros draw both."""

    id: int
    kind: TransactionKind
    created_at: datetime
    occurred_on: datetime
    provider_id: int | None
    recipient_id: int | None
    provider: Party | None
    recipient: Party | None
    minutes: int
    memo: str
    reason: str
    reverses_id: int | None


def party(tx: LedgerTransaction | TxView, side: str) -> Organisation | Party | AccountKind | None:
    """Who gave (`side="provider"`) or received (`"recipient"`) in a transaction: an
    organisation, or the fund or network account a None side stands for. A donation goes to
    the fund; a grant comes from the network (to an organisation or to the fund); a
    correction swaps the sides of what it reverses."""
    org = tx.provider if side == "provider" else tx.recipient
    if org is not None:
        return org
    if side == "provider":
        return {TransactionKind.GRANT: AccountKind.NETWORK,
                TransactionKind.CORRECTION: AccountKind.SOLIDARITY}.get(tx.kind)
    return {TransactionKind.DONATION: AccountKind.SOLIDARITY, TransactionKind.GRANT: AccountKind.SOLIDARITY,
            TransactionKind.CORRECTION: AccountKind.NETWORK}.get(tx.kind)


# --- the open ledger --------------------------------------------------------------------------


@dataclass
class LedgerFilters:
    organisation_id: int | None = None
    competence_id: int | None = None
    kind: TransactionKind | None = None
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict:
        """The filters as URL query arguments (for links and the CSV export)."""
        values = {"organisation": self.organisation_id, "competence": self.competence_id,
                  "kind": self.kind.value if self.kind else None,
                  "date_from": self.date_from.isoformat() if self.date_from else None,
                  "date_to": self.date_to.isoformat() if self.date_to else None}
        return {key: value for key, value in values.items() if value is not None}

    def apply(self, query):
        tx = LedgerTransaction
        if self.organisation_id:
            query = query.where(sa.or_(tx.provider_id == self.organisation_id, tx.recipient_id == self.organisation_id))
        if self.competence_id:
            query = query.where(tx.competence_id == self.competence_id)
        if self.kind:
            query = query.where(tx.kind == self.kind)
        # Dates are days in Brussels: [from 00:00, the day after `to` 00:00).
        if self.date_from:
            query = query.where(tx.created_at >= brussels_midnight(self.date_from))
        if self.date_to:
            query = query.where(tx.created_at < brussels_midnight(self.date_to + timedelta(days=1)))
        return query


def brussels_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=BRUSSELS)


class LedgerRow(NamedTuple):
    tx: TxView
    competence: str | None  # the competence's label in the page's language
    reversed_by: int | None  # the correction that reverses this transaction
    fund_minutes: int | None  # the solidarity fund's entry in this transaction, if any


_PROVIDER = aliased(Organisation, name="provider_org")
_RECIPIENT = aliased(Organisation, name="recipient_org")
# The columns of a TxView, then the competence's three labels.
_TX_COLUMNS = (LedgerTransaction.id, LedgerTransaction.kind, LedgerTransaction.created_at,
               LedgerTransaction.occurred_on, LedgerTransaction.provider_id, LedgerTransaction.recipient_id,
               _PROVIDER.name, _RECIPIENT.name, LedgerTransaction.minutes, LedgerTransaction.memo,
               LedgerTransaction.reason, LedgerTransaction.reverses_id,
               Competence.label_fr, Competence.label_nl, Competence.label_en)
_LABEL_INDEX = {"fr": 12, "nl": 13, "en": 14}


def _with_tx_columns(*extras):
    """A select of the transaction columns (`_TX_COLUMNS`), then `extras`."""
    tx = LedgerTransaction
    return (sa.select(*_TX_COLUMNS, *extras)
            .outerjoin(_PROVIDER, _PROVIDER.id == tx.provider_id)
            .outerjoin(_RECIPIENT, _RECIPIENT.id == tx.recipient_id)
            .outerjoin(Competence, Competence.id == tx.competence_id))


def _split(rows, locale: str | None = None) -> Iterator[tuple]:
    """(TxView, competence label, *extras) for each row of a `_with_tx_columns` select."""
    label_at = _LABEL_INDEX.get(locale or current_locale(), 12)
    for r in rows:
        provider_id, recipient_id = r[4], r[5]
        tx = TxView(r[0], r[1], r[2], r[3], provider_id, recipient_id,
                    Party(provider_id, r[6]) if provider_id is not None else None,
                    Party(recipient_id, r[7]) if recipient_id is not None else None,
                    r[8], r[9], r[10], r[11])
        label = (r[label_at] or r[12]) if r[12] is not None else None
        yield (tx, label, *r[15:])


def _reversed_by():
    """The correction that reverses the row's transaction, as a column. Correlated
    subqueries (not outer joins) for the per-row extras: they run for the rows of the page
    only, where a join made SQLite build a Bloom filter over every ledger entry first."""
    correction = aliased(LedgerTransaction)
    return (sa.select(correction.id).where(correction.reverses_id == LedgerTransaction.id)
            .correlate(LedgerTransaction).scalar_subquery())


def _entry_minutes(account_id, column=None):
    """The amount (or `column`) of the row's transaction's entry on this account, as a column."""
    entry = aliased(Entry)
    return (sa.select(column(entry) if column else entry.amount_minutes)
            .where(entry.transaction_id == LedgerTransaction.id, entry.account_id == account_id)
            .correlate(LedgerTransaction).scalar_subquery())


@cache
def _ledger_query():
    return _with_tx_columns(_reversed_by(), _entry_minutes(_fund_id()))


def _ledger_rows(query) -> list[LedgerRow]:
    return [LedgerRow(*row) for row in _split(db.session.execute(query))]


@dataclass
class LedgerPage:
    rows: list[LedgerRow]
    newer: int | None = None  # show the page after this id (`after=`), if there are newer rows
    older: int | None = None  # show the page before this id (`before=`), if there are older rows
    is_first: bool = True


def ledger_page(filters: LedgerFilters, *, before: int | None = None, after: int | None = None,
                size: int = LEDGER_PAGE_SIZE) -> LedgerPage:
    """One page of the open ledger, newest first. Pages are keyed on the transaction id
    (`before`/`after`), not on an offset: the thousandth page costs what the first does, and
    a page does not shift when new transactions arrive."""
    query = filters.apply(_ledger_query())
    tx_id = LedgerTransaction.id
    if after is not None:
        rows = _ledger_rows(query.where(tx_id > after).order_by(tx_id.asc()).limit(size + 1))
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        older = rows[-1].tx.id if rows else after + 1
        return LedgerPage(rows=rows, newer=rows[0].tx.id if more_newer else None,
                          older=older if _exists(filters, tx_id < older) else None, is_first=not more_newer)
    if before is not None:
        query = query.where(tx_id < before)
    rows = _ledger_rows(query.order_by(tx_id.desc()).limit(size + 1))
    more_older = len(rows) > size
    rows = rows[:size]
    newer = None
    if before is not None:
        newest = rows[0].tx.id if rows else before - 1
        newer = newest if _exists(filters, tx_id > newest) else None
    return LedgerPage(rows=rows, newer=newer, older=rows[-1].tx.id if more_older else None, is_first=newer is None)


def _exists(filters: LedgerFilters, condition) -> bool:
    query = filters.apply(sa.select(LedgerTransaction.id)).where(condition).limit(1)
    return db.session.scalar(query) is not None


def ledger_rows(filters: LedgerFilters, batch: int = 1000) -> Iterator[LedgerRow]:
    """Every transaction the filters keep, newest first, fetched in batches (for the CSV export)."""
    query = filters.apply(_ledger_query()).order_by(LedgerTransaction.id.desc())
    for row in _split(db.session.execute(query.execution_options(yield_per=batch))):
        yield LedgerRow(*row)


# --- one organisation -------------------------------------------------------------------------


class HistoryRow(NamedTuple):
    tx: TxView
    competence: str | None  # the competence's label in the page's language
    amount: int | None  # the organisation's own entry (None: its account did not move)
    balance_after: int | None
    fund_minutes: int | None
    reversed_by: int | None


@cache
def _history_statement():
    """An organisation's history page, for the parameters `org_id`, `limit` and `offset`."""
    tx = LedgerTransaction
    org_id = sa.bindparam("org_id", type_=sa.Integer)
    account_id = sa.select(Account.id).where(Account.organisation_id == org_id).scalar_subquery()
    # The page's transaction ids first, from the provider and recipient indexes (an OR under
    # ORDER BY id made SQLite walk the whole ledger backwards), then their rows and extras.
    ids = sa.union(sa.select(tx.id.label("id")).where(tx.provider_id == org_id),
                   sa.select(tx.id.label("id")).where(tx.recipient_id == org_id)).subquery()
    page_ids = (sa.select(ids.c.id).order_by(ids.c.id.desc())
                .limit(sa.bindparam("limit", type_=sa.Integer)).offset(sa.bindparam("offset", type_=sa.Integer)))
    return (_with_tx_columns(_entry_minutes(account_id), _entry_minutes(account_id, lambda entry: entry.balance_after),
                             _entry_minutes(_fund_id()), _reversed_by())
            .where(tx.id.in_(page_ids)).order_by(tx.id.desc()))


def history_page(org: Organisation, page: int = 1, per_page: int = HISTORY_PAGE_SIZE,
                 total: int | None = None) -> Page:
    """The transactions an organisation took part in, newest first, with its own entry.

    Every transaction that moves an organisation's account names it as provider or
    recipient; an exchange the solidarity fund paid in full names it too, without an entry.
    `total`: how many there are, when the caller knows (`totals_of(org).transactions`)."""
    if total is None:
        total = totals_of(org).transactions
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    rows = db.session.execute(_history_statement(),
                              {"org_id": org.id, "limit": per_page, "offset": (page - 1) * per_page})
    return Page(items=[HistoryRow(*row) for row in _split(rows)], page=page, per_page=per_page, total=total)


@dataclass
class Totals:
    given: int = 0  # hours given in exchanges that stand (not reversed)
    received: int = 0
    donated: int = 0  # given to the solidarity fund
    transactions: int = 0  # every transaction that names the organisation (its history's length)


@cache
def _totals_statement():
    """One pass over the transactions that name the organisation (`org_id`)."""
    tx = LedgerTransaction
    org_id = sa.bindparam("org_id", type_=sa.Integer)
    standing = _not_reversed()

    def total(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(condition, standing), tx.minutes), else_=0)), 0)

    return (sa.select(total(sa.and_(tx.kind.in_(EXCHANGED), tx.provider_id == org_id)),
                      total(sa.and_(tx.kind.in_(EXCHANGED), tx.recipient_id == org_id)),
                      total(sa.and_(tx.kind == TransactionKind.DONATION, tx.provider_id == org_id)),
                      sa.func.count())
            .where(sa.or_(tx.provider_id == org_id, tx.recipient_id == org_id)))


def totals_of(org: Organisation) -> Totals:
    row = db.session.execute(_totals_statement(), {"org_id": org.id}).one()
    return Totals(*(int(value) for value in row))


@cache
def _series_statement():
    return (sa.select(LedgerTransaction.created_at, Entry.balance_after)
            .join(LedgerTransaction, Entry.transaction_id == LedgerTransaction.id)
            .join(Account, Entry.account_id == Account.id)
            .where(Account.organisation_id == sa.bindparam("org_id", type_=sa.Integer))
            .order_by(Entry.seq))


def balance_series(org: Organisation) -> list[tuple[datetime, int]]:
    """(when recorded, balance after) for every entry of the organisation's account, in order."""
    return [tuple(row) for row in db.session.execute(_series_statement(), {"org_id": org.id})]


class AccountState(NamedTuple):
    """An organisation's account as its balance page reads it (zeros: no account yet)."""

    balance: int = 0
    entry_count: int = 0
    last_hash: str = ""


def account_state(org: Organisation) -> AccountState:
    row = db.session.execute(sa.select(Account.balance_minutes, Account.entry_count, Account.last_hash)
                             .where(Account.organisation_id == org.id)).one_or_none()
    return AccountState(*row) if row else AccountState()


def chart_points(org: Organisation, account: AccountState) -> tuple[list[tuple[date, int]], str]:
    """`charts.balance_points` of the organisation's `balance_series`, remembered per account
    state. Entries are never changed or deleted, and the account's last hash covers every
    field of every entry and its transaction (the hash chain): while it stays the same, so do
    the points. Reading the series costs in proportion to the account's history; a page
    seen again before the account moves does not read it again."""
    if not account.entry_count:
        return [], "day"
    points, granularity = _chart_points(org.id, account.entry_count, account.last_hash)
    return list(points), granularity


@lru_cache(maxsize=4096)
def _chart_points(org_id: int, entry_count: int, last_hash: str) -> tuple[tuple[tuple[date, int], ...], str]:
    rows = db.session.execute(_series_statement(), {"org_id": org_id})
    points, granularity = charts.balance_points(rows, BRUSSELS)
    return tuple(points), granularity


def organisation_choices() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(Organisation.id, Organisation.name).where(Organisation.status.in_(LISTED))
        .order_by(Organisation.name))]


def organisations_named(text: str, limit: int = 10) -> list[tuple[int, str]]:
    """The listed organisations a typed name designates, for the open ledger's filter: the
    one with exactly this name (any case) if there is one, else up to `limit` whose name
    contains it, by name. An id that is a listed organisation's designates it (links)."""
    text = text.strip()
    name = sa.func.lower(Organisation.name)
    exact = sa.case((name == text.lower(), 0), else_=1)
    rows = db.session.execute(
        sa.select(Organisation.id, Organisation.name, exact)
        .where(Organisation.status.in_(LISTED), name.contains(text.lower(), autoescape=True))
        .order_by(exact, Organisation.name, Organisation.id).limit(limit + 1)).all()
    if rows and rows[0][2] == 0:
        return [(rows[0][0], rows[0][1])]
    return [(row[0], row[1]) for row in rows]


def organisation_name(org_id: int) -> str | None:
    """The name of a listed organisation (None: no such member)."""
    return db.session.scalar(sa.select(Organisation.name).where(Organisation.id == org_id,
                                                                Organisation.status.in_(LISTED)))


# --- coordinators: balances, fund levels, floors ----------------------------------------------


def fund_levels() -> dict[AccountKind, int]:
    """The solidarity fund's and the network account's balances (0 before their first movement)."""
    levels = {AccountKind.SOLIDARITY: 0, AccountKind.NETWORK: 0}
    levels.update(db.session.execute(sa.select(Account.kind, Account.balance_minutes)
                                     .where(Account.organisation_id.is_(None))).all())
    return levels


def floor_expression():
    """An organisation's floor in SQL: its own latest rule, else its stage's, else the default
    (the same order as `services.effective_floor`)."""
    own = (sa.select(FloorRule.floor_minutes).where(FloorRule.organisation_id == Organisation.id)
           .order_by(FloorRule.id.desc()).limit(1).scalar_subquery())
    stage = (sa.select(FloorRule.floor_minutes).where(FloorRule.stage == Organisation.stage)
             .order_by(FloorRule.id.desc()).limit(1).scalar_subquery())
    default = sa.case((Organisation.stage == Stage.EMERGING, default_floor(Stage.EMERGING)),
                      else_=default_floor(Stage.ESTABLISHED))
    return sa.func.coalesce(own, stage, default)


class BalanceRow(NamedTuple):
    organisation: Organisation
    balance: int
    floor: int
    given: int
    received: int

    @property
    def only_gives(self) -> bool:
        return self.given > 0 and self.received == 0

    @property
    def only_receives(self) -> bool:
        return self.received > 0 and self.given == 0

    @property
    def near_floor(self) -> bool:
        return self.balance - self.floor <= NEAR_FLOOR_MINUTES


BALANCE_SORTS = ("name", "balance", "-balance", "given", "-given", "received", "-received")
BALANCE_FLAGS = ("only_gives", "only_receives", "near_floor")


def balances(sort: str = "name", flag: str = "", page: int = 1, per_page: int = BALANCES_PAGE_SIZE) -> Page:
    """Every member's balance, floor and exchange totals, with the coordinators' flags."""
    tx = LedgerTransaction

    def totals(column):
        return (sa.select(column.label("org_id"), sa.func.sum(tx.minutes).label("minutes"))
                .where(tx.kind.in_(EXCHANGED), column.is_not(None), _not_reversed())
                .group_by(column).subquery())

    given_sq, received_sq = totals(tx.provider_id), totals(tx.recipient_id)
    balance = sa.func.coalesce(Account.balance_minutes, 0)
    floor = floor_expression()
    given = sa.func.coalesce(given_sq.c.minutes, 0)
    received = sa.func.coalesce(received_sq.c.minutes, 0)
    query = (sa.select(Organisation, balance, floor, given, received)
             .outerjoin(Account, Account.organisation_id == Organisation.id)
             .outerjoin(given_sq, given_sq.c.org_id == Organisation.id)
             .outerjoin(received_sq, received_sq.c.org_id == Organisation.id)
             .where(Organisation.status.in_(LISTED)))
    if flag == "only_gives":
        query = query.where(given > 0, received == 0)
    elif flag == "only_receives":
        query = query.where(received > 0, given == 0)
    elif flag == "near_floor":
        query = query.where(balance - floor <= NEAR_FLOOR_MINUTES)
    columns = {"name": Organisation.name, "balance": balance, "given": given, "received": received}
    column = columns.get(sort.lstrip("-"), Organisation.name)
    query = query.order_by(column.desc() if sort.startswith("-") else column.asc(), Organisation.name,
                           Organisation.id)
    result = _paginate(query, page, per_page)
    result.items = [BalanceRow(*(int(v) if i else v for i, v in enumerate(row))) for row in result.items]
    return result


def stage_floors() -> dict[Stage, tuple[int, FloorRule | None]]:
    """Each stage's floor now, with the rule that set it (None: the configured default)."""
    floors = {}
    for stage in Stage:
        rule = db.session.scalar(sa.select(FloorRule).where(FloorRule.stage == stage)
                                 .order_by(FloorRule.id.desc()).limit(1))
        floors[stage] = (rule.floor_minutes, rule) if rule else (default_floor(stage), None)
    return floors


def organisation_floors() -> list[FloorRule]:
    """The latest own floor of every organisation that has one."""
    latest = (sa.select(sa.func.max(FloorRule.id)).where(FloorRule.organisation_id.is_not(None))
              .group_by(FloorRule.organisation_id))
    return list(db.session.scalars(
        sa.select(FloorRule).where(FloorRule.id.in_(latest)).join(Organisation, FloorRule.organisation)
        .options(joinedload(FloorRule.organisation)).order_by(Organisation.name)))


def floor_history(organisation_id: int | None = None, limit: int = 100) -> list[FloorRule]:
    """Floor rules, newest first: all of them, or one organisation's own and its stage's."""
    query = sa.select(FloorRule).options(joinedload(FloorRule.organisation), joinedload(FloorRule.set_by))
    if organisation_id is not None:
        stage = sa.select(Organisation.stage).where(Organisation.id == organisation_id).scalar_subquery()
        query = query.where(sa.or_(FloorRule.organisation_id == organisation_id, FloorRule.stage == stage))
    return list(db.session.scalars(query.order_by(FloorRule.id.desc()).limit(limit)))


def reversal_of(tx: LedgerTransaction) -> int | None:
    return db.session.scalar(sa.select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == tx.id))
