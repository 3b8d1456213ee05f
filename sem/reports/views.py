"""The reports' pages: the coordinators' impact dashboard and network graph, an
organisation's report, and the CSV and JSON of every table they show. Read-only."""

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from sem.catalogue.models import TermKind
from sem.core.db import utcnow
from sem.extensions import db
from sem.ledger import charts as ledger_charts
from sem.ledger import queries as ledger_queries
from sem.ledger import services as ledger
from sem.members.models import Organisation
from sem.reports import policy, queries, tables
from sem.reports.forms import ReportFilterForm

bp = Blueprint("reports", __name__, template_folder="templates")
FORMATS = {"csv": "text/csv", "json": "application/json"}


@bp.app_context_processor
def _policy():
    """Other areas' pages link to the reports a visitor may see."""
    return {"reports_policy": policy}


def _filter_form(organisation_filters: bool = True) -> tuple[ReportFilterForm, queries.ReportFilters]:
    if organisation_filters:
        form = ReportFilterForm(request.args, sectors=queries.terms(TermKind.SECTOR),
                                publics=queries.terms(TermKind.PUBLIC), communes=queries.communes())
    else:
        form = ReportFilterForm(request.args, organisation_filters=False)
    return form, form.filters()


def _download(table: tables.ReportTable, filters: queries.ReportFilters, fmt: str, prefix: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    body = tables.to_csv(table) if fmt == "csv" else tables.to_json(table, filters)
    name = f"{prefix}-{table.key}-{filters.month_from:%Y-%m}-{filters.month_to:%Y-%m}.{fmt}"
    return Response(body, mimetype=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- coordinators ---------------------------------------------------------------------------------


@bp.get("/coordination/impact")
@login_required
def impact():
    policy.require(policy.can_view_impact(current_user))
    form, filters = _filter_form()
    return render_template("reports/impact.html", form=form, filters=filters, report=tables.dashboard(filters))


@bp.get("/coordination/impact/<key>.<fmt>")
@login_required
def impact_export(key, fmt):
    policy.require(policy.can_view_impact(current_user))
    _form, filters = _filter_form()
    table = tables.dashboard(filters).tables.get(key)
    if table is None:
        abort(404)
    return _download(table, filters, fmt, "sem-impact")


@bp.get("/coordination/network")
@login_required
def network():
    policy.require(policy.can_view_impact(current_user))
    form, filters = _filter_form()
    graph, table, legend, active = tables.network_graph(filters)
    return render_template("reports/network.html", form=form, filters=filters, graph=graph, table=table,
                           legend=legend, active=active)


@bp.get("/coordination/network/edges.<fmt>")
@login_required
def network_export(fmt):
    policy.require(policy.can_view_impact(current_user))
    _form, filters = _filter_form()
    table = tables.network_graph(filters, every_link=True)[1]
    return _download(table, filters, fmt, "sem-network")


# --- one organisation ---------------------------------------------------------------------------------


def _organisation(org_id: int) -> Organisation:
    org = db.get_or_404(Organisation, org_id)
    policy.require(policy.can_view_organisation_report(current_user, org))
    return org


@bp.get("/reports/organisations/<int:org_id>")
@login_required
def organisation(org_id):
    org = _organisation(org_id)
    form, filters = _filter_form(organisation_filters=False)
    report, report_tables = tables.organisation_tables(org, filters)
    floor = ledger.effective_floor(org)
    points, granularity = ledger_charts.balance_points(ledger_queries.balance_series(org), ledger.BRUSSELS)
    return render_template("reports/organisation.html", organisation=org, form=form, filters=filters, report=report,
                           tables=report_tables, balance=ledger.balance_of(org),
                           now_day=utcnow().astimezone(ledger.BRUSSELS).date(),
                           chart=ledger_charts.build_chart(points, granularity=granularity, floor=floor))


@bp.get("/reports/organisations/<int:org_id>/<key>.<fmt>")
@login_required
def organisation_export(org_id, key, fmt):
    org = _organisation(org_id)
    _form, filters = _filter_form(organisation_filters=False)
    table = tables.organisation_tables(org, filters)[1].get(key)
    if table is None:
        abort(404)
    return _download(table, filters, fmt, f"sem-organisation-{org.id}")
