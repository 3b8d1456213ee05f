"""Headers, cookies, CSRF and redirects: the defences every page shares."""

from config import Config
from sem.core.security import safe_next
from tests.conftest import csrf_token, login


def test_every_page_sends_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_outside_resource(client):
    for url in ("/", "/apply", "/login", "/charter"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and "onclick" not in html and "style=" not in html, url
        assert "http://" not in html.replace("http://sem.test", "") and "https://cdn" not in html, url


def test_session_cookie_is_httponly_lax_and_secure_outside_development():
    assert Config.SESSION_COOKIE_HTTPONLY is True
    assert Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert Config.SESSION_COOKIE_SECURE is True and Config.REMEMBER_COOKIE_SECURE is True


def test_session_cookie_flags_as_sent(app, client, make):
    response = login(client, app, make.person(make.org()))
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_state_changing_request_without_token_is_refused(app, client, make):
    org = make.org()
    login(client, app, make.admin_of(org))
    response = client.post(f"/organisations/{org}/invitations", data={"email": "x@example.org", "role": "member"})
    assert response.status_code == 400
    response = client.post("/language", data={"locale": "nl", "csrf_token": "forged"})
    assert response.status_code == 400
    assert csrf_token(client)


def test_redirect_targets_stay_on_this_site(app):
    with app.test_request_context():
        assert safe_next("/organisations/3") == "/organisations/3"
        for hostile in ("https://evil.example.org", "//evil.example.org", "/\\evil.example.org", None, "javascript:x"):
            assert safe_next(hostile) == "/"


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    import pytest

    from sem import create_app

    monkeypatch.setattr(Config, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config)


def test_health_endpoint(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_behind_a_proxy_throttling_sees_the_forwarded_address():
    from config import TestingConfig
    from sem import create_app

    proxied = create_app(TestingConfig, PROXY_COUNT=1, SQLALCHEMY_DATABASE_URI="sqlite://")
    seen = []

    @proxied.get("/_whoami")
    def whoami():
        from sem.core.security import client_address

        seen.append(client_address())
        return "ok"

    proxied.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7"]


def test_names_inside_translated_messages_are_escaped(app):
    """A lazy translated string is 'safe markup' to Jinja: messages that carry a name a member
    typed must still be escaped, in error pages and beside fields."""
    from flask import get_flashed_messages, render_template_string
    from flask_babel import lazy_gettext as _l

    from sem.core.errors import Conflict
    from sem.core.errors_http import render_error
    from sem.core.forms import show_domain_error

    evil = "<script>alert(1)</script>"
    message = _l("This would take %(org)s below its credit floor of %(floor)s (balance now: %(balance)s). "
                 "Nothing was recorded.", org=evil, floor="-5 h", balance="0 h")
    with app.test_request_context():
        body, _status = render_error(409, message)
        assert evil not in body and "&lt;script&gt;" in body
    with app.test_request_context():
        show_domain_error(None, Conflict(message))
        flashed = render_template_string("{% for m in get_flashed_messages() %}{{ m }}{% endfor %}")
        assert evil not in flashed and "&lt;script&gt;" in flashed
        assert all(isinstance(m, str) for m in get_flashed_messages())
