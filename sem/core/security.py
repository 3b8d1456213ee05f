"""Security headers, the login manager and what views need to know about the client."""

from urllib.parse import urlsplit

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l

from sem.extensions import db, login_manager

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def client_address() -> str:
    # Behind a proxy, ProxyFix (configured for production) has already set remote_addr.
    return request.remote_addr or "unknown"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlsplit(target).netloc:
        return target
    return url_for("main.home")


def _set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _load_person(session_id: str):
    from sem.members.models import Person

    person_id, _, stamp = session_id.partition(":")
    from sqlalchemy.orm import joinedload

    # With its organisation: nearly every page shows it (one query, not two).
    person = (db.session.get(Person, int(person_id), options=[joinedload(Person.organisation)])
              if person_id.isdigit() else None)
    if person is None or not person.active or person.session_stamp != stamp:
        return None
    return person


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)
    login_manager.user_loader(_load_person)
    login_manager.login_view = "members.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
