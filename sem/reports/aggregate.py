"""Monthly hours, maintained with the ledger and recomputable from it.

The ledger's one writer (`ledger.services.post_transaction`) adds every transaction to them
in the same database transaction (`change_of`, then `apply`, or on PostgreSQL the upserts of
`postgresql_upserts` inside its own statement), so the tables never lag behind the ledger.
`rebuild` recomputes the whole table from the ledger (after a bulk load or an upgrade) and
`check` compares the table with a recomputation without writing anything. The same goes for
the pairs of organisations that exchanged, with their first and last month (`PairMonths`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from sem.core.db import utcnow
from sem.extensions import db
from sem.ledger.models import Account, AccountKind, Entry, LedgerTransaction, TransactionKind
from sem.reports.models import MonthlyHours, PairMonths, RollupState

BRUSSELS = ZoneInfo("Europe/Brussels")
KEY = ("month", "kind", "provider_id", "recipient_id", "competence_id")
VALUES = ("minutes", "count", "fund_minutes")


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_of(when: datetime) -> date:
    """The first day of the Brussels month of an aware timestamp."""
    return when.astimezone(BRUSSELS).date().replace(day=1)


def _row(kind: TransactionKind, occurred_on: datetime, provider_id, recipient_id, competence_id, minutes: int,
         fund_amount: int, *, original=None) -> tuple[tuple, tuple]:
    """The key and the values one transaction adds. `original` is (kind, occurred_on,
    provider_id, recipient_id, competence_id) of what a correction reverses."""
    sign = 1
    if kind is TransactionKind.CORRECTION:
        kind, occurred_on, provider_id, recipient_id, competence_id = original
        sign = -1
    # What the fund paid towards received hours: its leg is negative when it pays, positive
    # when a correction gives the hours back.
    fund_minutes = -fund_amount if kind is TransactionKind.EXCHANGE else 0
    key = (month_of(occurred_on), kind.value, provider_id or 0, recipient_id or 0, competence_id or 0)
    return key, (sign * minutes, sign, fund_minutes)


def dialect_insert(dialect_name: str):
    """The dialect's INSERT, which has ON CONFLICT (PostgreSQL and SQLite)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


_STATEMENTS: dict[tuple[str, str], sa.Executable] = {}


def _statement(name: str, dialect_name: str) -> sa.Executable:
    """The upserts `record` runs, built once per dialect: building one costs more than
    running it (this is on every settlement's path)."""
    key = (dialect_name, name)
    if key not in _STATEMENTS:
        insert = dialect_insert(dialect_name)
        if name == "monthly":
            table = MonthlyHours.__table__
            statement = insert(table)
            # The row's count after the upsert: above 1, the month already had exchanges of this
            # pair that stand, so the pair's months cover it (`apply` skips the pair's upsert).
            statement = statement.on_conflict_do_update(
                index_elements=list(KEY), set_={column: table.c[column] + statement.excluded[column]
                                                for column in VALUES}).returning(table.c.count)
        else:
            table = PairMonths.__table__
            statement = insert(table)
            new = statement.excluded
            if name == "pair":  # widen the pair's months to include this one
                changes = {
                    "first_month": sa.case((new.first_month < table.c.first_month, new.first_month),
                                           else_=table.c.first_month),
                    "last_month": sa.case((new.last_month > table.c.last_month, new.last_month),
                                          else_=table.c.last_month)}
                # A pair's months almost always cover the new one already: then nothing is
                # written (no new row version, no page to write back at commit).
                where = sa.or_(new.first_month < table.c.first_month, new.last_month > table.c.last_month)
                statement = statement.on_conflict_do_update(index_elements=["low_id", "high_id"], set_=changes,
                                                            where=where)
            else:  # "pair_reset": the months as read again after a correction
                statement = statement.on_conflict_do_update(
                    index_elements=["low_id", "high_id"],
                    set_={"first_month": new.first_month, "last_month": new.last_month})
        _STATEMENTS[key] = statement
    return _STATEMENTS[key]


def _pair_months(low: int, high: int) -> tuple[date | None, date | None]:
    """The first and last month in which two organisations' exchanges stand (from the monthly table)."""
    mh = MonthlyHours
    months = (sa.select(mh.month.label("month"))
              .where(mh.kind == TransactionKind.EXCHANGE.value,
                     sa.or_(sa.and_(mh.provider_id == low, mh.recipient_id == high),
                            sa.and_(mh.provider_id == high, mh.recipient_id == low)))
              .group_by(mh.month).having(sa.func.sum(mh.count) > 0).subquery())
    first, last = db.session.execute(sa.select(sa.func.min(months.c.month), sa.func.max(months.c.month))).one()
    if isinstance(first, str):  # SQLite, through an aggregate
        first, last = date.fromisoformat(first), date.fromisoformat(last)
    return first, last


@dataclass(slots=True)
class Change:
    """What one ledger transaction adds to the tables: its monthly row, and the pair (low id,
    high id) and month of an exchange between two organisations (`pair` None otherwise).
    `correction`: the pair's months must be read again (`apply`)."""
    monthly: dict
    pair: dict | None
    correction: bool


def change_of(tx: dict, fund_amount: int) -> Change:
    """The change a new transaction makes, from its column values (`kind`, `occurred_on`,
    `provider_id`, `recipient_id`, `competence_id`, `minutes`, `reverses_id`) and the
    solidarity fund's leg in it (`fund_amount`, 0 if none)."""
    kind = tx["kind"]
    original = None
    if kind is TransactionKind.CORRECTION:
        rev = db.session.get(LedgerTransaction, tx["reverses_id"])
        original = (rev.kind, rev.occurred_on, rev.provider_id, rev.recipient_id, rev.competence_id)
    key, values = _row(kind, tx["occurred_on"], tx["provider_id"], tx["recipient_id"], tx["competence_id"],
                       tx["minutes"], fund_amount, original=original)
    month, row_kind, provider_id, recipient_id = key[:4]
    pair = None
    if row_kind == TransactionKind.EXCHANGE.value and provider_id and recipient_id:
        pair = {"low_id": min(provider_id, recipient_id), "high_id": max(provider_id, recipient_id),
                "first_month": month, "last_month": month}
    return Change(dict(zip(KEY + VALUES, key + values, strict=True)), pair, kind is TransactionKind.CORRECTION)


def record(tx: dict, fund_amount: int, connection: sa.Connection | None = None) -> None:
    """Add one new ledger transaction (its column values, as `change_of` takes them) to the
    monthly figures, in the current database transaction."""
    connection = connection or db.session.connection()
    apply(change_of(tx, fund_amount), connection)


def apply(change: Change, connection: sa.Connection) -> None:
    """Write `change` to the tables, in the connection's database transaction."""
    dialect_name = connection.dialect.name
    count = connection.execute(_statement("monthly", dialect_name), change.monthly).scalar()
    if change.pair is None:
        return
    if change.correction:  # the pair's first or last month may be gone: read them again
        low, high = change.pair["low_id"], change.pair["high_id"]
        first, last = _pair_months(low, high)
        table = PairMonths.__table__
        if first is None:
            connection.execute(sa.delete(table).where(table.c.low_id == low, table.c.high_id == high))
            return
        connection.execute(_statement("pair_reset", dialect_name),
                           {"low_id": low, "high_id": high, "first_month": first, "last_month": last})
    elif count <= 1:  # else this month stood already: the pair's months cover it
        connection.execute(_statement("pair", dialect_name), change.pair)


# --- the rollup of closed months (`sem.reports.rollup`) ---------------------------------------

STATE_ID = 1


def upsert_state(connection: sa.Connection, set_: dict) -> sa.Executable:
    insert = dialect_insert(connection.dialect.name)
    table = RollupState.__table__
    statement = insert(table).values(id=STATE_ID, past_version=1, profile_version=0)
    return statement.on_conflict_do_update(index_elements=["id"], set_=set_).returning(table.c.past_version)


def closed_before(now: datetime | None = None) -> date:
    """Writes into a month before this one make the rollup stale (`note_change`)."""
    return add_months(month_of(now or utcnow()), -1)


def mark_stale(connection: sa.Connection | None = None) -> None:
    """Raise the counter: the rollup built so far no longer matches the monthly table."""
    connection = connection or db.session.connection()
    table = RollupState.__table__
    connection.execute(upsert_state(connection, {"past_version": table.c.past_version + 1}))


def note_change(monthly: dict, connection: sa.Connection, now: datetime | None = None) -> None:
    """Called with every monthly row a ledger transaction adds (`aggregate.Change.monthly`):
    an exchange in a month before last month makes the rollup stale."""
    if monthly["kind"] == TransactionKind.EXCHANGE.value and monthly["month"] < closed_before(now):
        mark_stale(connection)


def postgresql_upserts() -> tuple[str, str]:
    """PostgreSQL: the monthly upsert and the pair's (as in `_statement`) as common table
    expressions of the statement that appends a transaction, written only when its CTE
    `new_tx` inserted a row. Parameters: `r_` + the names of `KEY + VALUES`, and `p_low_id`,
    `p_high_id`, `p_month`."""
    casts = {"month": "DATE", "kind": "VARCHAR", "minutes": "BIGINT", "fund_minutes": "BIGINT"}
    columns = KEY + VALUES
    values = ", ".join(f"CAST(:r_{name} AS {casts.get(name, 'INTEGER')})" for name in columns)
    monthly = (
        f"report_monthly AS (INSERT INTO report_monthly_hours ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {values} FROM new_tx "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
        + ", ".join(f"{name} = report_monthly_hours.{name} + EXCLUDED.{name}" for name in VALUES) + ")")
    pair = (
        "report_pair AS (INSERT INTO report_pair_months (low_id, high_id, first_month, last_month) "
        "SELECT CAST(:p_low_id AS INTEGER), CAST(:p_high_id AS INTEGER), CAST(:p_month AS DATE), "
        "CAST(:p_month AS DATE) FROM new_tx "
        "ON CONFLICT (low_id, high_id) DO UPDATE SET "
        "first_month = LEAST(report_pair_months.first_month, EXCLUDED.first_month), "
        "last_month = GREATEST(report_pair_months.last_month, EXCLUDED.last_month) "
        "WHERE EXCLUDED.first_month < report_pair_months.first_month "
        "OR EXCLUDED.last_month > report_pair_months.last_month)")
    return monthly, pair


def postgresql_parameters(change: Change) -> dict:
    """The parameters of `postgresql_upserts`' statements for a change."""
    params = {f"r_{name}": value for name, value in change.monthly.items()}
    if change.pair is not None:
        params.update(p_low_id=change.pair["low_id"], p_high_id=change.pair["high_id"],
                      p_month=change.pair["first_month"])
    return params


def recompute() -> dict[tuple, list[int]]:
    """The monthly figures computed from the ledger alone (streamed, one pass)."""
    tx, orig = LedgerTransaction, aliased(LedgerTransaction)
    fund_id = db.session.scalar(sa.select(Account.id).where(Account.kind == AccountKind.SOLIDARITY,
                                                            Account.organisation_id.is_(None)))
    fund_entry = aliased(Entry)
    query = (sa.select(tx.kind, tx.occurred_on, tx.provider_id, tx.recipient_id, tx.competence_id, tx.minutes,
                       sa.func.coalesce(fund_entry.amount_minutes, 0), orig.kind, orig.occurred_on,
                       orig.provider_id, orig.recipient_id, orig.competence_id)
             .outerjoin(orig, tx.reverses_id == orig.id)
             .outerjoin(fund_entry, sa.and_(fund_entry.transaction_id == tx.id, fund_entry.account_id == fund_id))
             .order_by(tx.id))
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in db.session.execute(query.execution_options(yield_per=50_000)):
        original = tuple(row[7:]) if row[0] is TransactionKind.CORRECTION else None
        key, values = _row(*row[:7], original=original)
        total = totals[key]
        for i, value in enumerate(values):
            total[i] += value
    return dict(totals)


def pairs_of(totals: dict[tuple, list[int]]) -> dict[tuple[int, int], list[date]]:
    """(low id, high id) → [first month, last month] of the exchanges that stand, from monthly totals."""
    pairs: dict[tuple[int, int], list[date]] = {}
    for (month, kind, provider_id, recipient_id, _competence), (_minutes, count, _fund) in totals.items():
        if kind != TransactionKind.EXCHANGE.value or not provider_id or not recipient_id or count <= 0:
            continue
        pair = pairs.setdefault((min(provider_id, recipient_id), max(provider_id, recipient_id)), [month, month])
        pair[0], pair[1] = min(pair[0], month), max(pair[1], month)
    return pairs


def rebuild(batch: int = 20_000) -> int:
    """Replace the tables' content with a recomputation from the ledger; returns the monthly rows."""
    totals = recompute()
    db.session.execute(sa.delete(MonthlyHours))
    db.session.execute(sa.delete(PairMonths))
    mark_stale()
    rows = [dict(zip(KEY + VALUES, key + tuple(values), strict=True)) for key, values in sorted(totals.items())]
    for start in range(0, len(rows), batch):
        db.session.execute(sa.insert(MonthlyHours), rows[start:start + batch])
    pairs = [{"low_id": low, "high_id": high, "first_month": first, "last_month": last}
             for (low, high), (first, last) in sorted(pairs_of(totals).items())]
    for start in range(0, len(pairs), batch):
        db.session.execute(sa.insert(PairMonths), pairs[start:start + batch])
    db.session.flush()
    # Fresh statistics, or the query planner takes a million rows for a handful.
    for table in (MonthlyHours, PairMonths):
        db.session.execute(sa.text(f"ANALYZE {table.__tablename__}"))
    return len(rows)


@dataclass
class Check:
    rows: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def check() -> Check:
    """Compare the tables with a recomputation from the ledger (reads only)."""
    expected = recompute()
    stored = {tuple(row[:5]): list(row[5:]) for row in db.session.execute(
        sa.select(*(MonthlyHours.__table__.c[name] for name in KEY + VALUES)))}
    report = Check(rows=len(stored))
    for key in sorted(set(expected) | set(stored), key=str):
        want, have = expected.get(key, [0, 0, 0]), stored.get(key, [0, 0, 0])
        if want != have:
            report.differences.append(f"{key}: table {have}, ledger {want}")
    want_pairs = pairs_of(expected)
    have_pairs = {(row.low_id, row.high_id): [row.first_month, row.last_month]
                  for row in db.session.execute(sa.select(PairMonths.__table__))}
    for key in sorted(set(want_pairs) | set(have_pairs)):
        if want_pairs.get(key) != have_pairs.get(key):
            report.differences.append(f"pair {key}: table {have_pairs.get(key)}, ledger {want_pairs.get(key)}")
    return report
