"""The public home page and the language switch."""

from flask import Blueprint, redirect, render_template, request, session
from flask_login import current_user

from sem.core.i18n import LOCALES
from sem.core.security import safe_next
from sem.extensions import db
from sem.market import queries as market_queries
from sem.members import stats

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    from sem.reports.tables import public_summary

    return render_template("home.html", figures={**stats.network_figures(), **market_queries.open_counts()},
                           impact=public_summary())


@bp.post("/language")
def set_language():
    locale = request.form.get("locale")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.get("/healthz")
def health():
    db.session.execute(db.text("select 1"))
    return {"status": "ok"}
