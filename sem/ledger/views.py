"""The ledger's pages: the open ledger (and its CSV export), an organisation's balance and
history (with donations to the solidarity fund), and the coordinators' balances, grants,
floors and corrections. Views parse, authorise, call one service and render."""

import base64
import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from sem.catalogue.models import Competence
from sem.core.errors import DomainError
from sem.core.forms import commit, show_domain_error
from sem.core.i18n import format_hours
from sem.extensions import db
from sem.ledger import charts, imports, policy, queries
from sem.ledger import services as ledger
from sem.ledger.forms import (
    ACCOUNT_LABELS,
    KIND_LABELS,
    DonateForm,
    FloorForm,
    GrantForm,
    ImportCheckForm,
    ImportRecordForm,
    LedgerFilterForm,
    ReverseForm,
)
from sem.ledger.models import AccountKind, LedgerTransaction, TransactionKind
from sem.members.models import Organisation, OrgStatus, Stage

bp = Blueprint("ledger", __name__, template_folder="templates")
# Nested, so the app registers one blueprint; its endpoints are "ledger.coordination.*".
coordination = Blueprint("coordination", __name__, url_prefix="/coordination")


@lru_cache(maxsize=8)
def _labels_in(locale: str) -> tuple[dict, dict]:
    """The kind and account labels translated once per language (a page shows one per row)."""
    return ({kind: str(label) for kind, label in KIND_LABELS.items()},
            {kind: str(label) for kind, label in ACCOUNT_LABELS.items()})


@bp.context_processor
def _labels():
    kind_labels, account_labels = _labels_in(str(get_locale()))
    return {"KIND_LABELS": kind_labels, "ACCOUNT_LABELS": account_labels, "party": queries.party,
            "ledger_policy": policy, "KIND_CORRECTION": TransactionKind.CORRECTION,
            "KIND_EXCHANGE": TransactionKind.EXCHANGE}


@bp.app_template_global()
def ledger_balance(org: Organisation) -> int:
    """An organisation's balance, for pages of other areas (its profile)."""
    return ledger.balance_of(org)


# --- hours and dates: each distinct value formatted once per language ----------------------------
# Babel takes some 20-50 µs to format a number or a date; a ledger page shows a hundred of
# each, mostly the same few values (amounts, days). The filters below give exactly what the
# `hours` and `date` filters give, remembered per locale (and per process).


@lru_cache(maxsize=8192)
def _hours_in(locale: str, minutes: int) -> str:
    return format_hours(minutes)  # called in a request whose locale is `locale`


@lru_cache(maxsize=8192)
def _day_in(locale: str, day: date, fmt: str) -> str:
    return format_date(day, fmt)


@bp.app_template_filter()
def ledger_hours(minutes: int | None) -> str:
    """`minutes|hours`: "1,5 h" (fr), "1,5 u" (nl)."""
    if minutes is None:
        return ""
    return _hours_in(str(get_locale()), minutes)


@bp.app_template_filter()
def ledger_date(value: date | datetime | None, fmt: str = "medium") -> str:
    """`value|date(fmt)`: the day (in Brussels, for a moment) in the page's language."""
    if not value:
        return ""
    return _day_in(str(get_locale()), _brussels_day(value), fmt)


@lru_cache(maxsize=8192)
def _given_on_in(locale: str, day: date) -> Markup:
    # As `_("hours given on %(date)s", date=...)` writes it in a template: the translation is
    # markup, the date is escaped into it.
    return Markup(_("hours given on %(date)s")) % {"date": _day_in(locale, day, "medium")}  # noqa: S704 (our catalogue)


@bp.app_template_filter()
def given_on(value: datetime) -> Markup:
    """"hours given on 3 janv. 2025": when the hours of a transaction were given."""
    return _given_on_in(str(get_locale()), _brussels_day(value))


def _brussels_day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(ledger.BRUSSELS).date()
    return value


@bp.app_template_filter()
def signed_hours(minutes: int | None) -> str:
    """An amount that moves a balance: "+1,5 h", "-2 h"."""
    if minutes is None:
        return ""
    return ("+" if minutes > 0 else "") + ledger_hours(minutes)


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


# --- the open ledger ---------------------------------------------------------------------------


def _filters() -> tuple[LedgerFilterForm, queries.LedgerFilters, list[tuple[int, str]]]:
    """The open ledger's filters, and the organisations a typed name could mean when it
    means several (offered as choices)."""
    form = LedgerFilterForm(request.args)
    form.validate()  # wrong values are shown beside their field and ignored
    kind = form.kind.data if not form.kind.errors else ""
    organisation_id, choices = _organisation_filter(form)
    filters = queries.LedgerFilters(
        organisation_id=organisation_id, competence_id=form.competence.data or None,
        kind=TransactionKind(kind) if kind in {k.value for k in TransactionKind} else None,
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None)
    return form, filters, choices


def _organisation_filter(form: LedgerFilterForm) -> tuple[int | None, list[tuple[int, str]]]:
    """The organisation to filter on: named by id (links), or by the name typed."""
    text = (form.org.data or "").strip() if not form.org.errors else ""
    org_id = request.args.get("organisation", type=int)
    if org_id and not text:
        name = queries.organisation_name(org_id)
        if name is None:
            return None, []
        form.org.data = name
        return org_id, []
    if not text:
        return None, []
    found = queries.organisations_named(text, limit=ORGANISATION_CHOICES)
    if len(found) == 1:
        form.org.data = found[0][1]
        return found[0][0], []
    if not found:
        form.org.errors.append(_("No member organisation has this name."))
    else:
        form.org.errors.append(_("Several organisations match this name: choose one."))
    return None, found[:ORGANISATION_CHOICES]


ORGANISATION_CHOICES = 10


@bp.get("/ledger")
def index():
    form, filters, choices = _filters()
    page = queries.ledger_page(filters, before=request.args.get("before", type=int),
                               after=request.args.get("after", type=int))
    return render_template("ledger/index.html", form=form, filters=filters, page=page, choices=choices)


def hours_decimal(minutes: int) -> str:
    """Minutes as decimal hours with a point, for spreadsheets: 90 → "1.5", 15 → "0.25"."""
    value = (Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize()
    return format(value, "f")


def _cell(text: str) -> str:
    """Text typed by members must not run as a formula in a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _party_name(row: queries.LedgerRow, side: str) -> str:
    who = queries.party(row.tx, side)
    if isinstance(who, AccountKind):
        return str(ACCOUNT_LABELS[who])
    return _cell(who.name) if who else ""


CSV_COLUMNS = ("id", "recorded_on", "occurred_on", "kind", "provider", "recipient", "competence", "hours",
               "solidarity_fund_hours", "memo", "reason", "reverses", "reversed_by")


def _csv_line(row: queries.LedgerRow) -> list:
    tx = row.tx
    fund = -row.fund_minutes if tx.kind is TransactionKind.EXCHANGE and row.fund_minutes else None
    return [tx.id, tx.created_at.astimezone(ledger.BRUSSELS).date().isoformat(),
            tx.occurred_on.astimezone(ledger.BRUSSELS).date().isoformat(), tx.kind.value,
            _party_name(row, "provider"), _party_name(row, "recipient"),
            row.competence or "", hours_decimal(tx.minutes),
            hours_decimal(fund) if fund else "", _cell(tx.memo), _cell(tx.reason), tx.reverses_id or "",
            row.reversed_by or ""]


@bp.get("/ledger.csv")
def export_csv():
    """The filtered open ledger as CSV, streamed: UTF-8 with a BOM (so Excel reads accents),
    ISO dates (Brussels days), hours as decimals with a point."""
    _form, filters, _choices = _filters()

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(CSV_COLUMNS)
        for row in queries.ledger_rows(filters):
            writer.writerow(_csv_line(row))
            if buffer.tell() > 16_384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="sem-ledger.csv"'})


# --- an organisation's balance and history -----------------------------------------------------


def _organisation_page(org: Organisation, donate_form: DonateForm | None = None, status: int = 200):
    account_floor = ledger.effective_floor(org)
    account = queries.account_state(org)
    balance = account.balance
    points, granularity = queries.chart_points(org, account)
    totals = queries.totals_of(org)
    can_donate = policy.can_donate(current_user, org)
    return render_template(
        "ledger/organisation.html", organisation=org, balance=balance, floor=account_floor,
        allowance_left=ledger.allowance_left(org) if org.stage is Stage.EMERGING else None,
        totals=totals, history=queries.history_page(org, _page_number(), total=totals.transactions),
        chart=charts.build_chart(points, granularity=granularity, floor=account_floor),
        can_donate=can_donate, donate_form=donate_form or (DonateForm(formdata=None) if can_donate else None),
        is_own=policy.members_policy.belongs_to(current_user, org),
    ), status


@bp.get("/ledger/organisations/<int:org_id>")
def organisation(org_id):
    org = db.get_or_404(Organisation, org_id)
    policy.require(policy.can_view_history(current_user, org))
    return _organisation_page(org)


@bp.post("/ledger/organisations/<int:org_id>/donate")
@login_required
def donate(org_id):
    org = db.get_or_404(Organisation, org_id)
    policy.require(policy.can_donate(current_user, org))
    form = DonateForm()
    if not form.validate_on_submit():
        return _organisation_page(org, form, 400)

    def give():
        try:
            return ledger.donate(org, form.minutes_value, actor=current_user, memo=(form.memo.data or "").strip())
        except ledger.CreditLimitReached as error:
            error.field = "hours"  # the floor refusal goes beside the hours asked for
            raise

    ok, outcome = commit(give, form)
    if not ok:
        return _organisation_page(org, form, outcome.status_code)
    flash(_("Thank you: %(hours)s given to the solidarity fund.", hours=format_hours(outcome.minutes)), "success")
    return redirect(url_for(".organisation", org_id=org.id))


# --- coordinators -----------------------------------------------------------------------------


@coordination.before_request
@login_required
def require_coordinator():
    policy.require(policy.can_coordinate(current_user))


def _balances_page(grant_form: GrantForm | None = None, status: int = 200):
    sort = request.args.get("sort", "name")
    sort = sort if sort in queries.BALANCE_SORTS else "name"
    flag = request.args.get("flag", "")
    flag = flag if flag in queries.BALANCE_FLAGS else ""
    return render_template(
        "ledger/balances.html", page=queries.balances(sort, flag, _page_number()), sort=sort, flag=flag,
        levels=queries.fund_levels(), grant_form=grant_form or GrantForm(formdata=None),
        selected=set(grant_form.organisations.data or []) if grant_form else set(),
        near=queries.NEAR_FLOOR_MINUTES, SOLIDARITY=AccountKind.SOLIDARITY, NETWORK=AccountKind.NETWORK,
    ), status


@coordination.get("/balances")
def balances():
    return _balances_page()


@coordination.post("/balances/grant")
def grant():
    form = GrantForm()
    if not form.validate_on_submit():
        return _balances_page(form, 400)
    orgs = list(db.session.scalars(sa.select(Organisation).where(
        Organisation.id.in_(form.organisations.data or []), Organisation.status == OrgStatus.APPROVED)
        .order_by(Organisation.name)))
    recipients = [*orgs, *([None] if form.to_fund.data else [])]
    ok, outcome = commit(lambda: ledger.grant(recipients, form.minutes_value, actor=current_user,
                                              reason=form.reason.data), form)
    if not ok:
        return _balances_page(form, outcome.status_code)
    flash(ngettext("%(hours)s granted to %(num)d account.", "%(hours)s granted to each of %(num)d accounts.",
                   len(outcome), hours=format_hours(outcome[0].minutes)), "success")
    return redirect(url_for(".balances"))


def _floor_target(value: str):
    """"stage:emerging" → (Stage.EMERGING, None); "organisation:12" → (None, the organisation)."""
    kind, _sep, key = (value or "").partition(":")
    if kind == "stage" and key in {s.value for s in Stage}:
        return Stage(key), None
    if kind == "organisation" and key.isdigit():
        org = db.session.get(Organisation, int(key))
        if org is not None and org.status in queries.LISTED:
            return None, org
    return None, None


@coordination.route("/floors", methods=["GET", "POST"])
def floors():
    form = FloorForm(organisations=queries.organisation_choices())
    selected = request.args.get("organisation", type=int)
    status = 200
    if form.is_submitted():
        status = 400
        valid = form.validate()
        stage, org = _floor_target(form.target.data)
        if stage is None and org is None and not form.target.errors:
            form.target.errors = [_("Choose a stage or an organisation.")]
        elif valid:
            ok, outcome = commit(lambda: ledger.set_floor(floor_minutes=form.floor_minutes, reason=form.reason.data,
                                                          actor=current_user, stage=stage, organisation=org), form)
            if ok:
                flash(_("The floor is saved: %(floor)s.", floor=format_hours(outcome.floor_minutes)), "success")
                return redirect(url_for(".floors", organisation=org.id if org else None))
            status = outcome.status_code
    elif selected:
        form.target.data = f"organisation:{selected}"
    organisation = db.session.get(Organisation, selected) if selected else None
    return render_template(
        "ledger/floors.html", form=form, stage_floors=queries.stage_floors(),
        organisation_floors=queries.organisation_floors(), organisation=organisation,
        organisation_floor=ledger.effective_floor(organisation) if organisation else None,
        history=queries.floor_history(organisation.id if organisation else None),
    ), status


@coordination.route("/transactions/<int:tx_id>/reverse", methods=["GET", "POST"])
def reverse(tx_id):
    tx = db.get_or_404(LedgerTransaction, tx_id)
    form = ReverseForm()
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            ok, outcome = commit(lambda: ledger.reverse(tx, actor=current_user, reason=form.reason.data), form)
            if ok:
                flash(_("Transaction #%(id)d is reversed by correction #%(correction)d.", id=tx.id,
                        correction=outcome.id), "success")
                return redirect(url_for("ledger.index", before=outcome.id + 1, _anchor=f"tx-{outcome.id}"))
            status = outcome.status_code
    competence = db.session.get(Competence, tx.competence_id) if tx.competence_id else None
    return render_template("ledger/reverse.html", tx=tx, form=form, competence=competence,
                           reversed_by=queries.reversal_of(tx)), status


# --- importing past exchanges ------------------------------------------------------------------


def _import_page(check_form: ImportCheckForm, *, plan=None, record_form: ImportRecordForm | None = None,
                 status: int = 200):
    return render_template("ledger/import.html", check_form=check_form, plan=plan, record_form=record_form,
                           columns=imports.COLUMNS, max_rows=imports.MAX_ROWS), status


def _record_form_for(data: bytes, filename: str, plan) -> ImportRecordForm:
    form = ImportRecordForm(formdata=None)
    form.content.data = base64.b64encode(data).decode("ascii")
    form.filename.data = filename
    form.expected.data = str(len(plan.to_record))
    return form


@coordination.route("/ledger/import", methods=["GET", "POST"])
def import_exchanges():
    """Step one, the dry run: read the file and show what would be recorded, and why not."""
    form = ImportCheckForm()
    if not form.is_submitted():
        return _import_page(form)
    if not form.validate():
        return _import_page(form, status=400)
    upload = form.file.data
    data = upload.read(imports.MAX_BYTES + 1)
    try:
        plan = imports.plan_import(data)
    except DomainError as error:
        show_domain_error(form, error)
        return _import_page(form, status=400)
    filename = upload.filename or ""
    return _import_page(form, plan=plan, record_form=_record_form_for(data, filename, plan) if plan.to_record else None)


@coordination.post("/ledger/import/record")
def record_import():
    """Step two: record what the dry run showed, all or nothing."""
    form = ImportRecordForm()
    try:
        data = base64.b64decode(form.content.data or "", validate=True)
    except ValueError:
        data = b""
    filename = form.filename.data or ""
    status = 400
    if form.validate() and data:
        expected = int(form.expected.data) if form.expected.data.isdigit() else -1
        ok, outcome = commit(lambda: imports.import_exchanges(data, actor=current_user, reason=form.reason.data,
                                                              expected=expected, filename=filename), form)
        if ok:
            flash(ngettext("%(num)d past exchange recorded (%(hours)s).",
                           "%(num)d past exchanges recorded (%(hours)s).",
                           len(outcome.to_record), hours=format_hours(outcome.minutes)), "success")
            return redirect(url_for("ledger.index", kind=TransactionKind.IMPORT.value))
        status = outcome.status_code
    # Show the check again, as it stands now, with what was typed and what went wrong.
    check_form = ImportCheckForm(formdata=None)
    try:
        plan = imports.plan_import(data)
    except DomainError as error:
        show_domain_error(check_form, error)
        return _import_page(check_form, status=status)
    fresh = _record_form_for(data, filename, plan)
    fresh.reason.data, fresh.reason.errors = form.reason.data, form.reason.errors
    return _import_page(check_form, plan=plan, record_form=fresh if plan.to_record else None, status=status)


@coordination.get("/ledger/import/example.csv")
def import_example():
    return Response("\ufeff" + imports.EXAMPLE, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="sem-import-example.csv"'})


bp.register_blueprint(coordination)
