"""Report tables: what each page shows, each chart draws and each export writes.

A `ReportTable` holds typed values (minutes, counts, months, text); the page formats them for
its language, the CSV writes hours as decimals with a point and months as YYYY-MM, the JSON
the same values as numbers and strings. One table, one chart: the chart is drawn from the
table's own rows, so the two never disagree.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l

from sem.catalogue.models import TermKind
from sem.core.i18n import format_hours, label
from sem.members.labels import STAGE_LABELS
from sem.members.models import Organisation, Stage
from sem.reports import cache, charts, network, queries
from sem.reports.queries import ReportFilters


@dataclass
class Column:
    key: str
    label: object  # a lazy string
    kind: str = "text"  # text, hours (minutes), number, month, days, percent


@dataclass
class ReportTable:
    key: str
    title: object
    columns: list[Column]
    rows: list[list]
    chart: charts.BarChart | None = None
    note: object = ""
    limit: int | None = None  # rows shown on the page; the exports hold them all
    total: int | None = None  # rows in all, when `rows` holds only the first ones

    @property
    def shown(self) -> list[list]:
        return self.rows[:self.limit] if self.limit else self.rows

    @property
    def count(self) -> int:
        return len(self.rows) if self.total is None else self.total

    def page_rows(self) -> list[list[tuple[str, bool]]]:
        """The rows shown on the page, each cell as (text for the page's language, whether it
        is a number): formatted here once rather than by a template macro per cell."""
        formats = [(_FORMATS.get(column.kind, str), column.kind not in ("text", "month")) for column in self.columns]
        return [[("–" if v is None else fmt(v), numeric) for v, (fmt, numeric) in zip(row, formats, strict=True)]
                for row in self.shown]


_FORMATS = {
    "hours": format_hours,
    "month": lambda v: format_date(v, "MMMM y"),
    "number": format_decimal,
    "days": format_decimal,
    "percent": lambda v: f"{format_decimal(round(v * 100, 1))} %",
}


def month_label(month: date) -> str:
    return format_date(month, "MMM y")


# --- exports --------------------------------------------------------------------------------


def hours_decimal(minutes: int) -> str:
    """Minutes as decimal hours with a point, for spreadsheets: 90 → "1.5"."""
    return format((Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize(), "f")


def _cell(text: str) -> str:
    """Text typed by members must not run as a formula in a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_value(value, kind: str, *, for_csv: bool):
    if value is None:
        return "" if for_csv else None
    if kind == "hours":
        return hours_decimal(value) if for_csv else float(Decimal(value) / 60)
    if kind == "month":
        return value.strftime("%Y-%m")
    if kind == "percent":
        return round(value * 100, 1)
    if kind == "text":
        return _cell(str(value)) if for_csv else str(value)
    return value


def to_csv(table: ReportTable) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheets read the accents
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.key for column in table.columns])
    for row in table.rows:
        writer.writerow([export_value(v, c.kind, for_csv=True) for v, c in zip(row, table.columns, strict=True)])
    return buffer.getvalue()


def to_json(table: ReportTable, filters: ReportFilters) -> str:
    units = {"hours": "hours", "percent": "percent", "days": "days"}
    document = {
        "table": table.key, "title": str(table.title), "filters": filters.args(),
        "columns": [{"key": c.key, "label": str(c.label), **({"unit": units[c.kind]} if c.kind in units else {})}
                    for c in table.columns],
        "rows": [{c.key: export_value(v, c.kind, for_csv=False) for v, c in zip(row, table.columns, strict=True)}
                 for row in table.rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


# --- the dashboard ------------------------------------------------------------------------------

RECIPROCITY_LABELS = {"both": _l("Give and receive"), "gives": _l("Only give"), "receives": _l("Only receive"),
                      "neither": _l("No exchange in the period")}


@dataclass
class Dashboard:
    filters: ReportFilters
    figures: queries.Figures
    fund_balance: int
    needs_total: queries.NeedRow
    tables: dict[str, ReportTable] = field(default_factory=dict)


def _balance_range(low: int | None, high: int | None) -> str:
    if low is None:
        return "≤ " + format_hours(high)
    if high is None:
        return "> " + format_hours(low)
    if high == low + 1 or (low == -1 and high == 0):
        return format_hours(high)
    return f"{format_hours(low)} – {format_hours(high)}"


@dataclass
class DashboardData:
    """Every figure of the dashboard, before labels: what the cache keeps."""

    months: list
    summary: queries.Summary
    spread: list
    fund: list
    fund_balance: int
    needs: list
    needs_total: queries.NeedRow
    competences: list
    inactive: list
    no_offer: list


def dashboard_data(filters: ReportFilters) -> DashboardData:
    members = queries.members(filters)
    # The period's pass also tells who exchanged in the last three months when it covers them.
    totals = queries.period_totals(filters, since=queries.inactive_since_within(filters))
    needs, needs_total = queries.needs_by_competence(filters)
    return DashboardData(
        months=totals.months, summary=queries.summarise(totals, members),
        spread=queries.balance_spread(filters), fund=queries.fund_by_month(filters, totals.months),
        fund_balance=queries.fund_balance(), needs=needs, needs_total=needs_total,
        competences=totals.competences, inactive=queries.inactive_members(members, active=totals.recently_active),
        no_offer=queries.members_without_offers(members))


def dashboard(filters: ReportFilters) -> Dashboard:
    data = cache.cached("dashboard", tuple(sorted(filters.args().items())), lambda: dashboard_data(filters))
    months, summary = data.months, data.summary
    tables: dict[str, ReportTable] = {}

    rows = [[m.month, m.minutes, m.exchanges, m.fund_minutes] for m in months]
    tables["months"] = ReportTable(
        "months", _l("Hours exchanged per month"),
        [Column("month", _l("Month"), "month"), Column("hours", _l("Hours exchanged"), "hours"),
         Column("exchanges", _l("Exchanges"), "number"),
         Column("solidarity_fund_hours", _l("Paid by the solidarity fund"), "hours")],
        rows, charts.vertical_bars([(month_label(r[0]), r[1]) for r in rows]))

    stage_rows = [[STAGE_LABELS[p], STAGE_LABELS[r], *summary.stages.get((p, r), [0, 0])]
                  for p in Stage for r in Stage]
    tables["stages"] = ReportTable(
        "stages", _l("Exchanges across stages"),
        [Column("provider_stage", _l("Given by")), Column("recipient_stage", _l("Received by")),
         Column("hours", _l("Hours"), "hours"), Column("exchanges", _l("Exchanges"), "number")],
        stage_rows, charts.horizontal_bars([(f"{r[0]} → {r[1]}", r[2]) for r in stage_rows]))

    sectors = queries.terms(TermKind.SECTOR)
    sector_rows = sorted(([label(sectors[sid]), given, received] for sid, (given, received)
                          in summary.sectors.items() if sid in sectors), key=lambda r: (-(r[1] + r[2]), r[0]))
    tables["sectors"] = ReportTable(
        "sectors", _l("Hours by sector"),
        [Column("sector", _l("Sector")), Column("hours_given", _l("Hours given by its members"), "hours"),
         Column("hours_received", _l("Hours received by its members"), "hours")],
        sector_rows, charts.horizontal_bars([(r[0], r[1] + r[2]) for r in sector_rows]),
        note=_l("An organisation with several sectors counts in each of them."))

    reciprocity_rows = [[RECIPROCITY_LABELS[key], summary.reciprocity[key]] for key in RECIPROCITY_LABELS]
    tables["reciprocity"] = ReportTable(
        "reciprocity", _l("Reciprocity: members that give, receive or both"),
        [Column("group", _l("Members that…")), Column("members", _l("Members"), "number")],
        reciprocity_rows, charts.horizontal_bars([(r[0], r[1]) for r in reciprocity_rows], kind="number"))

    balance_rows = [[_balance_range(low, high), count] for low, high, count in data.spread]
    tables["balances"] = ReportTable(
        "balances", _l("Spread of balances today"),
        [Column("balance", _l("Balance")), Column("members", _l("Members"), "number")],
        balance_rows, charts.vertical_bars([(r[0], r[1]) for r in balance_rows], kind="number"),
        note=_l("Current balances of the members that match the filters, whatever the period."))

    fund_rows = [[f.month, f.donated, f.granted, f.paid] for f in data.fund]
    tables["fund"] = ReportTable(
        "fund", _l("Use of the solidarity fund"),
        [Column("month", _l("Month"), "month"), Column("donated_hours", _l("Donated by members"), "hours"),
         Column("granted_hours", _l("Granted by coordinators"), "hours"),
         Column("paid_hours", _l("Paid for emerging members"), "hours")],
        fund_rows, charts.vertical_bars([(month_label(r[0]), r[3]) for r in fund_rows]))

    need_rows = [[n.label, n.domain, n.posted, n.met, n.unmet, n.proposed, n.median_days]
                 for n in queries.with_need_labels(data.needs)]
    tables["needs"] = ReportTable(
        "needs", _l("Needs met and unmet, by competence"),
        [Column("competence", _l("Competence")), Column("domain", _l("Domain")),
         Column("needs", _l("Needs posted"), "number"), Column("met", _l("Met"), "number"),
         Column("unmet", _l("Not met"), "number"), Column("proposed", _l("With a proposal"), "number"),
         Column("median_days_to_first_proposal", _l("Median days to the first proposal"), "days")],
        need_rows, charts.horizontal_bars([(r[0], r[4]) for r in need_rows], kind="number"),
        note=_l("Needs posted in the period; met means an exchange started on it. The chart shows the needs not met."))

    commune_rows = sorted(([commune, active, given, received] for commune, (active, given, received)
                           in summary.communes.items()), key=lambda r: (-(r[2] + r[3]), r[0]))
    tables["communes"] = ReportTable(
        "communes", _l("Activity by commune"),
        [Column("commune", _l("Commune")), Column("active_members", _l("Active members"), "number"),
         Column("hours_given", _l("Hours given"), "hours"), Column("hours_received", _l("Hours received"), "hours")],
        commune_rows, charts.horizontal_bars([(r[0], r[2] + r[3]) for r in commune_rows]))

    competence_rows = [[c.label, c.domain, c.minutes, c.exchanges]
                       for c in queries.with_competence_labels(data.competences)]
    tables["competences"] = ReportTable(
        "competences", _l("Exchanges by competence"),
        [Column("competence", _l("Competence")), Column("domain", _l("Domain")),
         Column("hours", _l("Hours"), "hours"), Column("exchanges", _l("Exchanges"), "number")],
        competence_rows, charts.horizontal_bars([(r[0], r[2]) for r in competence_rows]))

    member_columns = [Column("organisation", _l("Organisation")), Column("stage", _l("Stage")),
                      Column("commune", _l("Commune"))]
    tables["inactive"] = ReportTable(
        "inactive", _l("Members inactive for three months"), member_columns,
        [[m.name, STAGE_LABELS[m.stage], m.commune] for m in data.inactive],
        note=_l("No hours given or received in the last three months, whatever the period."),
        limit=queries.LIST_LIMIT)
    tables["no_offer"] = ReportTable(
        "no_offer", _l("Members that offer nothing"), member_columns,
        [[m.name, STAGE_LABELS[m.stage], m.commune] for m in data.no_offer],
        note=_l("No open offer today."), limit=queries.LIST_LIMIT)
    return Dashboard(filters, summary.figures, data.fund_balance, data.needs_total, tables)


# --- the public summary ---------------------------------------------------------------------------


@dataclass
class PublicSummary:
    filters: ReportFilters
    figures: queries.Figures
    months: ReportTable


def public_summary() -> PublicSummary:
    """Network-wide totals of the last twelve months, for the home page."""
    filters = ReportFilters.default()
    key = tuple(sorted(filters.args().items()))
    totals = cache.cached("totals", key, lambda: queries.period_totals(filters, competences=False))
    months, summary = totals.months, queries.summarise(totals, None)
    rows = [[m.month, m.minutes, m.exchanges] for m in months]
    table = ReportTable("months", _l("Hours exchanged per month"),
                        [Column("month", _l("Month"), "month"), Column("hours", _l("Hours exchanged"), "hours"),
                         Column("exchanges", _l("Exchanges"), "number")],
                        rows, charts.vertical_bars([(month_label(r[0]), r[1]) for r in rows], height=200))
    return PublicSummary(filters, summary.figures, table)


# --- the network graph ----------------------------------------------------------------------------


MAX_NODES = 500  # the picture stays readable (and its layout quick); the table lists every link


def network_graph(filters: ReportFilters, *, every_link: bool = False
                  ) -> tuple[network.Graph, ReportTable, list[tuple[object, str]], int]:
    """The graph of the period's exchanges (the MAX_NODES most active organisations), the
    table of the links (the page shows the first TABLE_LIMIT; `every_link`: all of them, for
    the exports), the colour legend and how many organisations exchanged in all."""
    graph, rows, active, links = cache.cached("network", tuple(sorted(filters.args().items())),
                                              lambda: _network_data(filters))
    if every_link:
        rows = cache.cached("network-links", tuple(sorted(filters.args().items())), lambda: _every_link(filters))
    table = ReportTable("edges", _l("Who exchanged with whom"),
                        [Column("organisation", _l("Organisation")), Column("partner", _l("Partner")),
                         Column("hours", _l("Hours, both ways"), "hours"),
                         Column("exchanges", _l("Exchanges"), "number")],
                        rows, limit=TABLE_LIMIT, total=links)
    sectors = queries.terms(TermKind.SECTOR)
    used = {node.colour for node in graph.nodes}
    legend = [(label(sectors[sid]), colour) for sid, colour in _colours(sectors).items() if colour in used]
    if "sector-none" in used:
        legend.append((_l("No sector"), "sector-none"))
    return graph, table, legend, active


TABLE_LIMIT = 200


def _colours(sectors: dict) -> dict[int, str]:
    return {sid: f"sector-{i % network.PALETTE_SIZE}" for i, sid in enumerate(sectors)}


def _link_rows(links, names: dict[int, str]) -> list[list]:
    return sorted(([names.get(a, ""), names.get(b, ""), m, c] for a, b, m, c in links),
                  key=lambda r: (-r[2], r[0], r[1]))


def _network_data(filters: ReportFilters) -> tuple[network.Graph, list[list], int, int]:
    data = queries.network_data(filters, nodes=MAX_NODES, top=TABLE_LIMIT)
    colour_of = _colours(queries.terms(TermKind.SECTOR))
    shown = sorted(data.weights)
    names, first_sector = queries.names_and_first_sectors(set(shown) | {i for a, b, _m, _c in data.top for i in (a, b)})
    nodes = [network.Node(org_id, names.get(org_id, ""), colour_of.get(first_sector.get(org_id), "sector-none"),
                          data.weights[org_id]) for org_id in shown]
    graph = network.build_graph(nodes, [network.Edge(a, b, m) for a, b, m, _c in data.edges])
    # The links with the most hours (ties included), in the table's order: the page's rows.
    rows = _link_rows(data.top, names)[:TABLE_LIMIT]
    return graph, rows, data.active, data.links


def _every_link(filters: ReportFilters) -> list[list]:
    links = queries.all_edges(filters)
    return _link_rows(links, queries.organisation_names())


# --- one organisation -------------------------------------------------------------------------------


def organisation_tables(org: Organisation, filters: ReportFilters) -> tuple[queries.OrganisationReport,
                                                                             dict[str, ReportTable]]:
    report = queries.organisation_report(org, filters)
    tables = {}
    tables["partners"] = ReportTable(
        "partners", _l("Partners"),
        [Column("partner", _l("Partner")), Column("hours_given", _l("Hours given"), "hours"),
         Column("hours_received", _l("Hours received"), "hours"), Column("exchanges", _l("Exchanges"), "number")],
        [[p.name, p.given, p.received, p.exchanges] for p in report.partners])
    tables["competences"] = ReportTable(
        "competences", _l("Competences exchanged"),
        [Column("competence", _l("Competence")), Column("domain", _l("Domain")),
         Column("hours_given", _l("Hours given"), "hours"), Column("hours_received", _l("Hours received"), "hours")],
        [[c.label, c.domain, c.given, c.received] for c in report.competences],
        charts.horizontal_bars([(c.label, c.given + c.received) for c in report.competences]))
    rows = [[m.month, m.given, m.received] for m in report.months]
    tables["months"] = ReportTable(
        "months", _l("Hours given and received per month"),
        [Column("month", _l("Month"), "month"), Column("hours_given", _l("Hours given"), "hours"),
         Column("hours_received", _l("Hours received"), "hours")],
        rows, charts.vertical_bars([(month_label(r[0]), r[1] + r[2]) for r in rows]))
    return report, tables
