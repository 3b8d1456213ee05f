"""The ledger's pages: an organisation's balance and history (with its chart), the open
ledger and its CSV export, and the coordinators' balances, grants, floors and corrections.

The fixture builds a small ledger through the services, one transaction per day:

    #1 Jan 10  grant      network → fund     5 h   "Seed the fund"
    #2 Jan 11  exchange   Alpha → Bêta       3 h   website, "New website"   (reversed by #6)
    #3 Jan 12  exchange   Alpha → Gamma      2 h   hardware, "Laptops"      (the fund pays: Gamma is emerging)
    #4 Jan 13  donation   Alpha → fund       1 h   "For newcomers"
    #5 Jan 14  grant      network → Bêta     2 h   "Welcome"
    #6 Jan 15  correction Bêta → Alpha       3 h   "Declared twice"         (reverses #2)

Balances after it: Alpha 1 h, Bêta 2 h, Gamma 0 h, the fund 4 h, the network -7 h.
"""

import re
from datetime import UTC, datetime
from html import unescape
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from sem.catalogue.models import Competence
from sem.core.db import utcnow
from sem.extensions import db
from sem.ledger import charts
from sem.ledger import services as ledger
from sem.ledger.models import Account, AccountKind, Entry, FloorRule, LedgerTransaction
from sem.members.models import AuditEvent, Organisation, OrgStatus, Person, Stage
from tests.conftest import login, post, tr_html

YEAR = utcnow().year
DAYS = [datetime(YEAR, 1, day, 10, 0, tzinfo=UTC) for day in range(10, 16)]
NBSP = "\u00a0"


def h(text: str) -> str:
    """Hours as the page writes them: "1 h" with a non-breaking space."""
    return text.replace(" ", NBSP)


class Clock:
    """The services' clock, set by hand: one transaction per day."""

    def __init__(self):
        self.now = DAYS[0]

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(ledger, "utcnow", clock)
    return clock


@pytest.fixture
def world(app, make, clock):
    make.vocabularies()
    make.charter()
    ids = {"alpha": make.org("Atelier Alpha"), "beta": make.org("Bureau Bêta"),
           "gamma": make.org("Collectif Gamma", stage=Stage.EMERGING),
           "coordinator": make.coordinator(locale="en")}
    ids["alpha_admin"], ids["beta_admin"] = make.admin_of(ids["alpha"]), make.admin_of(ids["beta"])
    with app.test_request_context():
        alpha, beta, gamma = (db.session.get(Organisation, ids[k]) for k in ("alpha", "beta", "gamma"))
        coordinator = db.session.get(Person, ids["coordinator"])
        website, hardware = (db.session.scalar(sa.select(Competence).where(Competence.code == code))
                             for code in ("it-website", "it-hardware"))
        ids.update(website=website.id, hardware=hardware.id, website_en=website.label_en,
                   hardware_en=hardware.label_en)
        steps = [
            lambda: ledger.grant([None], 300, actor=coordinator, reason="Seed the fund")[0],
            lambda: ledger.settle_exchange(provider=alpha, recipient=beta, minutes=180, idempotency_key="t:1",
                                           author=None, competence_id=website.id, memo="New website"),
            lambda: ledger.settle_exchange(provider=alpha, recipient=gamma, minutes=120, idempotency_key="t:2",
                                           author=None, competence_id=hardware.id, memo="Laptops"),
            lambda: ledger.donate(alpha, 60, actor=db.session.get(Person, ids["alpha_admin"]), memo="For newcomers"),
            lambda: ledger.grant([beta], 120, actor=coordinator, reason="Welcome")[0],
            lambda: ledger.reverse(db.session.get(LedgerTransaction, ids["t2"]), actor=coordinator,
                                   reason="Declared twice"),
        ]
        for n, (day, step) in enumerate(zip(DAYS, steps, strict=True), start=1):
            clock.now = day
            ids[f"t{n}"] = step().id
            db.session.commit()
    return ids


def page(client, url: str, locale: str = "en", status: int = 200) -> str:
    response = client.get(url, headers={"Accept-Language": locale})
    assert response.status_code == status, response.status
    return response.get_data(as_text=True)


def rows_of(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="tx-(\d+)"', html)]


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)),
                db.session.scalar(sa.select(sa.func.count()).select_from(Entry)))


def balance(app, org_id) -> int:
    with app.app_context():
        return ledger.balance_of(db.session.get(Organisation, org_id))


def fund(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Account.balance_minutes).where(Account.kind == AccountKind.SOLIDARITY))


def section(html: str, start: str, end: str = "</section>") -> str:
    tail = html[html.index(start):]
    return tail[:tail.index(end)]


# --- an organisation's balance and history ----------------------------------------------------


@pytest.mark.parametrize(("locale", "month", "unit"), [("fr", "janv.", "h"), ("nl", "jan", "u")])
def test_history_shows_the_figures_in_french_and_dutch(app, client, world, locale, month, unit):
    html = page(client, f"/ledger/organisations/{world['alpha']}", locale)
    figures = section(html, '<dl class="figures', "</dl>")
    # balance, floor (established default), given (#3 only: #2 was reversed), received, donated
    for figure in ("1 h", "-5 h", "2 h", "0 h", "1 h"):
        assert h(figure.replace("h", unit)) in figures
    assert "allowance" not in figures.lower()  # only emerging members have one
    history = section(html, 'id="history-title"')
    assert rows_of(history) == [world[f"t{n}"] for n in (6, 4, 3, 2)]
    assert f"15 {month}" in history and f"11 {month}" in history
    # the correction's row: Alpha loses 3 h and ends at 1 h; its counterpart is Bêta
    row = history[history.index(f'id="tx-{world["t6"]}"'):].split("</tr>")[0]
    assert h(f"-3 {unit}") in row and h(f"1 {unit}") in row and "Bureau Bêta" in row


def test_emerging_member_sees_its_allowance_and_what_the_fund_paid(app, client, world):
    html = page(client, f"/ledger/organisations/{world['gamma']}", "fr")
    figures = section(html, '<dl class="figures', "</dl>")
    assert h("18 h") in figures  # 20 h a year, 2 h used by #3
    assert h("-20 h") in figures  # the emerging floor
    row = html[html.index(f'id="tx-{world["t3"]}"'):].split("</tr>")[0]
    assert "Atelier Alpha" in row and h("2 h") in row  # received, paid by the fund: its balance did not move


def test_the_profile_shows_the_balance_and_links_to_the_history(client, world):
    html = page(client, f"/organisations/{world['beta']}", "fr")
    assert h("2 h") in html
    assert f'href="/ledger/organisations/{world["beta"]}"' in html


def test_chart_svg_and_its_table_carry_the_same_points(app, client, world):
    html = page(client, f"/ledger/organisations/{world['alpha']}", "fr")
    svg = html[html.index("<svg"):html.index("</svg>")]
    in_svg = [unescape(t) for t in re.findall(r'<circle class="chart-point"[^>]*><title>(.*?)</title>', svg)]
    table = html[html.index('<table class="chart-data">'):]
    table = table[:table.index("</table>")]
    in_table = [f"{unescape(d)}: {unescape(v)}"
                for d, v in re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td></tr>", table)]
    assert in_svg == in_table
    # Alpha's balance at the end of each day it moved: 3 h, 5 h, 4 h, then 1 h after the correction.
    assert [point.split(": ")[1] for point in in_svg] == [h("3 h"), h("5 h"), h("4 h"), h("1 h")]
    assert in_svg[0].startswith("11 janv.")
    # The CSP forbids inline styles and scripts: the chart is drawn with attributes and classes.
    assert "style=" not in html and "<script" not in html


def test_the_chart_shows_a_new_entry_at_once(app, client, world, clock):
    """The chart's points are remembered per state of the account: the next entry changes it."""
    login(client, app, world["alpha_admin"])

    def chart_balances():
        html = page(client, f"/ledger/organisations/{world['alpha']}", "fr")
        table = section(html, '<table class="chart-data">', "</table>")
        return [unescape(v) for v in re.findall(r'<td class="num">(.*?)</td>', table)]

    before = chart_balances()
    assert before == [h("3 h"), h("5 h"), h("4 h"), h("1 h")]
    clock.now = datetime(YEAR, 1, 20, 10, 0, tzinfo=UTC)
    response = post(client, f"/ledger/organisations/{world['alpha']}/donate", {"hours": "0,5"})
    assert response.status_code == 302
    assert chart_balances() == [*before, h("0,5 h")]


def test_chart_points_go_by_month_when_there_are_many_days():
    rows = [(datetime(2024, 1 + i // 28, 1 + i % 28, 12, tzinfo=UTC), i * 15) for i in range(100)]
    points, granularity = charts.balance_points(rows, ledger.BRUSSELS)
    assert granularity == "month"
    assert points[0] == (datetime(2024, 1, 1).date(), 27 * 15)  # the balance at the end of January
    assert points[-1] == (datetime(2024, 4, 1).date(), 99 * 15)
    chart = charts.build_chart(points, granularity=granularity, floor=-300)
    assert [p.y for p in chart.points] == sorted((p.y for p in chart.points), reverse=True)  # rising line
    assert chart.ticks[0].minutes <= -300 and chart.ticks[-1].minutes >= 99 * 15
    assert chart.path.startswith("M") and chart.path.count("V") == len(points) - 1  # a step line
    # x follows time: January (31 days) takes more room than February (29 days in 2024)
    xs = [p.x for p in chart.points]
    assert xs[0] == chart.left and xs[-1] == chart.right and xs[1] - xs[0] > xs[2] - xs[1]
    labels = [p.x for p in chart.x_labels]
    assert labels[-1] == chart.right and all(b - a >= 120 for a, b in zip(labels, labels[1:], strict=False))
    assert charts.build_chart([]) is None


# --- donations --------------------------------------------------------------------------------


def test_member_gives_hours_to_the_fund(app, client, world):
    login(client, app, world["alpha_admin"])
    response = post(client, f"/ledger/organisations/{world['alpha']}/donate", {"hours": "0,5", "memo": "Merci"})
    assert response.status_code == 302
    assert balance(app, world["alpha"]) == 30
    assert fund(app) == 270


def test_a_donation_below_the_floor_is_refused_beside_the_field_and_changes_nothing(app, client, world):
    before = counts(app), balance(app, world["beta"]), fund(app)
    login(client, app, world["beta_admin"])
    response = post(client, f"/ledger/organisations/{world['beta']}/donate", {"hours": "8"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    error = re.search(r'<small class="field-error" id="hours-error">(.*?)</small>', html, re.S)
    assert error and h("-5 h") in error.group(1)  # the floor, named beside the hours asked for
    assert 'aria-invalid="true"' in html
    assert (counts(app), balance(app, world["beta"]), fund(app)) == before


def test_only_people_of_the_organisation_may_give_its_hours(app, client, world):
    login(client, app, world["beta_admin"])
    assert post(client, f"/ledger/organisations/{world['alpha']}/donate", {"hours": "1"}).status_code == 403
    give = tr_html(app, "Give these hours")
    assert give not in page(client, f"/ledger/organisations/{world['alpha']}")
    assert give in page(client, f"/ledger/organisations/{world['beta']}")


# --- the open ledger --------------------------------------------------------------------------


def test_open_ledger_lists_every_transaction_newest_first_with_its_corrections(client, world):
    html = page(client, "/ledger")
    assert rows_of(html) == [world[f"t{n}"] for n in range(6, 0, -1)]
    t2, t6 = world["t2"], world["t6"]
    row2 = html[html.index(f'id="tx-{t2}"'):].split("</tr>")[0]
    row6 = html[html.index(f'id="tx-{t6}"'):].split("</tr>")[0]
    assert f'reversed by <a href="/ledger?before={t6 + 1}#tx-{t6}">#{t6}</a>' in row2
    assert f'reverses <a href="/ledger?before={t2 + 1}#tx-{t2}">#{t2}</a>' in row6
    assert "Declared twice" in row6 and "Bureau Bêta" in row6
    row3 = html[html.index(f'id="tx-{world["t3"]}"'):].split("</tr>")[0]
    assert "of which 2\u00a0h from the solidarity fund" in row3
    row1 = html[html.index(f'id="tx-{world["t1"]}"'):].split("</tr>")[0]
    assert "Network account" in row1 and "Solidarity fund" in row1 and "Seed the fund" in row1


@pytest.mark.parametrize(("query", "expected"), [
    ("organisation={alpha}", (6, 4, 3, 2)),
    ("organisation={gamma}", (3,)),
    ("competence={website}", (6, 2)),
    ("kind=grant", (5, 1)),
    ("kind=correction", (6,)),
    (f"date_from={YEAR}-01-12&date_to={YEAR}-01-13", (4, 3)),
    (f"date_from={YEAR}-01-14", (6, 5)),
    ("organisation={beta}&kind=exchange", (2,)),
    ("date_from=not-a-date", (6, 5, 4, 3, 2, 1)),  # shown as an error, ignored
])
def test_open_ledger_filters(client, world, query, expected):
    html = page(client, "/ledger?" + query.format_map(world))
    assert rows_of(html) == [world[f"t{n}"] for n in expected]


@pytest.mark.parametrize(("typed", "expected"), [
    ("Atelier Alpha", (6, 4, 3, 2)),  # the exact name
    ("collectif gamma", (3,)),  # any case
    ("gamm", (3,)),  # a part of one name only
])
def test_open_ledger_filters_on_an_organisation_named_in_a_text_field(client, world, typed, expected):
    html = page(client, "/ledger?" + urlencode({"org": typed}))
    assert rows_of(html) == [world[f"t{n}"] for n in expected]
    # The field keeps the organisation's full name; pages and the export keep it by id.
    assert re.search(r'<input[^>]*name="org"[^>]*value="(Atelier Alpha|Collectif Gamma)"', html)
    assert "<datalist" not in html and ">Bureau Bêta</option>" not in html


def test_open_ledger_names_the_organisation_of_a_link_by_id_without_listing_every_member(client, world):
    html = page(client, f"/ledger?organisation={world['beta']}&kind=exchange")
    assert rows_of(html) == [world["t2"]]
    assert re.search(r'<input[^>]*name="org"[^>]*value="Bureau Bêta"', html)
    assert ">Atelier Alpha</option>" not in html and "<datalist" not in html  # no list of every member


def test_open_ledger_offers_the_choices_when_a_name_means_several_and_says_when_none(client, world):
    html = page(client, "/ledger?" + urlencode({"org": "a", "kind": "exchange"}))
    assert "Several organisations match this name: choose one." in html
    assert rows_of(html) == [world[f"t{n}"] for n in (3, 2)]  # not filtered on an organisation
    links = re.findall(r'<a href="/ledger\?([^"]+)">([^<]+)</a></li>', html)
    assert {name for _, name in links} >= {"Atelier Alpha", "Bureau Bêta", "Collectif Gamma"}
    alpha = next(unescape(args) for args, name in links if name == "Atelier Alpha")
    assert f"organisation={world['alpha']}" in alpha and "kind=exchange" in alpha
    assert '<datalist id="org-choices">' in html and 'list="org-choices"' in html
    html = page(client, "/ledger?" + urlencode({"org": "Nobody at all"}))
    assert "No member organisation has this name." in html and 'aria-invalid="true"' in html
    assert len(rows_of(html)) == 6


def test_open_ledger_pages_by_fifty_keyed_on_the_transaction(app, client, world, clock):
    with app.test_request_context():
        coordinator = db.session.get(Person, world["coordinator"])
        for _ in range(54):
            ledger.grant([None], 15, actor=coordinator, reason="Top-up")
        db.session.commit()
    first = page(client, "/ledger")
    ids = rows_of(first)
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    older = re.search(r'href="(/ledger\?before=\d+)" rel="next"', first).group(1)
    assert 'rel="prev"' not in first
    second = page(client, older)
    assert rows_of(second) == sorted(set(range(world["t1"], ids[-1])), reverse=True)
    assert len(rows_of(second)) == 10 and 'rel="next"' not in second
    newer = unescape(re.search(r'href="([^"]+)" rel="prev"', second).group(1))
    assert rows_of(page(client, newer)) == ids


def test_a_page_of_fifty_takes_a_fixed_number_of_statements(app, client, make, world, clock):
    others = [make.org(f"Organisation {n}") for n in range(5)]
    with app.test_request_context():
        orgs = [db.session.get(Organisation, org_id) for org_id in others]
        for n in range(55):
            ledger.settle_exchange(provider=orgs[n % 5], recipient=orgs[(n + 1) % 5], minutes=15,
                                   idempotency_key=f"many:{n}", author=None,
                                   competence_id=world["website" if n % 2 else "hardware"], memo=f"n{n}")
        db.session.commit()
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    login(client, app, world["coordinator"])  # a coordinator's page: correction links too
    with app.app_context():
        engine = db.engine
    for url in ("/ledger", f"/ledger?organisation={others[0]}"):
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            html = page(client, url)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert len(rows_of(html)) in (50, 22)
        assert len(statements) <= 10, statements
        statements.clear()


def test_csv_export_is_exact(client, world):
    response = client.get("/ledger.csv", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    t = world
    web, hard = t["website_en"], t["hardware_en"]
    expected = [
        "id,recorded_on,occurred_on,kind,provider,recipient,competence,hours,solidarity_fund_hours,memo,reason,"
        "reverses,reversed_by",
        f"{t['t6']},{YEAR}-01-15,{YEAR}-01-15,correction,Bureau Bêta,Atelier Alpha,{web},3,,,Declared twice,{t['t2']},",
        f"{t['t5']},{YEAR}-01-14,{YEAR}-01-14,grant,Network account,Bureau Bêta,,2,,,Welcome,,",
        f"{t['t4']},{YEAR}-01-13,{YEAR}-01-13,donation,Atelier Alpha,Solidarity fund,,1,,For newcomers,,,",
        f"{t['t3']},{YEAR}-01-12,{YEAR}-01-12,exchange,Atelier Alpha,Collectif Gamma,{hard},2,2,Laptops,,,",
        f"{t['t2']},{YEAR}-01-11,{YEAR}-01-11,exchange,Atelier Alpha,Bureau Bêta,{web},3,,New website,,,{t['t6']}",
        f"{t['t1']},{YEAR}-01-10,{YEAR}-01-10,grant,Network account,Solidarity fund,,5,,,Seed the fund,,",
    ]
    assert raw.decode("utf-8-sig") == "\r\n".join(expected) + "\r\n"


def test_csv_export_follows_the_filters_and_writes_decimal_hours(app, client, world, clock):
    with app.test_request_context():
        beta, admin = db.session.get(Organisation, world["beta"]), db.session.get(Person, world["beta_admin"])
        ledger.donate(beta, 45, actor=admin, memo='=HYPERLINK("x")')
        db.session.commit()
    text = client.get(f"/ledger.csv?organisation={world['beta']}&kind=donation").get_data().decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) == 2
    assert ",0.75," in lines[1]  # 45 minutes
    assert ',"\'=HYPERLINK(""x"")",' in lines[1]  # a member's memo never runs as a spreadsheet formula


# --- coordinators -----------------------------------------------------------------------------


def test_only_coordinators_reach_the_coordinator_pages(app, client, world):
    urls = ["/coordination/balances", "/coordination/floors", f"/coordination/transactions/{world['t1']}/reverse"]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    login(client, app, world["alpha_admin"])
    for url in urls:
        assert client.get(url).status_code == 403
    grant = {"hours": "1", "reason": "x", "to_fund": "y"}
    assert post(client, "/coordination/balances/grant", grant).status_code == 403
    assert "/coordination/transactions/" not in page(client, "/ledger")  # no correction links either
    coordinator = app.test_client()
    login(coordinator, app, world["coordinator"])
    for url in urls:
        assert coordinator.get(url).status_code == 200


@pytest.mark.parametrize(("locale", "unit"), [("fr", "h"), ("nl", "u")])
def test_balances_show_levels_flags_and_sort_by_balance(app, client, make, world, clock, locale, unit):
    delta = make.org("Dépôt Delta")
    with app.test_request_context():
        ledger.settle_exchange(provider=db.session.get(Organisation, world["alpha"]),
                               recipient=db.session.get(Organisation, delta), minutes=240, idempotency_key="d:1",
                               author=None)
        db.session.commit()
    with app.app_context():
        db.session.get(Person, world["coordinator"]).locale = locale
        db.session.commit()
    login(client, app, world["coordinator"])
    html = page(client, "/coordination/balances?sort=balance", locale)
    levels = section(html, '<dl class="figures', "</dl>")
    assert h(f"4 {unit}") in levels and h(f"-7 {unit}") in levels  # the fund and the network account
    names = re.findall(r'<a href="/ledger/organisations/\d+">([^<]+)</a>', html)
    assert names == ["Dépôt Delta", "Collectif Gamma", "Bureau Bêta", "Atelier Alpha"]  # -4 h, 0, 2 h, 5 h

    def row(name):
        return html[html.index(f">{name}</a>"):].split("</tr>")[0]

    assert "badge-only-gives" in row("Atelier Alpha") and "badge-near-floor" not in row("Atelier Alpha")
    assert "badge-only-receives" in row("Collectif Gamma")
    assert "badge-near-floor" in row("Dépôt Delta") and "badge-only-receives" in row("Dépôt Delta")
    assert "badge-" not in row("Bureau Bêta").split("</td>", 2)[-1]  # neither gives nor receives now
    assert h(f"-5 {unit}") in row("Dépôt Delta")
    descending = page(client, "/coordination/balances?sort=-balance", locale)
    assert re.findall(r'<a href="/ledger/organisations/\d+">([^<]+)</a>', descending) == names[::-1]
    near = page(client, "/coordination/balances?flag=near_floor", locale)
    assert re.findall(r'<a href="/ledger/organisations/\d+">([^<]+)</a>', near) == ["Dépôt Delta"]


def test_coordinator_grants_to_several_organisations_and_the_fund(app, client, world):
    login(client, app, world["coordinator"])
    response = post(client, "/coordination/balances/grant", {
        "organisations": [str(world["alpha"]), str(world["gamma"])], "to_fund": "y", "hours": "1,5",
        "reason": "Neighbourhood festival"})
    assert response.status_code == 302
    assert (balance(app, world["alpha"]), balance(app, world["gamma"]), fund(app)) == (150, 90, 330)
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "ledger.granted")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.organisation_id, e.reason, e.details["minutes"]) for e in events[-3:]] == [
            (world["alpha"], "Neighbourhood festival", 90), (world["gamma"], "Neighbourhood festival", 90),
            (None, "Neighbourhood festival", 90)]
    audit = page(client, "/coordination/audit?action=ledger.granted")
    assert "Hours granted" in audit and "Neighbourhood festival" in audit and "+1.5\u00a0h" in audit


@pytest.mark.parametrize(("data", "field"), [
    ({"to_fund": "y", "hours": "1", "reason": ""}, "reason"),
    ({"hours": "1", "reason": "Why not"}, "organisations"),
    ({"to_fund": "y", "hours": "0,1", "reason": "Odd"}, "hours"),
])
def test_a_grant_without_reason_recipient_or_whole_quarters_records_nothing(app, client, world, data, field):
    before = counts(app)
    login(client, app, world["coordinator"])
    response = post(client, "/coordination/balances/grant", data)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert counts(app) == before


def test_floor_changes_are_kept_with_their_reason_and_audited(app, client, world):
    login(client, app, world["coordinator"])
    response = post(client, "/coordination/floors", {"target": "stage:emerging", "floor": "-10",
                                                     "reason": "A smaller start"})
    assert response.status_code == 302
    response = post(client, "/coordination/floors", {"target": f"organisation:{world['beta']}", "floor": "\u22122",
                                                     "reason": "Asked by Bêta"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coordination/floors?organisation={world['beta']}")
    with app.app_context():
        rules = db.session.scalars(sa.select(FloorRule).order_by(FloorRule.id)).all()
        assert [(r.stage, r.organisation_id, r.floor_minutes) for r in rules] == [
            (Stage.EMERGING, None, -600), (None, world["beta"], -120)]
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "ledger.floor_set")).all()
        assert sorted(e.reason for e in events) == ["A smaller start", "Asked by Bêta"]
    assert h("-10 h") in section(page(client, f"/ledger/organisations/{world['gamma']}"), '<dl class="figures', "</dl>")
    history = page(client, f"/coordination/floors?organisation={world['beta']}")
    assert "Asked by Bêta" in history and h("-2 h") in history
    assert "A smaller start" not in section(history, 'id="floor-history"')  # another stage's rule
    audit = page(client, "/coordination/audit?action=ledger.floor_set")
    assert "Floor set" in audit and "Emerging: -10\u00a0h" in audit


def test_a_positive_floor_is_refused_beside_the_field(app, client, world):
    login(client, app, world["coordinator"])
    response = post(client, "/coordination/floors", {"target": "stage:established", "floor": "3", "reason": "Oops"})
    assert response.status_code == 400
    assert 'id="floor-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FloorRule)) == 0


def test_coordinator_corrects_a_transaction_from_its_row(app, client, world):
    login(client, app, world["coordinator"])
    html = page(client, "/ledger")
    links = [int(n) for n in re.findall(r'href="/coordination/transactions/(\d+)/reverse"', html)]
    assert links == [world[f"t{n}"] for n in (5, 4, 3, 1)]  # not the reversed #2, not the correction #6
    t5 = world["t5"]
    assert post(client, f"/coordination/transactions/{t5}/reverse", {"reason": ""}).status_code == 400
    response = post(client, f"/coordination/transactions/{t5}/reverse", {"reason": "Granted by mistake"})
    assert response.status_code == 302
    assert balance(app, world["beta"]) == 0
    with app.app_context():
        correction = db.session.scalar(sa.select(LedgerTransaction).where(LedgerTransaction.reverses_id == t5))
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "ledger.reversed")
                                  .order_by(AuditEvent.id.desc()).limit(1))
        assert event.reason == "Granted by mistake" and event.details["correction_id"] == correction.id
    html = page(client, "/ledger")
    assert f"reverses <a href=\"/ledger?before={t5 + 1}#tx-{t5}\">#{t5}</a>" in html
    assert post(client, f"/coordination/transactions/{t5}/reverse", {"reason": "Again"}).status_code == 409
    assert post(client, f"/coordination/transactions/{correction.id}/reverse", {"reason": "Undo"}).status_code == 409
    assert "Transaction corrected" in page(client, "/coordination/audit")


def test_an_applicant_ledger_page_is_private(app, client, make, world):
    pending = make.org("Pending people", status=OrgStatus.PENDING)
    assert client.get(f"/ledger/organisations/{pending}").status_code == 403
    login(client, app, make.admin_of(pending))
    assert client.get(f"/ledger/organisations/{pending}").status_code == 200
    assert post(client, f"/ledger/organisations/{pending}/donate", {"hours": "1"}).status_code == 403
