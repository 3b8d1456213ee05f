"""Monthly hours, maintained with the ledger and recomputable from it.

`record` is called by the ledger's one writer (`ledger.services.post_transaction`) for every
transaction, in the same database transaction, so the table never lags behind the ledger.
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

from sem.extensions import db
from sem.ledger.models import Account, AccountKind, Entry, LedgerTransaction, TransactionKind
from sem.reports.models import MonthlyHours, PairMonths

BRUSSELS = ZoneInfo("Europe/Brussels")
KEY = ("month", "kind", "provider_id", "recipient_id", "competence_id")
VALUES = ("minutes", "count", "fund_minutes")


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


def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


_STATEMENTS: dict[tuple[str, str], sa.Executable] = {}


def _statement(name: str) -> sa.Executable:
    """The upserts `record` runs, built once per dialect: building one costs more than
    running it (this is on every settlement's path)."""
    key = (db.session.get_bind().dialect.name, name)
    if key not in _STATEMENTS:
        if name == "monthly":
            table = MonthlyHours.__table__
            statement = _insert()(table)
            statement = statement.on_conflict_do_update(
                index_elements=list(KEY), set_={column: table.c[column] + statement.excluded[column]
                                                for column in VALUES})
        else:
            table = PairMonths.__table__
            statement = _insert()(table)
            new = statement.excluded
            if name == "pair":  # widen the pair's months to include this one
                changes = {
                    "first_month": sa.case((new.first_month < table.c.first_month, new.first_month),
                                           else_=table.c.first_month),
                    "last_month": sa.case((new.last_month > table.c.last_month, new.last_month),
                                          else_=table.c.last_month)}
            else:  # "pair_reset": the months as read again after a correction
                changes = {"first_month": new.first_month, "last_month": new.last_month}
            statement = statement.on_conflict_do_update(index_elements=["low_id", "high_id"], set_=changes)
        _STATEMENTS[key] = statement
    return _STATEMENTS[key]


def _upsert(rows: list[dict]) -> None:
    db.session.execute(_statement("monthly"), rows)


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


def _record_pair(month: date, provider_id: int, recipient_id: int, *, correction: bool) -> None:
    low, high = min(provider_id, recipient_id), max(provider_id, recipient_id)
    table = PairMonths.__table__
    if correction:  # the pair's first or last month may be gone: read them again
        first, last = _pair_months(low, high)
        if first is None:
            db.session.execute(sa.delete(table).where(table.c.low_id == low, table.c.high_id == high))
            return
        db.session.execute(_statement("pair_reset"),
                           {"low_id": low, "high_id": high, "first_month": first, "last_month": last})
        return
    db.session.execute(_statement("pair"), {"low_id": low, "high_id": high, "first_month": month, "last_month": month})


def record(tx: LedgerTransaction, fund_amount: int) -> None:
    """Add one new ledger transaction to the monthly figures (`fund_amount`: the solidarity
    fund's leg in it, 0 if none)."""
    original = None
    if tx.kind is TransactionKind.CORRECTION:
        rev = tx.reverses
        original = (rev.kind, rev.occurred_on, rev.provider_id, rev.recipient_id, rev.competence_id)
    key, values = _row(tx.kind, tx.occurred_on, tx.provider_id, tx.recipient_id, tx.competence_id, tx.minutes,
                       fund_amount, original=original)
    _upsert([dict(zip(KEY + VALUES, key + values, strict=True))])
    month, kind, provider_id, recipient_id = key[:4]
    if kind == TransactionKind.EXCHANGE.value and provider_id and recipient_id:
        _record_pair(month, provider_id, recipient_id, correction=tx.kind is TransactionKind.CORRECTION)


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
