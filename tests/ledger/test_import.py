"""Importing past exchanges from a CSV file: the dry run shows what would be recorded and
why the other rows are refused; recording writes exactly those rows, once."""

import base64
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from sem.core.errors import Conflict, DomainError
from sem.extensions import db
from sem.ledger import imports
from sem.ledger import services as ledger
from sem.ledger.models import LedgerTransaction, TransactionKind
from sem.members.models import AuditEvent, Organisation, OrgStatus, Person, Stage
from tests.conftest import csrf_token, login, post

TODAY = date(2026, 11, 25)


@pytest.fixture
def world(app, make):
    make.vocabularies()
    make.charter()
    ids = {"alpha": make.org("Atelier Alpha"), "beta": make.org("Bureau Bêta"),
           "gamma": make.org("Collectif Gamma", stage=Stage.EMERGING),
           "pending": make.org("Candidat Pending", status=OrgStatus.PENDING),
           "coordinator": make.coordinator(locale="en")}
    ids["alpha_admin"] = make.admin_of(ids["alpha"])
    return ids


def csv_bytes(*lines: str, header="date;provider;recipient;hours;competence;note;reference") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode("utf-8")


def plan(app, data: bytes):
    with app.test_request_context():
        return imports.plan_import(data, today=TODAY)


def balances(app, *org_ids) -> list[int]:
    with app.app_context():
        return [ledger.balance_of(db.session.get(Organisation, org_id)) for org_id in org_ids]


def imported(app) -> list[LedgerTransaction]:
    with app.app_context():
        return list(db.session.scalars(sa.select(LedgerTransaction).where(
            LedgerTransaction.kind == TransactionKind.IMPORT).order_by(LedgerTransaction.id)))


def record(app, data: bytes, coordinator_id: int, expected: int, reason="Paper ledger 2025"):
    with app.test_request_context():
        actor = db.session.get(Person, coordinator_id)
        result = imports.import_exchanges(data, actor=actor, reason=reason, expected=expected, today=TODAY,
                                          filename="paper.csv")
        db.session.commit()
        return len(result.to_record), result.minutes


# --- reading values ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "minutes"), [
    ("2", 120), ("2,5", 150), ("2.5", 150), ("2.25 h", 135), ("0,75", 45), ("2:30", 150), ("2h30", 150),
    ("2 u 15", 135), ("3 heures", 180), ("1,333", None), ("2:75", None), ("deux", None), ("", None),
    ("-1", None), ("1,1", 66),
])
def test_hours_are_read_as_people_write_them(text, minutes):
    assert imports.parse_minutes(text) == minutes


@pytest.mark.parametrize(("text", "day"), [
    ("2025-03-14", date(2025, 3, 14)), ("14/03/2025", date(2025, 3, 14)), ("14.03.2025", date(2025, 3, 14)),
    ("14-03-2025", date(2025, 3, 14)), ("2025-02-30", None), ("March 14", None),
])
def test_dates_are_read_in_iso_and_belgian_forms(text, day):
    assert imports.parse_date(text) == day


# --- the dry run --------------------------------------------------------------------------------


def test_dry_run_lists_what_would_be_recorded_and_writes_nothing(app, world):
    data = csv_bytes("2025-03-14;Atelier Alpha;Bureau Bêta;2,5;it-network;Wifi;P-1",
                     f"15/03/2025;#{world['beta']};atelier alpha;1;;;P-2")
    result = plan(app, data)
    assert [(r.line, r.provider.name, r.recipient.name, r.minutes) for r in result.to_record] == [
        (2, "Atelier Alpha", "Bureau Bêta", 150), (3, "Bureau Bêta", "Atelier Alpha", 60)]
    assert result.minutes == 210 and not result.rejected
    assert result.to_record[0].competence.code == "it-network"
    assert imported(app) == [] and balances(app, world["alpha"], world["beta"]) == [0, 0]


def test_bad_rows_are_refused_with_their_reasons(app, world):
    data = csv_bytes(
        "2025-13-01;Atelier Alpha;Bureau Bêta;1;;;",      # not a date
        "2027-01-01;Atelier Alpha;Bureau Bêta;1;;;",      # future
        "2025-03-01;Nobody;Bureau Bêta;1;;;",             # unknown provider
        "2025-03-01;Atelier Alpha;Candidat Pending;1;;;",  # not a member
        "2025-03-01;Atelier Alpha;Atelier Alpha;1;;;",     # same organisation
        "2025-03-01;Atelier Alpha;Bureau Bêta;1,1;;;",     # not quarter hours
        "2025-03-01;Atelier Alpha;Bureau Bêta;beaucoup;;;",  # not hours
        "2025-03-01;Atelier Alpha;Bureau Bêta;1;astrology;;",  # unknown competence
        "2025-03-01;;Bureau Bêta;1;;;",                    # provider missing
        "2025-03-02;Atelier Alpha;Bureau Bêta;1;;;R-9",
        "2025-03-03;Atelier Alpha;Bureau Bêta;2;;;r-9",    # the same reference again
    )
    result = plan(app, data)
    with app.test_request_context(), force_locale("en"):
        reasons = {row.line: " | ".join(str(p) for p in row.problems) for row in result.rejected}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 12]
    assert "not a date" in reasons[2] and "future" in reasons[3]
    assert "No organisation is called Nobody" in reasons[4]
    assert "Candidat Pending is not a member" in reasons[5]
    assert "same organisation" in reasons[6]
    assert "quarter hours" in reasons[7] and "not a number of hours" in reasons[8]
    assert "No competence is called astrology" in reasons[9] and "provider is missing" in reasons[10]
    assert "already used on line 11" in reasons[12]
    assert [row.line for row in result.to_record] == [11]


def test_rows_that_would_cross_a_floor_are_refused_in_date_order(app, world):
    # Bêta (established) may go down to -5 h: the 4 h on 1 March pass, the 2 h on 5 March do not,
    # even though they come first in the file; the 3 h Bêta gives on 10 March come after.
    data = csv_bytes("2025-03-05;Atelier Alpha;Bureau Bêta;2;;;",
                     "2025-03-01;Atelier Alpha;Bureau Bêta;4;;;",
                     "2025-03-10;Bureau Bêta;Atelier Alpha;3;;;")
    result = plan(app, data)
    with app.test_request_context(), force_locale("en"):
        assert [row.line for row in result.rejected] == [2]
        assert "below its credit floor" in str(result.rejected[0].problems[0])
    assert [row.line for row in result.to_record] == [3, 4]


def test_unreadable_files_say_why(app, world):
    with app.test_request_context(), force_locale("en"):
        for data, words in [(b"", "empty"), (b"name;amount\r\nx;1\r\n", "missing: date, provider, recipient, hours"),
                            (b"date;provider;recipient;hours\r\n", "no rows"),
                            (b"x" * (imports.MAX_BYTES + 1), "too large")]:
            with pytest.raises(DomainError) as caught:
                imports.plan_import(data, today=TODAY)
            assert words in str(caught.value.message)


def test_french_headers_commas_and_excel_encoding_are_understood(app, world):
    data = ("Date,Prestataire,Bénéficiaire,Heures,Compétence,Remarque\r\n"
            '14/03/2025,Atelier Alpha,Bureau Bêta,"1,75",Réseau et wifi,Câblage\r\n').encode("cp1252")
    result = plan(app, data)
    assert [(r.recipient.name, r.minutes, r.values["note"]) for r in result.to_record] == [
        ("Bureau Bêta", 105, "Câblage")]


# --- recording ---------------------------------------------------------------------------------


def test_recording_posts_each_row_once_and_a_second_import_records_nothing(app, world):
    data = csv_bytes("2025-03-14;Atelier Alpha;Bureau Bêta;2,5;it-network;Wifi;",
                     "2025-03-14;Atelier Alpha;Bureau Bêta;2,5;it-network;Wifi;",  # the same again: a second session
                     "2025-04-01;Collectif Gamma;Atelier Alpha;1;;;G-1")
    assert record(app, data, world["coordinator"], expected=3) == (3, 360)
    assert balances(app, world["alpha"], world["beta"], world["gamma"]) == [240, -300, 60]
    txs = imported(app)
    assert [(t.minutes, t.memo, t.reason) for t in txs] == [(150, "Wifi", "Paper ledger 2025")] * 2 + [
        (60, "", "Paper ledger 2025")]
    assert txs[0].occurred_on.astimezone(ledger.BRUSSELS).date() == date(2025, 3, 14)
    # Gamma is emerging, yet history from before SEM does not draw on the solidarity allowance.
    with app.app_context():
        assert ledger.allowance_left(db.session.get(Organisation, world["gamma"])) == 1200
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "ledger.imported"))
        assert event.details == {"transactions": 3, "minutes": 360, "filename": "paper.csv"}
        assert ledger.verify().ok

    again = plan(app, data)
    assert not again.to_record and len(again.already_imported) == 3
    with app.test_request_context(), pytest.raises(DomainError):
        imports.import_exchanges(data, actor=db.session.get(Person, world["coordinator"]), reason="again",
                                 expected=0, today=TODAY)
    assert len(imported(app)) == 3


def test_recording_refuses_when_the_ledger_moved_since_the_check(app, world):
    data = csv_bytes("2025-03-01;Atelier Alpha;Bureau Bêta;4;;;", "2025-03-02;Atelier Alpha;Bureau Bêta;1;;;")
    assert len(plan(app, data).to_record) == 2
    with app.test_request_context():  # Bêta receives 1 h meanwhile: the second row would now cross its floor
        ledger.settle_exchange(provider=db.session.get(Organisation, world["alpha"]),
                               recipient=db.session.get(Organisation, world["beta"]), minutes=60,
                               idempotency_key="meanwhile", author=None)
        db.session.commit()
    with app.test_request_context(), pytest.raises(Conflict):
        imports.import_exchanges(data, actor=db.session.get(Person, world["coordinator"]), reason="r",
                                 expected=2, today=TODAY)
    assert imported(app) == []


def test_a_reason_is_required(app, world):
    with app.test_request_context(), pytest.raises(DomainError) as caught:
        imports.import_exchanges(csv_bytes("2025-03-01;Atelier Alpha;Bureau Bêta;1;;;"),
                                 actor=db.session.get(Person, world["coordinator"]), reason="  ", expected=1,
                                 today=TODAY)
    assert caught.value.field == "reason" and imported(app) == []


# --- the pages --------------------------------------------------------------------------------


def upload(client, data: bytes, filename="paper.csv"):
    return post(client, "/coordination/ledger/import", {"file": (io.BytesIO(data), filename)},
                content_type="multipart/form-data", headers={"Accept-Language": "en"})


def test_coordinator_checks_then_records_a_file_in_the_browser_flow(app, client, world):
    login(client, app, world["coordinator"])
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    data = csv_bytes(f"{yesterday};Atelier Alpha;Bureau Bêta;2;;Wifi;", f"{yesterday};Nobody;Bureau Bêta;1;;;")
    response = upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No organisation is called Nobody" in html and "Record 1 past exchange" in html
    assert imported(app) == []
    content = re.search(r'name="content" type="hidden" value="([^"]+)"', html)[1]
    assert base64.b64decode(content) == data

    missing_reason = post(client, "/coordination/ledger/import/record",
                          {"content": content, "filename": "paper.csv", "expected": "1", "reason": ""},
                          headers={"Accept-Language": "en"})
    assert missing_reason.status_code == 400 and "Please give a reason." in missing_reason.get_data(as_text=True)
    assert imported(app) == []

    done = post(client, "/coordination/ledger/import/record",
                {"content": content, "filename": "paper.csv", "expected": "1", "reason": "Paper 2025"})
    assert done.status_code == 302 and "kind=import" in done.headers["Location"]
    assert [(t.minutes, t.memo) for t in imported(app)] == [(120, "Wifi")]
    assert balances(app, world["alpha"], world["beta"]) == [120, -120]
    # the same file again: the record step is refused, nothing doubles
    again = post(client, "/coordination/ledger/import/record",
                 {"content": content, "filename": "paper.csv", "expected": "1", "reason": "Paper 2025"})
    assert again.status_code in (400, 409) and len(imported(app)) == 1


def test_the_page_reads_in_french_and_dutch_and_shows_file_errors(app, client, make, world):
    for locale, words in (("fr", "Importer des échanges passés"), ("nl", "Eerdere uitwisselingen importeren")):
        login(client, app, make.coordinator(locale=locale))
        assert words in client.get("/coordination/ledger/import").get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, app, world["coordinator"])
    response = upload(client, b"name;amount\r\nx;1\r\n")
    assert response.status_code == 400 and "missing: date, provider, recipient, hours" in response.get_data(
        as_text=True)
    example = client.get("/coordination/ledger/import/example.csv")
    assert example.status_code == 200 and example.mimetype == "text/csv"
    assert len(plan(app, example.data.lstrip(b"\xef\xbb\xbf")).rows) == 1


def test_members_cannot_import(app, client, world):
    login(client, app, world["alpha_admin"])
    assert client.get("/coordination/ledger/import").status_code == 403
    assert upload(client, csv_bytes("2025-03-01;Atelier Alpha;Bureau Bêta;1;;;")).status_code == 403
    assert imported(app) == []
