"""The rollup of closed months: the dashboard's sums over every month before last month,
computed once, so that a long period reads a few thousand rows instead of a million.

At federation size the monthly table holds about one row per exchange (a month's provider,
recipient and competence are nearly always new), so ten years of dashboard summed a million
rows on every cold request. For the months before `RollupState.boundary` the rollup keeps:
- `RollupHours`: sums by month and competence and by month and stage class, for every
  exchange and for the exchanges touching each sector or public and each commune (the
  dashboard's single filters);
- `RollupOrganisation`: each organisation's running totals of hours given and received;
- `RollupPairs`: how many pairs exchanged in each month, by the pair's previous month, so
  that the partnerships of any run of closed months are one sum; `RollupPairLastMonth`:
  each pair's last closed month, for the pairs of the later months.
`sem.reports.queries.period_totals` reads these for the closed part of a period, sums the
monthly table for the rest (the last two or three months) and adds the two.

It is read only while it still matches what it was computed from (`usable`):
- the closed months: a ledger transaction that changes a month before last month raises
  `RollupState.past_version` in its own database transaction (`note_change`), and so does a
  rebuild of the monthly table; the build records the value it read *before* reading the
  months, so a change committed during the build makes it stale rather than wrong;
- the boundary lies two months before the build: a transaction still open when the month
  turned raises the counter for any month the rollup holds;
- the organisations' stages, communes and vocabulary links (the classes and filters): the
  counter that triggers raise whenever one changes (`report_profile_version`), read first too.
Otherwise the dashboard sums the monthly table over the whole period, as it always can, and
the scheduler's "reports" job builds the rollup again.
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from sem.core.db import utcnow
from sem.extensions import db
from sem.ledger.models import TransactionKind
from sem.members.models import Organisation, organisation_term
from sem.reports import queries
from sem.reports.aggregate import STATE_ID, add_months, month_of, upsert_state
from sem.reports.models import (
    MonthlyHours,
    RollupHours,
    RollupOrganisation,
    RollupPairLastMonth,
    RollupPairs,
    RollupState,
)

EXCHANGE = TransactionKind.EXCHANGE.value
ALL = "*"  # the value of every exchange (no organisation filter)
MODELS = (RollupHours, RollupPairs, RollupPairLastMonth, RollupOrganisation)


def boundary_for(now: datetime | None = None) -> date:
    """The first month a rollup built now leaves out: one month earlier than `aggregate.closed_before`,
    so that a transaction that began last month is covered too."""
    return add_months(month_of(now or utcnow()), -2)


# --- what the rollup was computed from ----------------------------------------------------------


# Not a model (a migration makes it, with its triggers): read as a plain table.
_PROFILES = sa.table("report_profile_version", sa.column("id"), sa.column("n"))
PROFILE_VERSION = sa.select(_PROFILES.c.n).where(_PROFILES.c.id == 1)


def usable() -> date | None:
    """The rollup's boundary when it matches the data (months before it can be read from
    it), else None."""
    state = RollupState.__table__
    row = db.session.execute(sa.select(state.c.boundary, state.c.built_version, state.c.past_version,
                                       state.c.profile_version, PROFILE_VERSION.scalar_subquery())
                             .where(state.c.id == STATE_ID)).first()
    if row is None or row[0] is None or row[1] != row[2] or row[3] != row[4]:
        return None
    return date.fromisoformat(row[0]) if isinstance(row[0], str) else row[0]


# --- building ------------------------------------------------------------------------------------


@dataclass
class Built:
    boundary: date
    hours_rows: int
    organisation_rows: int


def value_of(filters: "queries.ReportFilters") -> str | None:
    """The rollup's value for the filters: "*" without any, one for a single filter, None for
    two or more (those read the monthly table)."""
    chosen = [f"t{filters.sector_id}" if filters.sector_id else None,
              f"t{filters.public_id}" if filters.public_id else None,
              f"c{filters.commune}" if filters.commune else None]
    chosen = [value for value in chosen if value]
    if not chosen:
        return ALL
    return chosen[0] if len(chosen) == 1 else None


def _by_value(rows, left: str, right: str, keys: tuple[str, ...], sums: tuple[str, ...],
              sets: tuple[tuple[str, ...], ...]) -> sa.Select:
    """The sums of `rows` (a CTE whose columns `left` and `right` are the two organisations)
    along each grouping set of `keys`, for every value: "*" (every row), "t" + a term (the rows
    either side of which has it) and "c" + a commune, each row once per value. Columns: value,
    grouping (the set's place in `sets`), the keys (NULL when not in the set) and the sums."""
    ot, org = organisation_term, Organisation.__table__
    left_id, right_id = rows.c[left], rows.c[right]
    columns = [rows.c[name] for name in keys + sums]
    # One join per kind of value rather than one on a union of them: the planner can then
    # count what each join gives (it took a million rows for a hundred million and sorted).
    lt, rt, again = ot.alias("lt"), ot.alias("rt"), ot.alias("again")
    terms = sa.union_all(
        sa.select(lt.c.term_id.label("key"), *columns).select_from(rows.join(lt, lt.c.organisation_id == left_id)),
        sa.select(rt.c.term_id, *columns).select_from(rows.join(rt, rt.c.organisation_id == right_id))
        .where(~sa.exists().where(again.c.organisation_id == left_id, again.c.term_id == rt.c.term_id)))
    lo, ro = org.alias("lo"), org.alias("ro")
    communes = sa.union_all(
        sa.select(lo.c.commune.label("key"), *columns).select_from(rows.join(lo, lo.c.id == left_id)),
        sa.select(ro.c.commune, *columns)
        .select_from(rows.join(ro, ro.c.id == right_id).outerjoin(lo, lo.c.id == left_id))
        .where(sa.or_(lo.c.id.is_(None), ro.c.commune != lo.c.commune)))
    star = sa.select(sa.literal(ALL).label("key"), *columns)
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    distinguishing = [name for name in sets[0] if any(name not in other for other in sets)]
    parts = []
    for source, value in ((star, lambda key: key), (terms, lambda key: sa.literal("t") + sa.cast(key, sa.String)),
                          (communes, lambda key: sa.literal("c") + key)):
        c = source.subquery().c
        totals = [sa.func.sum(c[name]).label(name) for name in sums]
        if postgresql and len(sets) > 1:
            parts.append(sa.select(value(c.key).label("value"),
                                   sa.func.grouping(*(c[name] for name in distinguishing)).label("grouping"),
                                   *(c[name] for name in keys), *totals)
                         .group_by(sa.func.grouping_sets(*(sa.tuple_(c.key, *(c[name] for name in names))
                                                          for names in sets))))
            continue
        for n, names in enumerate(sets):
            parts.append(sa.select(value(c.key).label("value"), sa.literal(n).label("grouping"),
                                   *(c[name] if name in names else sa.null().label(name) for name in keys), *totals)
                         .group_by(c.key, *(c[name] for name in names)))
    return sa.union_all(*parts)


def _build_hours(first: date, boundary: date) -> None:
    rows = queries.period_rows(queries.ReportFilters(first, add_months(boundary, -1)), None).cte("base")
    grouped = _by_value(rows, "p", "r", ("month", "competence_id", "cls"), ("minutes", "count", "fund_minutes"),
                        (("month", "competence_id"), ("month", "cls")))
    db.session.execute(sa.insert(RollupHours.__table__).from_select(
        ["value", "grouping", "month", "competence_id", "cls", "minutes", "count", "fund_minutes"], grouped))


def _build_pairs(boundary: date) -> None:
    """Each pair's months with exchanges that stand (a month's exchanges of a pair never sum
    below zero: a correction cancels an exchange of its own month), with the month before."""
    mh = MonthlyHours.__table__
    p, r = mh.c.provider_id, mh.c.recipient_id
    low, high = sa.case((p < r, p), else_=r), sa.case((p < r, r), else_=p)
    months = (sa.select(low.label("lo"), high.label("hi"), mh.c.month)
              .where(mh.c.kind == EXCHANGE, mh.c.month < boundary, p > 0, r > 0)
              .group_by(low, high, mh.c.month).having(sa.func.sum(mh.c.count) > 0).subquery("pair_months"))
    previous = sa.func.lag(months.c.month).over(partition_by=(months.c.lo, months.c.hi), order_by=months.c.month)
    rows = sa.select(months.c.lo, months.c.hi, months.c.month, previous.label("previous_month"),
                     sa.literal(1).label("n")).cte("pairs")
    grouped = _by_value(rows, "lo", "hi", ("month", "previous_month"), ("n",), (("month", "previous_month"),))
    g = grouped.subquery()
    db.session.execute(sa.insert(RollupPairs.__table__).from_select(
        ["value", "month", "previous_month", "pairs"], sa.select(g.c.value, g.c.month, g.c.previous_month, g.c.n)))
    db.session.execute(sa.insert(RollupPairLastMonth.__table__).from_select(
        ["low_id", "high_id", "last_month"],
        sa.select(months.c.lo, months.c.hi, sa.func.max(months.c.month)).group_by(months.c.lo, months.c.hi)))


def _build_organisations(first: date, boundary: date) -> None:
    mh = MonthlyHours.__table__
    closed = sa.and_(mh.c.kind == EXCHANGE, mh.c.month < boundary)
    zero = sa.literal(0)
    sides = sa.union_all(
        sa.select(mh.c.provider_id.label("org"), mh.c.month, mh.c.minutes.label("gm"), mh.c.count.label("gc"),
                  zero.label("rm"), zero.label("rc")).where(closed, mh.c.provider_id > 0),
        sa.select(mh.c.recipient_id, mh.c.month, zero, zero, mh.c.minutes, mh.c.count)
        .where(closed, mh.c.recipient_id > 0)).subquery("sides")
    s = sides.c
    sums = (sa.select(s.org, s.month, sa.func.sum(s.gm).label("gm"), sa.func.sum(s.gc).label("gc"),
                      sa.func.sum(s.rm).label("rm"), sa.func.sum(s.rc).label("rc"))
            .group_by(s.org, s.month).cte("sums"))
    firsts = sa.select(sums.c.org, sa.func.min(sums.c.month).label("first")).group_by(sums.c.org).subquery("firsts")
    months, month = [], first
    while month < boundary:
        months.append((month,))
        month = add_months(month, 1)
    selects = [sa.select(sa.literal(month, sa.Date).label("month")) for (month,) in months]
    every = (sa.union_all(*selects) if len(selects) > 1 else selects[0]).subquery("months")
    grid = (sa.select(firsts.c.org, every.c.month).select_from(firsts.join(every, every.c.month >= firsts.c.first))
            .subquery("grid"))
    window = {"partition_by": grid.c.org, "order_by": grid.c.month}
    running = [sa.func.sum(sa.func.coalesce(sums.c[name], 0)).over(**window) for name in ("gm", "gc", "rm", "rc")]
    select = (sa.select(grid.c.month, grid.c.org, *running)
              .select_from(grid.outerjoin(sums, sa.and_(sums.c.org == grid.c.org, sums.c.month == grid.c.month))))
    db.session.execute(sa.insert(RollupOrganisation.__table__).from_select(
        ["month", "organisation_id", "given_minutes", "given_count", "received_minutes", "received_count"], select))


def build(now: datetime | None = None) -> Built:
    """Compute the rollup again from the monthly table, in the current transaction (the
    caller commits). Concurrent builds wait for each other."""
    now = now or utcnow()
    connection = db.session.connection()
    table = RollupState.__table__
    # First lock the state and read the counter: a change to the closed months committed
    # from here on raises it after this build has read what it reads.
    version = connection.execute(upsert_state(connection, {"past_version": table.c.past_version})).scalar()
    profiles = connection.execute(PROFILE_VERSION).scalar()
    boundary = boundary_for(now)
    if connection.dialect.name == "postgresql":  # hash tables in memory for the million rows' sums
        connection.execute(sa.text("SET LOCAL work_mem = '256MB'"))
    for model in MODELS:
        db.session.execute(sa.delete(model))
    mh = MonthlyHours
    first = db.session.scalar(sa.select(sa.func.min(mh.month)).where(mh.kind == EXCHANGE, mh.month < boundary))
    if isinstance(first, str):
        first = date.fromisoformat(first)
    if first is not None:
        _build_hours(first, boundary)
        _build_pairs(boundary)
        _build_organisations(first, boundary)
    connection.execute(sa.update(table).where(table.c.id == STATE_ID).values(
        built_version=version, boundary=boundary, profile_version=profiles, built_at=now))
    for model in MODELS:
        db.session.execute(sa.text(f"ANALYZE {model.__tablename__}"))
    return Built(boundary, db.session.scalar(sa.select(sa.func.count()).select_from(RollupHours)),
                 db.session.scalar(sa.select(sa.func.count()).select_from(RollupOrganisation)))


def refresh(now: datetime | None = None) -> str:
    """Build the rollup when it is stale or its boundary is older than a new build's would
    be (once a month); the scheduler's "reports" job."""
    now = now or utcnow()
    boundary = usable()
    if boundary is not None and boundary >= boundary_for(now):
        return f"the rollup of the months before {boundary:%Y-%m} is up to date"
    built = build(now)
    return (f"rollup of the months before {built.boundary:%Y-%m} built: {built.hours_rows} row(s) of hours, "
            f"{built.organisation_rows} of organisations")


# --- reading -------------------------------------------------------------------------------------


@dataclass
class ClosedPart:
    """The rollup's sums over a run of closed months, as the period's pass gives them."""

    months: dict  # month → [minutes, exchanges, fund minutes]
    competences: dict  # competence id → [minutes, exchanges]
    classes: dict  # stage class (None: a side is no organisation) → [minutes, exchanges]
    given: dict  # organisation → [minutes, exchanges, exchanges since `since`]
    received: dict


def closed_part(value: str, month_from: date, month_to: date, *, since: date | None,
                organisation_ids=None) -> ClosedPart:
    """The sums of `value` over the closed months from `month_from` to `month_to` (both
    before the boundary); `organisation_ids`: the organisations the per-member sums are kept
    for (a subquery; None: all)."""
    rh = RollupHours
    in_range = sa.and_(rh.value == value, rh.month >= month_from, rh.month <= month_to)
    statement = sa.union_all(
        sa.select(sa.literal(0), sa.null(), rh.competence_id, sa.null(), sa.func.sum(rh.minutes),
                  sa.func.sum(rh.count), sa.literal(0))
        .where(in_range, rh.grouping == 0).group_by(rh.competence_id),
        sa.select(sa.literal(1), rh.month, sa.null(), rh.cls, rh.minutes, rh.count, rh.fund_minutes)
        .where(in_range, rh.grouping == 1))
    part = ClosedPart({}, {}, {}, {}, {})
    for grouping, month, competence_id, cls, minutes, count, fund in db.session.execute(statement):
        minutes, count = int(minutes), int(count)
        if grouping == 0:
            part.competences[competence_id] = [minutes, count]
            continue
        month = date.fromisoformat(month) if isinstance(month, str) else month
        cell = part.months.setdefault(month, [0, 0, 0])
        cell[0] += minutes
        cell[1] += count
        cell[2] += int(fund)
        cell = part.classes.setdefault(cls, [0, 0])
        cell[0] += minutes
        cell[1] += count
    # Running totals: the run's sums are the last month's minus those of the month before it.
    ro = RollupOrganisation.__table__
    last, before, recent = ro.alias("last"), ro.alias("before"), ro.alias("recent")
    before_month = add_months(month_from, -1)
    since_before = add_months(max(since, month_from), -1) if since and since <= month_to else None
    columns = [last.c.organisation_id]
    for name in ("given_minutes", "given_count", "received_minutes", "received_count"):
        columns.append(last.c[name] - sa.func.coalesce(before.c[name], 0))
    joins = last.outerjoin(before, sa.and_(before.c.organisation_id == last.c.organisation_id,
                                           before.c.month == before_month))
    if since_before is not None:
        joins = joins.outerjoin(recent, sa.and_(recent.c.organisation_id == last.c.organisation_id,
                                                recent.c.month == since_before))
        columns += [last.c.given_count - sa.func.coalesce(recent.c.given_count, 0),
                    last.c.received_count - sa.func.coalesce(recent.c.received_count, 0)]
    query = sa.select(*columns).select_from(joins).where(last.c.month == month_to)
    if organisation_ids is not None:
        query = query.where(last.c.organisation_id.in_(organisation_ids))
    for row in db.session.execute(query):
        org_id, gm, gc, rm, rc = row[:5]
        recent_given, recent_received = (row[5], row[6]) if since_before is not None else (0, 0)
        if gc or gm:
            part.given[org_id] = [int(gm), int(gc), int(recent_given)]
        if rc or rm:
            part.received[org_id] = [int(rm), int(rc), int(recent_received)]
    return part


def closed_partnerships(value: str, month_from: date, month_to: date) -> int:
    """The pairs (of `value`) that exchanged in a run of closed months: those of its months
    whose previous month of exchanges lies before the run."""
    rp = RollupPairs
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(rp.pairs), 0)).where(
        rp.value == value, rp.month >= month_from, rp.month <= month_to,
        sa.or_(rp.previous_month.is_(None), rp.previous_month < month_from))))
