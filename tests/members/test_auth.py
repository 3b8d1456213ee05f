"""Logging in, throttling, password reset, account settings."""

import sqlalchemy as sa
from flask_babel import force_locale

from sem.core.throttle import ThrottleEvent
from sem.extensions import db
from sem.members import services as members
from sem.members.models import Person
from tests.conftest import PASSWORD, csrf_token, link_path, login, post


def _email(app, person_id):
    with app.app_context():
        return db.session.get(Person, person_id).email


def test_login_is_case_insensitive_and_password_is_argon2id(app, client, make):
    person = make.person(make.org(), email="Sophie@Example.org".lower())
    response = post(client, "/login", {"email": "  SOPHIE@example.ORG ", "password": PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Person, person).password_hash.startswith("$argon2id$")


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(app, client, make):
    email = _email(app, make.person(make.org()))
    wrong_password = post(client, "/login", {"email": email, "password": "nope-nope-nope"})
    unknown_email = post(client, "/login", {"email": "nobody@example.org", "password": "nope-nope-nope"})
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert "field-error" in wrong_password.get_data(as_text=True)


def test_repeated_failures_on_one_account_answer_429_even_with_the_right_password(app, client, make):
    email = _email(app, make.person(make.org()))
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert post(client, "/login", {"email": email, "password": "wrong-password"}).status_code == 200
    response = post(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_repeated_failures_from_one_address_answer_429(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 3)
    for n in range(3):
        post(client, "/login", {"email": f"guess{n}@example.org", "password": "wrong-password"})
    email = _email(app, make.person(make.org()))
    assert post(client, "/login", {"email": email, "password": PASSWORD}).status_code == 429
    other_address = post(client, "/login", {"email": email, "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_address.status_code == 302


def test_throttle_expires_after_the_lock_period(app, ctx, make):
    email = _email(app, make.person(make.org()))
    from datetime import timedelta

    from sem.core.db import utcnow

    old = utcnow() - timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
    db.session.add_all([ThrottleEvent(key=f"account:{email}", created_at=old) for _ in range(10)])
    db.session.flush()
    assert members.authenticate(email, PASSWORD, address="127.0.0.1").email == email


def test_removed_person_cannot_log_in(app, client, make):
    person = make.person(make.org(), active=False)
    response = post(client, "/login", {"email": _email(app, person), "password": PASSWORD})
    assert response.status_code == 200 and "field-error" in response.get_data(as_text=True)


def test_password_reset_link_works_once_and_form_does_not_reveal_accounts(app, client, make, outbox):
    person = make.person(make.org(), locale="nl")
    known = post(client, "/password/forgot", {"email": _email(app, person)})
    unknown = post(client, "/password/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert len(outbox) == 1
    path = link_path(outbox[0], "/password/reset/")
    response = post(client, path, {"password": "a-brand-new-secret", "confirm": "a-brand-new-secret"})
    assert response.status_code == 302
    assert post(client, "/login", {"email": _email(app, person), "password": "a-brand-new-secret"}).status_code == 302
    # The same link no longer works once the password changed.
    assert client.get(path).status_code == 400


def test_reset_link_expires(app, ctx, make, monkeypatch):
    person = db.session.get(Person, make.person(make.org()))
    token = members.reset_token(person)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    try:
        members.person_from_reset_token(token)
    except members.DomainError as error:
        with force_locale("en"):
            assert "expired" in str(error.message)
    else:
        raise AssertionError("an expired link was accepted")


def test_tampered_reset_link_is_refused(client):
    assert client.get("/password/reset/not-a-token").status_code == 400


def test_person_changes_name_language_and_password(app, client, make):
    person = make.person(make.org(), locale="fr")
    login(client, app, person)
    response = post(client, "/account", {"name": "Sophie L.", "locale": "nl"})
    assert response.status_code == 302
    assert 'lang="nl"' in client.get("/account").get_data(as_text=True)
    bad = post(client, "/account/password", {"pw-current_password": "wrong-one-here", "pw-password": "0123456789ab",
                                             "pw-confirm": "0123456789ab"})
    assert bad.status_code == 400
    good = post(client, "/account/password", {"pw-current_password": PASSWORD, "pw-password": "0123456789ab",
                                              "pw-confirm": "0123456789ab"})
    assert good.status_code == 302
    with app.app_context():
        saved = db.session.get(Person, person)
        assert saved.name == "Sophie L." and saved.locale == "nl"
        assert members.verify_password(saved.password_hash, "0123456789ab")


def test_logout_needs_a_post_with_token(app, client, make):
    login(client, app, make.person(make.org()))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": csrf_token(client)}).status_code == 302
    assert client.get("/account").status_code == 302  # back to the login page


def test_login_redirects_only_to_local_pages(app, client, make):
    email = _email(app, make.person(make.org()))
    response = client.post("/login?next=https://evil.example.org/", data={
        "csrf_token": csrf_token(client), "email": email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ThrottleEvent)) == 0


def test_reset_links_are_limited_per_address(app, client, make, outbox):
    email = _email(app, make.person(make.org()))
    for _ in range(5):
        assert post(client, "/password/forgot", {"email": email}).status_code == 302
    assert len(outbox) == 3


def test_changing_the_password_logs_out_other_sessions(app, client, make):
    person = make.person(make.org())
    other_device = app.test_client()
    login(client, app, person)
    login(other_device, app, person)
    post(client, "/account/password", {"pw-current_password": PASSWORD, "pw-password": "0123456789ab",
                                       "pw-confirm": "0123456789ab"})
    assert other_device.get("/account").status_code == 302  # sent to the login page
    assert client.get("/account").status_code == 200  # this session stays


def test_removed_person_is_logged_out_at_once(app, client, make):
    org = make.org()
    colleague = make.person(org)
    login(client, app, colleague)
    admin = app.test_client()
    login(admin, app, make.admin_of(org))
    post(admin, f"/people/{colleague}/remove")
    assert client.get("/account").status_code == 302
