"""The page's language: the person's preference, else the switch, else Accept-Language,
else French. Dates follow the language too."""

from datetime import UTC, datetime

from flask_babel import force_locale, format_date

from tests.conftest import login, post


def lang_of(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_french_by_default(client):
    assert lang_of(client.get("/")) == "fr"
    assert lang_of(client.get("/", headers={"Accept-Language": "de, it"})) == "fr"


def test_accept_language_is_followed(client):
    assert lang_of(client.get("/", headers={"Accept-Language": "nl-BE,nl;q=0.9"})) == "nl"
    assert "Brusselse verenigingen" in client.get("/", headers={"Accept-Language": "nl"}).get_data(as_text=True)


def test_switch_beats_accept_language_and_goes_back_to_the_page(client):
    response = post(client, "/language", {"locale": "nl", "next": "/login"}, headers={"Accept-Language": "fr"})
    assert response.headers["Location"] == "/login"
    assert lang_of(client.get("/login", headers={"Accept-Language": "fr"})) == "nl"


def test_person_preference_beats_the_switch_and_the_switch_updates_it(app, client, make):
    person = make.person(make.org(), locale="nl")
    post(client, "/language", {"locale": "fr"})
    login(client, app, person)
    assert lang_of(client.get("/account")) == "nl"
    post(client, "/language", {"locale": "fr"})
    other_device = app.test_client()
    login(other_device, app, person)
    assert lang_of(other_device.get("/account", headers={"Accept-Language": "nl"})) == "fr"


def test_unknown_language_is_ignored(client):
    post(client, "/language", {"locale": "xx"})
    assert lang_of(client.get("/")) == "fr"


def test_dates_are_formatted_for_the_language(app):
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("fr"):
            assert format_date(moment, "long") == "2 mars 2026"
        with force_locale("nl"):
            assert format_date(moment, "long") == "2 maart 2026"


def test_error_pages_are_translated(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "nl"})
    assert response.status_code == 404 and lang_of(response) == "nl"
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_numbers_are_formatted_for_the_language(app):
    from flask_babel import format_decimal

    with app.test_request_context():
        with force_locale("fr"):
            assert format_decimal(12500) == "12\u202f500"
        with force_locale("nl"):
            assert format_decimal(12500) == "12.500"
        assert app.jinja_env.filters["number"] is format_decimal


def test_hours_are_shown_from_exact_minutes(app):
    from sem.core.i18n import format_hours

    with app.test_request_context():
        with force_locale("fr"):
            assert format_hours(90) == "1,5\u00a0h" and format_hours(135) == "2,25\u00a0h"
        with force_locale("nl"):
            assert format_hours(600) == "10\u00a0u"
        with force_locale("en"):
            assert format_hours(45) == "0.75\u00a0h"
        with force_locale("fr"):  # grouped by three with a narrow no-break space, a minus sign
            assert format_hours(-7_407_350) == "-123\u202f455,83\u00a0h"


def test_hours_are_written_as_babel_writes_them():
    """The quick writer of hours gives what Babel's format_decimal gives, in every language,
    for small, large, negative and rounded values (half to even)."""
    import random
    from decimal import Decimal

    from babel.numbers import format_decimal

    from sem.core.i18n import LOCALES, _hours_number

    rnd = random.Random(8)
    values = [*range(-1500, 1500), *(rnd.randint(-10**10, 10**10) for _ in range(3000)), 3, 9, 15, 21, 27, 33]
    for locale in LOCALES:
        for minutes in values:
            assert _hours_number(minutes, locale) == format_decimal(Decimal(minutes) / 60, format="#,##0.##",
                                                                    locale=locale), (locale, minutes)
