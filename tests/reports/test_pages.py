"""The report pages and their exports, in French and Dutch, with their filters."""

import csv
import io
import json

import pytest

from tests.conftest import login, post, tr
from tests.reports.conftest import PERIOD


def as_coordinator(client, app, world, locale="fr"):
    login(client, app, world.coordinator)
    if locale != "fr":
        post(client, "/language", {"locale": locale, "next": "/"})


@pytest.mark.parametrize("locale", ["fr", "nl"])
def test_coordinator_reads_the_dashboard_in_both_languages(app, client, world, locale):
    as_coordinator(client, app, world, locale)
    html = client.get("/coordination/impact", query_string=PERIOD).get_data(as_text=True)
    assert f'<html lang="{locale}"' in html
    assert tr(app, "Hours exchanged per month", locale) in html
    assert tr(app, "Distinct partnerships", locale) in html
    # 5.25 h exchanged; every chart is an inline SVG with a table of the same figures beside it.
    assert "5,25\u00a0h" in html if locale == "fr" else "5,25\u00a0u" in html
    assert html.count('class="bar-chart"') >= 8
    assert html.count("<table") >= 11
    assert "<script" not in html


def test_sector_filter_narrows_the_figures(app, client, world):
    as_coordinator(client, app, world)
    html = client.get("/coordination/impact", query_string={**PERIOD, "sector": world.culture}).get_data(as_text=True)
    assert "4,5\u00a0h" in html  # tx1 + tx2 + tx3
    assert f'<option selected value="{world.culture}">' in html


def test_wrong_filters_are_shown_and_the_default_applies(app, client, world):
    as_coordinator(client, app, world)
    response = client.get("/coordination/impact", query_string={"from": "2026-05", "to": "2026-03"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert tr(app, "The end of the period comes before its start.") in html
    response = client.get("/coordination/impact", query_string={"from": "2000-01", "to": "2026-05"})
    assert tr(app, "A period is at most %(n)s months.", n=120) in response.get_data(as_text=True)


def test_csv_export_has_the_same_figures(app, client, world):
    as_coordinator(client, app, world)
    response = client.get("/coordination/impact/months.csv", query_string=PERIOD)
    assert response.mimetype == "text/csv"
    assert "sem-impact-months-2026-03-2026-05.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["month", "hours", "exchanges", "solidarity_fund_hours"], ["2026-03", "2", "1", "1"],
                    ["2026-04", "2.5", "2", "0"], ["2026-05", "0.75", "1", "0"]]


def test_json_export_with_a_filter(app, client, world):
    as_coordinator(client, app, world)
    response = client.get("/coordination/impact/communes.json", query_string={**PERIOD, "commune": "ixelles"})
    document = json.loads(response.get_data(as_text=True))
    assert document["filters"] == {"from": "2026-03", "to": "2026-05", "commune": "ixelles"}
    assert document["rows"] == [{"commune": "ixelles", "active_members": 2, "hours_given": 4.25,
                                 "hours_received": 1.75}]
    assert {"key": "hours_given", "label": tr(app, "Hours given"), "unit": "hours"} in document["columns"]


@pytest.mark.parametrize("key", ["months", "stages", "sectors", "reciprocity", "balances", "fund", "needs",
                                 "communes", "competences", "inactive", "no_offer"])
def test_every_dashboard_table_exports(app, client, world, key):
    as_coordinator(client, app, world)
    assert client.get(f"/coordination/impact/{key}.csv", query_string=PERIOD).status_code == 200
    assert json.loads(client.get(f"/coordination/impact/{key}.json", query_string=PERIOD).data)["table"] == key


def test_unknown_table_or_format_is_not_found(app, client, world):
    as_coordinator(client, app, world)
    assert client.get("/coordination/impact/nothing.csv").status_code == 404
    assert client.get("/coordination/impact/months.xls").status_code == 404


def test_network_graph_draws_every_organisation_and_lists_the_links(app, client, world):
    as_coordinator(client, app, world)
    html = client.get("/coordination/network", query_string=PERIOD).get_data(as_text=True)
    nodes = html.split('class="network-nodes"')[1].split("</g>")[0]
    assert nodes.count("<circle") == 3  # A, B, C (D exchanged nothing)
    assert html.count("<line x1=") == 3
    rows = list(csv.reader(io.StringIO(client.get("/coordination/network/edges.csv", query_string=PERIOD)
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1:] == [["Alpha", "Bravo", "3", "2"], ["Bravo", "Charlie", "1.5", "1"],
                        ["Alpha", "Charlie", "0.75", "1"]]


def test_member_reads_and_exports_its_own_report(app, client, world, make):
    login(client, app, make.admin_of(world.a))
    html = client.get(f"/reports/organisations/{world.a}", query_string=PERIOD).get_data(as_text=True)
    assert "Alpha" in html and "Bravo" in html and "Charlie" in html
    assert "@media print" not in html  # the print rules live in the stylesheet
    assert 'class="print-only"' in html and 'class="balance-chart"' in html
    response = client.get(f"/reports/organisations/{world.a}/partners.csv", query_string=PERIOD)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["partner", "hours_given", "hours_received", "exchanges"], ["Bravo", "2", "1", "2"],
                    ["Charlie", "0", "0.75", "1"]]


def test_member_cannot_read_another_organisations_report(app, client, world, make):
    login(client, app, make.admin_of(world.b))
    assert client.get(f"/reports/organisations/{world.a}").status_code == 403
    assert client.get(f"/reports/organisations/{world.a}/partners.json").status_code == 403
    assert client.get("/coordination/impact").status_code == 403


def test_home_page_shows_the_public_summary(app, client, world):
    html = client.get("/").get_data(as_text=True)
    assert tr(app, "The last twelve months") in html
    assert tr(app, "partnerships between organisations") in html
    assert 'class="bar-chart"' in html


def test_print_stylesheet_hides_navigation_and_forms(app, client):
    css = client.get("/static/css/sem.css").get_data(as_text=True)
    rules = css[css.index("@media print"):]
    assert ".site-header" in rules and ".no-print" in rules and "display: none" in rules
