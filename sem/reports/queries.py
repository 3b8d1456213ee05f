"""Impact figures, read-only. Hours come from the monthly table (`report_monthly_hours`),
kept with the ledger; needs, proposals and offers from the market and exchanges tables.

Every figure is computed for a `ReportFilters`: a period of whole months (Europe/Brussels)
and, optionally, a sector, a target public and a commune. An exchange counts when its
provider or its recipient matches the organisation filters; member-level figures count the
members that match them. Stages, sectors and communes are the organisations' current ones.

Speed at federation size (5,000 organisations, a hundred thousand monthly rows a year): the
dashboard and the home page read the period's monthly rows once (`period_totals`: every sum
they need in one grouped statement), partnerships come from each pair's first and last month
(`report_pair_months`) when the period runs to the last month, and the network graph sums the
pairs once in the database and brings back only the few hundred rows it draws.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from sem.catalogue.models import Competence, Domain, Term, TermKind
from sem.core.db import utcnow
from sem.exchanges.models import Exchange, Proposal
from sem.extensions import db
from sem.ledger.models import Account, AccountKind, TransactionKind
from sem.market.models import Need, Offer, PostStatus
from sem.members.models import Organisation, OrgStatus, Stage, organisation_term
from sem.reports.aggregate import add_months, month_of
from sem.reports.models import MonthlyHours, PairMonths, RollupPairLastMonth

BRUSSELS = ZoneInfo("Europe/Brussels")
EXCHANGE = TransactionKind.EXCHANGE.value
INACTIVE_MONTHS = 3  # "inactive for three months": nothing since the first day of the month three months back
LIST_LIMIT = 100  # member lists on the page; the exports hold them all
# Balance spread: the upper bounds (in minutes) of each bucket; the last one is open.
BALANCE_BUCKETS = (-1200, -600, -300, -1, 0, 300, 600, 1200, 3000)


# --- filters --------------------------------------------------------------------------------


@dataclass
class ReportFilters:
    month_from: date  # first day of the first month
    month_to: date  # first day of the last month (included)
    sector_id: int | None = None
    public_id: int | None = None
    commune: str | None = None

    @classmethod
    def default(cls, *, months: int = 12, now: datetime | None = None, **kwargs) -> "ReportFilters":
        """The last `months` months, this one included."""
        this_month = month_of(now or utcnow())
        return cls(month_from=add_months(this_month, -(months - 1)), month_to=this_month, **kwargs)

    @property
    def months(self) -> list[date]:
        months, month = [], self.month_from
        while month <= self.month_to:
            months.append(month)
            month = add_months(month, 1)
        return months

    @property
    def start(self) -> datetime:
        return datetime.combine(self.month_from, datetime.min.time(), tzinfo=BRUSSELS)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(add_months(self.month_to, 1), datetime.min.time(), tzinfo=BRUSSELS)

    @property
    def filters_organisations(self) -> bool:
        return bool(self.sector_id or self.public_id or self.commune)

    def args(self) -> dict:
        """The filters as URL query arguments (for links and exports)."""
        values = {"from": self.month_from.strftime("%Y-%m"), "to": self.month_to.strftime("%Y-%m"),
                  "sector": self.sector_id, "public": self.public_id, "commune": self.commune}
        return {key: value for key, value in values.items() if value}

    def organisation_ids(self):
        """A subquery of the organisations that match the sector, public and commune filters."""
        query = sa.select(Organisation.id)
        if self.commune:
            query = query.where(Organisation.commune == self.commune)
        for term_id in (self.sector_id, self.public_id):
            if term_id:
                query = query.where(sa.exists().where(organisation_term.c.organisation_id == Organisation.id,
                                                      organisation_term.c.term_id == term_id))
        return query


# --- organisations ----------------------------------------------------------------------------


def terms(kind: TermKind) -> dict[int, Term]:
    return {term.id: term for term in db.session.scalars(
        sa.select(Term).where(Term.kind == kind).order_by(Term.label_fr, Term.id))}


def communes() -> list[str]:
    return list(db.session.scalars(sa.select(Organisation.commune).where(Organisation.status == OrgStatus.APPROVED)
                                   .distinct().order_by(Organisation.commune)))


# --- hours from the monthly table -------------------------------------------------------------


def _hours_query(filters: ReportFilters, *columns, kind: str = EXCHANGE):
    mh = MonthlyHours
    query = sa.select(*columns).where(mh.kind == kind, mh.month >= filters.month_from, mh.month <= filters.month_to)
    if filters.filters_organisations:
        ids = filters.organisation_ids()
        query = query.where(sa.or_(mh.provider_id.in_(ids), mh.recipient_id.in_(ids)))
    return query


@dataclass
class MonthRow:
    month: date
    minutes: int = 0
    exchanges: int = 0
    fund_minutes: int = 0


def by_month(filters: ReportFilters) -> list[MonthRow]:
    """Hours exchanged, exchanges and the fund's share, for every month of the period (the
    pages take them from `period_totals`; this, `by_pair` and `by_competence`, one figure per
    statement, are what the tests check that single pass against)."""
    mh = MonthlyHours
    rows = {row.month: MonthRow(row.month, int(row.minutes), int(row.exchanges), int(row.fund))
            for row in db.session.execute(_hours_query(
                filters, mh.month, sa.func.sum(mh.minutes).label("minutes"),
                sa.func.sum(mh.count).label("exchanges"), sa.func.sum(mh.fund_minutes).label("fund"))
                .group_by(mh.month))}
    return [rows.get(month, MonthRow(month)) for month in filters.months]


@dataclass
class PairRow:
    provider_id: int
    recipient_id: int
    minutes: int
    exchanges: int


def by_pair(filters: ReportFilters, organisation_id: int | None = None) -> list[PairRow]:
    """Hours and exchanges from each provider to each recipient over the period (pairs whose
    exchanges were all corrected away are left out)."""
    mh = MonthlyHours
    query = _hours_query(filters, mh.provider_id, mh.recipient_id, sa.func.sum(mh.minutes), sa.func.sum(mh.count))
    if organisation_id is not None:
        query = query.where(sa.or_(mh.provider_id == organisation_id, mh.recipient_id == organisation_id))
    query = query.group_by(mh.provider_id, mh.recipient_id).having(sa.func.sum(mh.count) > 0)
    return [PairRow(p, r, int(m), int(c)) for p, r, m, c in db.session.execute(query)]


@dataclass
class NetworkData:
    """What the network page needs, computed in the database from the period's pairs."""

    weights: dict[int, int]  # the most active organisations shown → minutes given and received
    edges: list[tuple[int, int, int, int]]  # (low id, high id, minutes, exchanges) between those shown
    top: list[tuple[int, int, int, int]]  # the links with the most hours (ties with the last included)
    active: int  # organisations that exchanged in the period
    links: int  # links in all


def _edges(filters: ReportFilters):
    """One row per pair of organisations that exchanged in the period, whichever way."""
    mh = MonthlyHours
    low = sa.case((mh.provider_id < mh.recipient_id, mh.provider_id), else_=mh.recipient_id)
    high = sa.case((mh.provider_id < mh.recipient_id, mh.recipient_id), else_=mh.provider_id)
    return (_hours_query(filters, low.label("lo"), high.label("hi"),
                         sa.func.sum(sa.cast(mh.minutes, sa.Integer)).label("m"), sa.func.sum(mh.count).label("c"))
            .where(mh.provider_id > 0, mh.recipient_id > 0)
            .group_by(low, high).having(sa.func.sum(mh.count) > 0))


def network_data(filters: ReportFilters, *, nodes: int, top: int) -> NetworkData:
    """The `nodes` organisations with the most hours given and received, the links between
    them, the `top` links with the most hours and how many organisations and links there are,
    in one statement: the period's pairs are summed once and only a few hundred rows travel."""
    e = _edges(filters).cte("e")
    ends = sa.union_all(sa.select(e.c.lo.label("org"), e.c.m), sa.select(e.c.hi.label("org"), e.c.m)).subquery("ends")
    w = sa.select(ends.c.org, sa.func.sum(ends.c.m).label("w")).group_by(ends.c.org).cte("w")
    shown = sa.select(w.c.org).order_by(w.c.w.desc(), w.c.org).limit(nodes).cte("shown")
    ranked = sa.select(e.c.lo, e.c.hi, e.c.m, e.c.c, sa.func.rank().over(order_by=e.c.m.desc()).label("rk")) \
        .subquery("ranked")
    n = sa.null()
    statement = sa.union_all(
        sa.select(sa.literal("node"), w.c.org, n, w.c.w, n).where(w.c.org.in_(sa.select(shown.c.org))),
        sa.select(sa.literal("edge"), e.c.lo, e.c.hi, e.c.m, e.c.c)
        .where(e.c.lo.in_(sa.select(shown.c.org)), e.c.hi.in_(sa.select(shown.c.org))),
        sa.select(sa.literal("top"), ranked.c.lo, ranked.c.hi, ranked.c.m, ranked.c.c).where(ranked.c.rk <= top),
        sa.select(sa.literal("active"), n, n, sa.func.count(), n).select_from(w),
        sa.select(sa.literal("links"), n, n, sa.func.count(), n).select_from(e))
    data = NetworkData({}, [], [], 0, 0)
    for what, a, b, m, c in _with_memory(statement):
        if what == "node":
            data.weights[a] = int(m)
        elif what == "edge":
            data.edges.append((a, b, int(m), int(c)))
        elif what == "top":
            data.top.append((a, b, int(m), int(c)))
        elif what == "active":
            data.active = int(m)
        else:
            data.links = int(m)
    data.edges.sort()
    return data


def names_and_first_sectors(ids) -> tuple[dict[int, str], dict[int, int]]:
    """Names and first sectors (the smallest term id) of some organisations."""
    ids = list(ids)
    if not ids:
        return {}, {}
    names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name)
                                    .where(Organisation.id.in_(ids))).all())
    first_sector = dict(db.session.execute(
        sa.select(organisation_term.c.organisation_id, sa.func.min(organisation_term.c.term_id))
        .join(Term, Term.id == organisation_term.c.term_id)
        .where(Term.kind == TermKind.SECTOR, organisation_term.c.organisation_id.in_(ids))
        .group_by(organisation_term.c.organisation_id)).all())
    return names, first_sector


def organisation_names() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Organisation.id, Organisation.name)).all())


def all_edges(filters: ReportFilters) -> list[tuple[int, int, int, int]]:
    """Every link of the period: (low id, high id, minutes, exchanges)."""
    return [(a, b, int(m), int(c)) for a, b, m, c in db.session.execute(_edges(filters))]


@dataclass
class CompetenceRow:
    competence_id: int
    label: str
    domain: str
    minutes: int
    exchanges: int


def _competence_labels(ids) -> dict[int, tuple[str, str]]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Competence, Domain).join(Domain, Competence.domain_id == Domain.id)
                              .where(Competence.id.in_(ids)))
    return {competence.id: (competence.label, domain.label) for competence, domain in rows}


def by_competence(filters: ReportFilters) -> list[tuple[int, int, int]]:
    """(competence id, minutes, exchanges) over the period."""
    mh = MonthlyHours
    return [(cid, int(m), int(c)) for cid, m, c in db.session.execute(
        _hours_query(filters, mh.competence_id, sa.func.sum(mh.minutes), sa.func.sum(mh.count))
        .group_by(mh.competence_id).having(sa.func.sum(mh.count) > 0))]


def with_competence_labels(rows: list[tuple[int, int, int]]) -> list[CompetenceRow]:
    """The rows with their labels in the page's language, most hours first."""
    labels = _competence_labels([row[0] for row in rows])
    result = [CompetenceRow(cid, *labels.get(cid, (str(_l("No competence")), "")), m, c) for cid, m, c in rows]
    return sorted(result, key=lambda r: (-r.minutes, r.label))


# --- the dashboard ------------------------------------------------------------------------------


@dataclass
class Figures:
    minutes: int = 0
    exchanges: int = 0
    partnerships: int = 0
    emerging_minutes: int = 0  # hours received by emerging members
    cross_sector_minutes: int = 0  # between organisations that share no sector
    fund_minutes: int = 0
    givers_and_receivers: int = 0
    active_members: int = 0
    members: int = 0

    @property
    def cross_sector_share(self) -> float | None:
        return self.cross_sector_minutes / self.minutes if self.minutes else None

    @property
    def emerging_share(self) -> float | None:
        return self.emerging_minutes / self.minutes if self.minutes else None


@dataclass(slots=True)
class Member:
    id: int
    name: str
    stage: Stage
    commune: str


def members(filters: ReportFilters) -> dict[int, Member]:
    """The approved members that match the organisation filters."""
    query = sa.select(Organisation.id, Organisation.name, Organisation.stage, Organisation.commune).where(
        Organisation.status == OrgStatus.APPROVED)
    if filters.filters_organisations:
        query = query.where(Organisation.id.in_(filters.organisation_ids()))
    return {row.id: Member(*row) for row in db.session.execute(query)}


@dataclass
class Summary:
    """What the pair-level hours tell: partnerships, stages, sectors, communes, reciprocity."""

    figures: Figures
    stages: dict[tuple[Stage, Stage], list[int]]  # (provider stage, recipient stage) → [minutes, exchanges]
    sectors: dict[int, list[int]]  # sector id → [minutes given, minutes received]
    communes: dict[str, list[int]]  # commune → [active members, minutes given, minutes received]
    reciprocity: dict[str, int]  # "both", "gives", "receives", "neither" → members


# --- one pass over the period's monthly rows ----------------------------------------------------

# The groupings the period's rows are summed along, in one statement: (name, key columns).
# Months, stage pairs and competences in one grouping (a few thousand groups; the page sums
# them along each axis): one hash table fewer per row than one grouping for each.
GROUPINGS = (
    ("detail", ("month", "cls", "competence_id")),
    ("given", ("p", "p_in")),
    ("received", ("r", "r_in")),
    ("pair", ("lo", "hi")),
)
KEYS = ("month", "competence_id", "p", "p_in", "r", "r_in", "cls", "lo", "hi")
STAGES = list(Stage)
# A side's stage as a small integer: its place in Stage, or NO_STAGE for no organisation.
NO_STAGE = len(STAGES)
STAGE_BITS = 4  # on PostgreSQL an organisation's stage and sectors share one bigint
assert NO_STAGE < 1 << STAGE_BITS
# Sector sets as bit masks (one bit per sector); more sectors than bits: a join per row instead.
MAX_SECTOR_BITS = 58
WORK_MEM = "64MB"  # PostgreSQL's working memory for the period's pass (the default 4 MB spills to disk)


def stage_pair(cls: int | None) -> tuple[Stage, Stage, bool] | None:
    """The provider's and the recipient's stages and whether they share a sector, from a
    row's class (None when a side is no organisation, such as the fund)."""
    if cls is None:
        return None
    provider, recipient = cls // (2 * (NO_STAGE + 1)), cls // 2 % (NO_STAGE + 1)
    if provider >= NO_STAGE or recipient >= NO_STAGE:
        return None
    return STAGES[provider], STAGES[recipient], bool(cls % 2)


@dataclass
class PeriodTotals:
    """Everything the dashboard and the home page need from the period's hours."""

    months: list[MonthRow]
    competences: list[tuple[int, int, int]]  # (competence id, minutes, exchanges)
    given: dict[int, int]  # organisation (matching the filters) → minutes given, for those that gave
    received: dict[int, int]
    stages: dict[tuple[Stage, Stage], list[int]]  # (provider stage, recipient stage) → [minutes, exchanges]
    same_sector_minutes: int  # between organisations that share a sector
    partnerships: int  # pairs of organisations that exchanged, either way
    recently_active: set[int] | None  # exchanged since `since` (None: not computed)


def _grouping_id(keys: tuple[str, ...], used: list[str]) -> int:
    """What PostgreSQL's GROUPING(*used) gives for a grouping: a bit set for each key left out."""
    return sum(1 << (len(used) - 1 - i) for i, key in enumerate(used) if key not in keys)


def _period_base(filters: ReportFilters, since: date | None):
    return period_rows(filters, since).subquery("base")


def _few_match(filters: ReportFilters) -> bool:
    """Whether at most one organisation in twenty matches the organisation filters."""
    matching = sa.select(sa.func.count()).select_from(filters.organisation_ids().subquery()).scalar_subquery()
    return bool(db.session.execute(sa.select(matching * 20 <= sa.select(sa.func.count(Organisation.id))
                                             .scalar_subquery())).scalar())


def period_rows(filters: ReportFilters, since: date | None) -> sa.Select:
    """The period's exchange rows with what each grouping needs: the two sides' stages and
    whether they share a sector (as one integer, see `stage_pair`), the pair whichever way,
    and whether a side matches the organisation filters (also what the rollup of closed
    months is built from)."""
    mh = MonthlyHours.__table__
    ot = organisation_term
    sector_ids = db.session.scalars(sa.select(Term.id).where(Term.kind == TermKind.SECTOR).order_by(Term.id)).all()
    masks = None
    stage = sa.case(*((Organisation.stage == value, i) for i, value in enumerate(STAGES)), else_=NO_STAGE)
    if sector_ids and len(sector_ids) <= MAX_SECTOR_BITS:
        bit = sa.case(*((ot.c.term_id == term_id, 1 << i) for i, term_id in enumerate(sector_ids)), else_=0)
        masks = (sa.select(ot.c.organisation_id.label("id"), sa.func.sum(bit).label("mask"))
                 .where(ot.c.term_id.in_(sector_ids)).group_by(ot.c.organisation_id).subquery("masks"))
        orgs = (sa.select(Organisation.id, stage.label("stage"), sa.func.coalesce(masks.c.mask, 0).label("mask"))
                .outerjoin(masks, masks.c.id == Organisation.id))
    else:
        orgs = sa.select(Organisation.id, stage.label("stage"))
    p, r = mh.c.provider_id, mh.c.recipient_id
    pairs = 2 * (NO_STAGE + 1)
    if masks is not None and db.session.get_bind().dialect.name == "postgresql":
        # One array indexed by organisation id (built once per statement) rather than two
        # joins: reading an array element per row costs far less than probing a hash table.
        # Each element holds the stage in its low bits and the sectors above. No NULL in it
        # (an id without organisation holds NO_STAGE): one NULL would make every read walk
        # the array from its start. Id 0 (the fund) lies outside it: NULL, no stage pair.
        from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg

        ids = sa.func.generate_series(1, sa.select(sa.func.max(Organisation.id)).scalar_subquery()) \
            .table_valued("id").render_derived(name="ids")
        attrs = orgs.subquery("attrs")
        packed = sa.func.coalesce(sa.cast(attrs.c.mask, sa.BigInteger) * (1 << STAGE_BITS) + attrs.c.stage, NO_STAGE)
        arrays = (sa.select(array_agg(aggregate_order_by(packed, ids.c.id)).label("attrs"))
                  .select_from(ids.outerjoin(attrs, attrs.c.id == ids.c.id)).subquery("arrays"))
        low = (1 << STAGE_BITS) - 1
        ap, ar = arrays.c.attrs[p], arrays.c.attrs[r]
        shared = sa.case((ap.op("&")(ar) > low, 1), else_=0)
        cls = ap.op("&")(low) * pairs + ar.op("&")(low) * 2 + shared
        joins = mh.join(arrays, sa.true())  # one row, computed once
    else:
        po, ro = orgs.subquery("po"), orgs.subquery("ro")
        if masks is not None:
            shared = sa.case((po.c.mask.op("&")(ro.c.mask) != 0, 1), else_=0)
        elif sector_ids:
            a, b = ot.alias("a"), ot.alias("b")
            shared = sa.case((sa.exists().where(a.c.organisation_id == p, b.c.organisation_id == r,
                                                b.c.term_id == a.c.term_id, a.c.term_id.in_(sector_ids)), 1),
                             else_=0)
        else:
            shared = sa.literal(0)
        joins = mh.outerjoin(po, po.c.id == p).outerjoin(ro, ro.c.id == r)
        # NULL when either side is no organisation (the fund): such rows are in no stage pair.
        cls = po.c.stage * pairs + ro.c.stage * 2 + shared
    query = (sa.select(mh.c.month, mh.c.competence_id, p.label("p"), r.label("r"), cls.label("cls"),
                       sa.case((p < r, p), else_=r).label("lo"), sa.case((p < r, r), else_=p).label("hi"),
                       # Integers, not bigints: PostgreSQL sums those as bigints, far quicker than
                       # numerics (a monthly row holds far less than 2³¹ minutes).
                       sa.cast(mh.c.minutes, sa.Integer).label("minutes"), mh.c.count,
                       sa.cast(mh.c.fund_minutes, sa.Integer).label("fund_minutes"),
                       (sa.case((mh.c.month >= since, mh.c.count), else_=0) if since else sa.literal(0))
                       .label("recent"))
             .select_from(joins)
             .where(mh.c.kind == EXCHANGE, mh.c.month >= filters.month_from, mh.c.month <= filters.month_to))
    if filters.filters_organisations:
        ids = filters.organisation_ids().subquery("matching")
        if masks is not None and db.session.get_bind().dialect.name == "postgresql" and _few_match(filters):
            # As an array: the rows of the few matching organisations are found through the
            # provider and recipient indexes rather than by reading the whole period.
            matching = sa.func.array(sa.select(ids.c.id).scalar_subquery())
            p_in, r_in = p == sa.any_(matching), r == sa.any_(matching)
        else:
            p_in, r_in = p.in_(sa.select(ids.c.id)), r.in_(sa.select(ids.c.id))
        query = query.add_columns(sa.case((p_in, 1), else_=0).label("p_in"),
                                  sa.case((r_in, 1), else_=0).label("r_in")).where(sa.or_(p_in, r_in))
    else:
        query = query.add_columns(sa.literal(1).label("p_in"), sa.literal(1).label("r_in"))
    return query


def _with_memory(statement) -> list:
    """Run a statement that sums ~100,000 rows along several groupings: on PostgreSQL with
    enough working memory for hash tables rather than sorts on disk (for this statement only)."""
    return _run_with(statement, work_mem=WORK_MEM)


def _run_with(statement, **settings) -> list:
    """Run a statement with PostgreSQL settings of its own (restored afterwards)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return db.session.execute(statement).all()
    for name, value in settings.items():
        db.session.execute(sa.text(f"SET LOCAL {name} = '{value}'"))
    try:
        return db.session.execute(statement).all()
    finally:
        for name in settings:
            db.session.execute(sa.text(f"RESET {name}"))


def _partnerships_from_pairs(filters: ReportFilters, closed: tuple[str, date] | None = None) -> int | None:
    """The partnerships of a period from the pairs' first and last months, when the period
    reaches past either end of the exchanges (the last twelve months, everything): a pair
    exchanged in the period when its last month is in it (or its first month, at the
    start), and, with organisation filters, when either side matches them. None otherwise:
    then the period's pass counts them. `closed`: the rollup's value and boundary when it
    can be read; a period from the start to the end then takes the pairs of the closed
    months from it and reads only the pairs that began later."""
    mh = MonthlyHours
    exchanges = sa.select(mh.month).where(mh.kind == EXCHANGE)
    first, last = db.session.execute(sa.select(
        exchanges.order_by(mh.month).limit(1).scalar_subquery(),
        exchanges.order_by(mh.month.desc()).limit(1).scalar_subquery())).one()
    if first is None:
        return 0
    earlier = 0
    if filters.month_to >= last and filters.month_from <= first and closed is not None:
        from sem.reports import rollup

        value, boundary = closed
        earlier = rollup.closed_partnerships(value, filters.month_from, add_months(boundary, -1))
        where = PairMonths.first_month >= boundary
    elif filters.month_to >= last:
        where = PairMonths.last_month >= filters.month_from
    elif filters.month_from <= first:
        where = PairMonths.first_month <= filters.month_to
    else:
        return None
    return earlier + db.session.scalar(_matching_pairs(sa.select(sa.func.count()).select_from(PairMonths)
                                                       .where(where), filters))


def _matching_pairs(query, filters: ReportFilters):
    """`query` on the pairs' months, kept to the pairs with a side that matches the
    organisation filters (all of them without filters)."""
    if filters.filters_organisations:
        ids = filters.organisation_ids()
        query = query.where(sa.or_(PairMonths.low_id.in_(ids), PairMonths.high_id.in_(ids)))
    return query


@dataclass
class _Sums:
    """The period's sums before any test (an exchange and its correction cancel out only in
    their sum): what `_pass` and the rollup give, added up by `_add`."""

    months: dict = field(default_factory=dict)  # month → [minutes, exchanges, fund minutes]
    competences: dict = field(default_factory=dict)  # competence id → [minutes, exchanges]
    classes: dict = field(default_factory=dict)  # stage class → [minutes, exchanges]
    given: dict = field(default_factory=dict)  # organisation → [minutes, exchanges, exchanges since `since`]
    received: dict = field(default_factory=dict)
    pairs: int | None = None  # partnerships counted in the pass


def _add(into: dict, other: dict) -> None:
    for key, values in other.items():
        cell = into.get(key)
        if cell is None:
            into[key] = list(values)
        else:
            for i, value in enumerate(values):
                cell[i] += value


def _pass(filters: ReportFilters, since: date | None, *, competences: bool, count_pairs: bool) -> _Sums:
    """One statement, one pass over the period's monthly rows, summed along every grouping at
    once (GROUPING SETS on PostgreSQL, a union of GROUP BYs elsewhere); the pairs, when
    counted, are counted in the database, so that only a few thousand rows travel."""
    filtered = filters.filters_organisations
    groupings = []
    for name, keys in GROUPINGS:
        if name == "pair" and not count_pairs:
            continue
        keys = tuple(key for key in keys if (filtered or key not in ("p_in", "r_in"))
                     and (competences or key != "competence_id"))
        groupings.append((name, keys))
    base = _period_base(filters, since)
    sums = [sa.func.sum(base.c.minutes).label("m"), sa.func.sum(base.c.count).label("c"),
            sa.func.sum(base.c.fund_minutes).label("f"), sa.func.sum(base.c.recent).label("rc")]
    used = [key for key in KEYS if any(key in names for _name, names in groupings)]
    columns = [base.c[key] if key in used else sa.null().label(key) for key in KEYS]
    if db.session.get_bind().dialect.name == "postgresql":
        grouped = (sa.select(sa.func.grouping(*(base.c[key] for key in used)).label("gid"), *columns, *sums)
                   .group_by(sa.func.grouping_sets(*(sa.tuple_(*(base.c[k] for k in names))
                                                     for _name, names in groupings))))
    else:
        grouped = sa.union_all(*(
            sa.select(sa.literal(_grouping_id(names, used)).label("gid"),
                      *(base.c[key] if key in names else sa.null().label(key) for key in KEYS), *sums)
            .group_by(*(base.c[k] for k in names)) for _name, names in groupings))
    ids = {name: _grouping_id(keys, used) for name, keys in groupings}
    if count_pairs:  # only their number travels
        g = grouped.cte("g")
        statement = sa.union_all(
            sa.select(g).where(g.c.gid != ids["pair"]),
            sa.select(sa.literal(ids["pair"]), *(sa.null() for _ in KEYS), sa.func.count(), sa.literal(0),
                      sa.literal(0), sa.literal(0)).where(g.c.gid == ids["pair"], g.c.c > 0, g.c.lo > 0))
    else:
        statement = grouped
    result = _Sums()
    months, by_competence, classes = result.months, result.competences, result.classes
    given, received = result.given, result.received
    given_id, received_id, detail_id = ids["given"], ids["received"], ids["detail"]
    # Plain tuples: the two organisation groupings are thousands of rows.
    for gid, month, competence_id, p, p_in, r, r_in, cls, _lo, _hi, m, c, f, rc in _with_memory(statement):
        if gid == given_id:
            if p and (p_in or not filtered):
                given[p] = [int(m or 0), int(c or 0), int(rc or 0)]
        elif gid == received_id:
            if r and (r_in or not filtered):
                received[r] = [int(m or 0), int(c or 0), int(rc or 0)]
        elif gid == detail_id:
            m, c = int(m or 0), int(c or 0)
            month = month if isinstance(month, date) else date.fromisoformat(month)
            cell = months.get(month)
            if cell is None:
                cell = months[month] = [0, 0, 0]
            cell[0] += m
            cell[1] += c
            cell[2] += int(f or 0)
            if competences:
                cell = by_competence.get(competence_id)
                if cell is None:
                    cell = by_competence[competence_id] = [0, 0]
                cell[0] += m
                cell[1] += c
            cell = classes.get(cls)
            if cell is None:
                cell = classes[cls] = [0, 0]
            cell[0] += m
            cell[1] += c
        else:  # the pairs
            result.pairs = int(m)
    return result


def _partnerships_across(filters: ReportFilters, boundary: date) -> int:
    """The partnerships of a period that begins before the rollup's boundary and ends after
    it, but before the last month of exchanges: the pairs whose months overlap the period,
    less those that exchanged before it and after it but not within it. Only those few are
    looked at one by one: their last month in the rollup, then the months after it."""
    pm, last, mh = PairMonths, RollupPairLastMonth, MonthlyHours
    start, end = filters.month_from, filters.month_to

    def exchanged_after_boundary(low, high):
        return sa.exists().where(mh.kind == EXCHANGE, mh.month >= boundary, mh.month <= end, mh.count > 0,
                                 mh.provider_id == low, mh.recipient_id == high)

    # Pairs whose first month is after the end began after the period; the others that are
    # still exchanging after its start overlap it.
    overlapping = (_matching_pairs(sa.select(sa.func.count()).select_from(pm).where(pm.last_month >= start),
                                   filters).scalar_subquery()
                   - _matching_pairs(sa.select(sa.func.count()).select_from(pm).where(pm.first_month > end),
                                     filters).scalar_subquery())
    # Around the period without exchanging in it: nothing from its start to the boundary (the
    # last month in the rollup comes before its start) nor from the boundary to its end.
    # (Looked up for each of those few pairs inside a CASE: as conditions of the WHERE clause,
    # the planner joins them to every pair's last month and every row of those months.)
    exchanged = sa.or_(sa.exists().where(last.low_id == pm.low_id, last.high_id == pm.high_id,
                                         last.last_month >= start),
                       exchanged_after_boundary(pm.low_id, pm.high_id),
                       exchanged_after_boundary(pm.high_id, pm.low_id))
    around = _matching_pairs(sa.select(sa.func.coalesce(sa.func.sum(sa.case((exchanged, 0), else_=1)), 0))
                             .where(pm.first_month < start, pm.last_month > end), filters)
    # No JIT: the planner's guess of the lookups' cost passes its threshold, and compiling
    # them takes several times what running them does.
    return int(_run_with(sa.select(overlapping - around.scalar_subquery()), jit="off")[0][0])


def _rollup_for(filters: ReportFilters) -> tuple[str, date] | None:
    """The rollup's value for the filters and its boundary, when it can serve the period's
    first months (`sem.reports.rollup`)."""
    from sem.reports import rollup

    value = rollup.value_of(filters)
    if value is None:
        return None
    boundary = rollup.usable()
    if boundary is None or filters.month_from >= boundary:
        return None
    return value, boundary


def _closed_part(filters: ReportFilters, since: date | None, closed: tuple[str, date], *,
                 count_pairs: bool) -> _Sums:
    """The sums of the period's months that the rollup of closed months holds (`closed`: its
    value for the filters and its boundary). `count_pairs`: the partnerships of those months too."""
    from sem.reports import rollup

    value, boundary = closed
    last_closed = min(filters.month_to, add_months(boundary, -1))
    part = rollup.closed_part(value, filters.month_from, last_closed, since=since,
                              organisation_ids=filters.organisation_ids() if filters.filters_organisations else None)
    sums = _Sums(part.months, part.competences, part.classes, part.given, part.received)
    if count_pairs:
        sums.pairs = rollup.closed_partnerships(value, filters.month_from, last_closed)
    return sums


def period_totals(filters: ReportFilters, *, since: date | None = None, competences: bool = True,
                  rollup: bool | None = None) -> PeriodTotals:
    """Every sum the dashboard and the home page need over a period. The months before the
    rollup's boundary come from the rollup of closed months when it is up to date, the others
    from one pass over the monthly table. `since`: also tell which organisations exchanged
    from that month on (it must lie within the period); `competences`: also sum by
    competence; `rollup`: False to sum the whole period from the monthly table (default: the
    REPORTS_ROLLUP setting)."""
    if rollup is None:
        rollup = bool(current_app.config.get("REPORTS_ROLLUP", True))
    closed = _rollup_for(filters) if rollup else None
    partnerships = _partnerships_from_pairs(filters, closed)
    if partnerships is None and closed is not None and filters.month_to >= closed[1]:
        partnerships = _partnerships_across(filters, closed[1])
    count_pairs = partnerships is None
    if closed is None:
        sums = _pass(filters, since, competences=competences, count_pairs=count_pairs)
    else:
        sums = _closed_part(filters, since, closed, count_pairs=count_pairs)
        boundary = closed[1]
        if filters.month_to >= boundary:  # the months after the rollup's, from the monthly table
            live = _pass(replace(filters, month_from=boundary), max(since, boundary) if since else None,
                         competences=competences, count_pairs=False)
            for name in ("months", "competences", "classes", "given", "received"):
                _add(getattr(sums, name), getattr(live, name))
    return _finish(filters, sums, (sums.pairs or 0) if partnerships is None else partnerships, since,
                   competences)


def _finish(filters: ReportFilters, sums: _Sums, partnerships: int, since: date | None,
            competences: bool) -> PeriodTotals:
    totals = PeriodTotals([], [], {}, {}, {}, 0, partnerships, set() if since else None)
    recent = totals.recently_active
    for sides, into in ((sums.given, totals.given), (sums.received, totals.received)):
        for org_id, (m, c, rc) in sides.items():
            if c > 0:
                into[org_id] = m
                if since and rc > 0:
                    recent.add(org_id)
    for cls, (m, c) in sums.classes.items():
        pair = stage_pair(cls)
        if pair is None or c <= 0:
            continue
        cell = totals.stages.setdefault(pair[:2], [0, 0])
        cell[0] += m
        cell[1] += c
        if pair[2]:
            totals.same_sector_minutes += m
    if competences:
        totals.competences = [(cid, m, c) for cid, (m, c) in sums.competences.items() if c > 0]
    totals.months = [MonthRow(month, *sums.months[month]) if month in sums.months else MonthRow(month)
                     for month in filters.months]
    return totals


def summarise(totals: PeriodTotals, members_: dict[int, Member] | None) -> Summary:
    """The headline figures, stages, sectors, communes and reciprocity of a period.
    Sides outside the organisation filters count in the exchanges, not as members (they give
    or receive nothing in the sector and commune tables). Without `members_` (the home page),
    only the figures that do not need the member list."""
    months = totals.months
    figures = Figures(minutes=sum(m.minutes for m in months), exchanges=sum(m.exchanges for m in months),
                      fund_minutes=sum(m.fund_minutes for m in months), partnerships=totals.partnerships)
    stages, given, received = totals.stages, totals.given, totals.received
    figures.emerging_minutes = sum(v[0] for (_p, r), v in stages.items() if r is Stage.EMERGING)
    # Fund movements have no organisation on one side: they are in no stage pair.
    exchanged = sum(v[0] for v in stages.values())
    figures.cross_sector_minutes = exchanged - totals.same_sector_minutes
    givers, receivers = set(given), set(received)
    figures.givers_and_receivers = len(givers & receivers)
    figures.active_members = len(givers | receivers)
    if members_ is None:
        return Summary(figures, stages, {}, {}, {})
    sectors: dict = defaultdict(lambda: [0, 0])
    for org_id, term_id in db.session.execute(
            sa.select(organisation_term.c.organisation_id, organisation_term.c.term_id)
            .join(Term, Term.id == organisation_term.c.term_id).where(Term.kind == TermKind.SECTOR)):
        if org_id in given:
            sectors[term_id][0] += given[org_id]
        if org_id in received:
            sectors[term_id][1] += received[org_id]
    communes_: dict = defaultdict(lambda: [0, 0, 0])
    names = {}
    missing = (givers | receivers) - set(members_)
    if missing:  # suspended members, for instance: still counted where they are
        names = {row.id: row.commune for row in db.session.execute(
            sa.select(Organisation.id, Organisation.commune).where(Organisation.id.in_(missing)))}

    def commune_of(org_id: int) -> str:
        return members_[org_id].commune if org_id in members_ else names.get(org_id, "")

    for org_id in givers | receivers:
        cell = communes_[commune_of(org_id)]
        cell[0] += 1
        cell[1] += given.get(org_id, 0)
        cell[2] += received.get(org_id, 0)
    member_ids = set(members_)
    figures.members = len(member_ids)
    reciprocity = {"both": len(givers & receivers), "gives": len(givers - receivers),
                   "receives": len(receivers - givers), "neither": len(member_ids - givers - receivers)}
    return Summary(figures, stages, dict(sectors), dict(communes_), reciprocity)


def balance_spread(filters: ReportFilters) -> list[tuple[int | None, int | None, int]]:
    """Members (matching the filters) by current balance: (low bound exclusive, high bound
    inclusive, members); None for an open end. Counted in the database."""
    # Members that never had an account have a zero balance.
    balance = sa.func.coalesce(Account.balance_minutes, 0)
    bucket = sa.case(*((balance <= high, i) for i, high in enumerate(BALANCE_BUCKETS)), else_=len(BALANCE_BUCKETS))
    query = (sa.select(bucket, sa.func.count()).select_from(Organisation)
             .outerjoin(Account, sa.and_(Account.organisation_id == Organisation.id,
                                         Account.kind == AccountKind.ORGANISATION))
             .where(Organisation.status == OrgStatus.APPROVED).group_by(bucket))
    if filters.filters_organisations:
        query = query.where(Organisation.id.in_(filters.organisation_ids()))
    counts = dict(db.session.execute(query).all())
    bounds = (None, *BALANCE_BUCKETS, None)
    return [(bounds[i], bounds[i + 1], counts.get(i, 0)) for i in range(len(BALANCE_BUCKETS) + 1)]


@dataclass
class FundRow:
    month: date
    donated: int = 0  # members' donations to the fund
    granted: int = 0  # coordinators' grants to the fund
    paid: int = 0  # hours the fund paid for emerging members


def fund_by_month(filters: ReportFilters, months: list[MonthRow]) -> list[FundRow]:
    mh = MonthlyHours
    rows = {m.month: FundRow(m.month, paid=m.fund_minutes) for m in months}
    donations = _hours_query(filters, mh.month, sa.func.sum(mh.minutes), kind=TransactionKind.DONATION.value)
    for month, minutes in db.session.execute(donations.group_by(mh.month)):
        rows[month].donated = int(minutes)
    grants = (sa.select(mh.month, sa.func.sum(mh.minutes))
              .where(mh.kind == TransactionKind.GRANT.value, mh.recipient_id == 0,
                     mh.month >= filters.month_from, mh.month <= filters.month_to).group_by(mh.month))
    for month, minutes in db.session.execute(grants):
        rows[month].granted = int(minutes)
    return [rows[m.month] for m in months]


def fund_balance() -> int:
    return db.session.scalar(sa.select(Account.balance_minutes).where(
        Account.kind == AccountKind.SOLIDARITY, Account.organisation_id.is_(None))) or 0


@dataclass
class NeedRow:
    competence_id: int
    label: str
    domain: str
    posted: int = 0
    met: int = 0  # an exchange started on it
    proposed: int = 0  # it received at least one proposal
    median: float | None = None  # days from the need to its first proposal, over those proposed

    @property
    def unmet(self) -> int:
        return self.posted - self.met

    @property
    def median_days(self) -> float | None:
        return round(self.median, 1) if self.median is not None else None


def _days_between(start, end):
    """Days from one timestamp to a later one, as a float (0 when the later one comes first)."""
    if db.session.get_bind().dialect.name == "postgresql":
        days = sa.func.date_part("epoch", end - start) / 86400.0  # a float (extract gives a numeric)
    else:
        # Julian days are floats around 2.46 million: round to the millisecond.
        days = sa.func.round((sa.func.julianday(end) - sa.func.julianday(start)) * 86_400_000) / 86_400_000.0
    return sa.case((days < 0, 0.0), else_=days)


def _medians(values, partition=None):
    """The median of `values` (a subquery with a `days` column) within each `partition`
    column's group, or over all of them: the middle row, or the mean of the middle two."""
    over = {"partition_by": values.c[partition]} if partition else {}
    ranked = sa.select(*( [values.c[partition]] if partition else []), values.c.days,
                       sa.func.row_number().over(order_by=values.c.days, **over).label("rn"),
                       sa.func.count().over(**over).label("k")).subquery()
    middle = sa.or_(ranked.c.rn == (ranked.c.k + 1) // 2, ranked.c.rn == (ranked.c.k + 2) // 2)
    keys = [ranked.c[partition]] if partition else []
    return sa.select(*keys, sa.func.avg(ranked.c.days).label("median")).where(middle).group_by(*keys)


def needs_by_competence(filters: ReportFilters) -> tuple[list[NeedRow], NeedRow]:
    """Needs posted in the period: met (an exchange started) or not, and the median time from
    the need to its first proposal (Proposal.created_at - Need.created_at), by competence and
    over all. Counted in the database: a handful of rows travel, whatever the needs."""
    met = sa.exists().where(Exchange.need_id == Need.id)
    per_need = (sa.select(Need.competence_id.label("competence_id"), Need.created_at.label("created"),
                          sa.func.min(Proposal.created_at).label("first"),
                          sa.case((met, 1), else_=0).label("met"))
                .outerjoin(Proposal, Proposal.need_id == Need.id)
                .where(Need.created_at >= filters.start.astimezone(UTC), Need.created_at < filters.end.astimezone(UTC))
                .group_by(Need.id, Need.competence_id, Need.created_at))
    if filters.filters_organisations:
        per_need = per_need.where(Need.organisation_id.in_(filters.organisation_ids()))
    n = per_need.cte("per_need")
    days = (sa.select(n.c.competence_id, _days_between(n.c.created, n.c.first).label("days"))
            .where(n.c.first.is_not(None)).cte("days"))
    by_competence, overall = _medians(days, "competence_id").subquery(), _medians(days).subquery()
    counts = (sa.select(n.c.competence_id, sa.func.count().label("posted"), sa.func.sum(n.c.met).label("met"),
                        sa.func.count(n.c.first).label("proposed")).group_by(n.c.competence_id).subquery())
    statement = sa.union_all(
        sa.select(counts.c.competence_id, counts.c.posted, counts.c.met, counts.c.proposed,
                  sa.cast(by_competence.c.median, sa.Float))
        .select_from(counts.outerjoin(by_competence, by_competence.c.competence_id == counts.c.competence_id)),
        sa.select(sa.null(), sa.null(), sa.null(), sa.null(), sa.cast(overall.c.median, sa.Float)))
    rows: list[NeedRow] = []
    total = NeedRow(0, "", "")
    # Without JIT compilation: the planner's guess of the per-need grouping's cost passes its
    # threshold, and compiling took longer (20-90 ms) than the statement runs.
    for competence_id, posted, was_met, proposed, median in _run_with(statement, jit="off"):
        if posted is None:  # the median over every need
            total.median = median
            continue
        row = NeedRow(competence_id, "", "", int(posted), int(was_met or 0), int(proposed), median)
        rows.append(row)
        total.posted += row.posted
        total.met += row.met
        total.proposed += row.proposed
    return rows, total


def with_need_labels(rows: list[NeedRow]) -> list[NeedRow]:
    """Copies of the rows with their labels in the page's language, most unmet first."""
    labels = _competence_labels([row.competence_id for row in rows])
    labelled = [replace(row, label=labels.get(row.competence_id, ("", ""))[0],
                        domain=labels.get(row.competence_id, ("", ""))[1]) for row in rows]
    return sorted(labelled, key=lambda r: (-r.unmet, r.label))


def inactive_since(now: datetime | None = None) -> date:
    """The first month of "the last three months": members with no hours since are inactive."""
    return add_months(month_of(now or utcnow()), -INACTIVE_MONTHS)


def inactive_since_within(filters: ReportFilters, now: datetime | None = None) -> date | None:
    """`inactive_since` when the period covers the months from then to now, else None."""
    since = inactive_since(now)
    return since if filters.month_from <= since and filters.month_to >= month_of(now or utcnow()) else None


def inactive_members(members_: dict[int, Member], *, now: datetime | None = None,
                     active: set[int] | None = None) -> list[Member]:
    """Members (matching the filters) that gave and received no hours in the last three
    months (by the month the hours were given, this month included). `active`: the
    organisations that exchanged since then, when the caller has them already."""
    mh = MonthlyHours
    if active is None:  # both sides of the rows since then, in one pass
        since = inactive_since(now)
        rows = (sa.select(mh.provider_id.label("p"), mh.recipient_id.label("r"), mh.count)
                .where(mh.kind == EXCHANGE, mh.month >= since).subquery())
        if db.session.get_bind().dialect.name == "postgresql":
            statement = (sa.select(sa.func.coalesce(rows.c.p, rows.c.r))
                         .group_by(sa.func.grouping_sets(sa.tuple_(rows.c.p), sa.tuple_(rows.c.r)))
                         .having(sa.func.sum(rows.c.count) > 0))
        else:
            statement = sa.union_all(*(sa.select(column).group_by(column).having(sa.func.sum(rows.c.count) > 0)
                                       for column in (rows.c.p, rows.c.r)))
        active = set(db.session.scalars(statement))
    return _sorted(m for m in members_.values() if m.id not in active)


def members_without_offers(members_: dict[int, Member]) -> list[Member]:
    """Members (matching the filters) that have no open offer."""
    offering = set(db.session.scalars(sa.select(Offer.organisation_id).where(Offer.status == PostStatus.OPEN)
                                      .distinct()))
    return _sorted(m for m in members_.values() if m.id not in offering)


def _sorted(members_) -> list[Member]:
    return sorted(members_, key=lambda m: (m.name.lower(), m.id))


# --- one organisation -------------------------------------------------------------------------


@dataclass
class PartnerRow:
    id: int
    name: str
    given: int = 0  # minutes this organisation gave to the partner
    received: int = 0
    exchanges: int = 0


@dataclass
class OrgCompetenceRow:
    competence_id: int
    label: str
    domain: str
    given: int = 0
    received: int = 0


@dataclass
class OrgMonthRow:
    month: date
    given: int = 0
    received: int = 0


@dataclass
class OrganisationReport:
    given: int
    received: int
    exchanges: int
    partners: list[PartnerRow]
    competences: list[OrgCompetenceRow]
    months: list[OrgMonthRow]


def organisation_report(org: Organisation, filters: ReportFilters) -> OrganisationReport:
    """Hours given and received by one organisation over the period, by partner, competence
    and month (from the monthly table)."""
    mh = MonthlyHours
    rows = db.session.execute(
        sa.select(mh.month, mh.provider_id, mh.recipient_id, mh.competence_id, mh.minutes, mh.count)
        .where(mh.kind == EXCHANGE, mh.month >= filters.month_from, mh.month <= filters.month_to,
               sa.or_(mh.provider_id == org.id, mh.recipient_id == org.id))).all()
    partners: dict[int, PartnerRow] = {}
    competences: dict[int, OrgCompetenceRow] = {}
    months = {month: OrgMonthRow(month) for month in filters.months}
    given = received = exchanges = 0
    for month, provider_id, recipient_id, competence_id, minutes, count in rows:
        gives = provider_id == org.id
        partner_id = recipient_id if gives else provider_id
        partner = partners.setdefault(partner_id, PartnerRow(partner_id, ""))
        competence = competences.setdefault(competence_id, OrgCompetenceRow(competence_id, "", ""))
        exchanges += count
        partner.exchanges += count
        if gives:
            given += minutes
            partner.given += minutes
            competence.given += minutes
            months[month].given += minutes
        else:
            received += minutes
            partner.received += minutes
            competence.received += minutes
            months[month].received += minutes
    names = {org_id: name for org_id, name in db.session.execute(
        sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(partners))))} if partners else {}
    for partner in partners.values():
        partner.name = names.get(partner.id, "")
    labels = _competence_labels(list(competences))
    for competence in competences.values():
        competence.label, competence.domain = labels.get(competence.competence_id, (str(_l("No competence")), ""))
    return OrganisationReport(
        given=given, received=received, exchanges=exchanges,
        partners=sorted((p for p in partners.values() if p.exchanges > 0 or p.given or p.received),
                        key=lambda p: (-(p.given + p.received), p.name.lower())),
        competences=sorted((c for c in competences.values() if c.given or c.received),
                           key=lambda c: (-(c.given + c.received), c.label)),
        months=list(months.values()))
