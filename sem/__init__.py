"""SEM, the Système d'Échanges Mutuels: the application factory."""

import os

from flask import Flask

from config import CONFIGS


def create_app(config_class=None, **overrides) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    if config_class is None:
        config_class = CONFIGS[os.environ.get("SEM_ENV", "production")]
    app.config.from_object(config_class)
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: export SECRET_KEY=<a long random string>.")
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        os.makedirs(os.path.dirname(uri.removeprefix("sqlite:///")) or ".", exist_ok=True)

    from sem.core import db_setup, errors_http, i18n, security
    from sem.core.db import include_object, render_item
    from sem.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    db_setup.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, render_item=render_item,
                     include_object=include_object)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Europe/Brussels")
    i18n.init_app(app)
    security.init_app(app)
    login_manager.init_app(app)
    errors_http.init_app(app)

    from sem import models  # noqa: F401  (every table, for Alembic and create_all)
    from sem.api.views import bp as api_bp
    from sem.catalogue.views import bp as catalogue_bp
    from sem.catalogue.views import competences_bp
    from sem.core.views import bp as main_bp
    from sem.exchanges.views import bp as exchanges_bp
    from sem.ledger.views import bp as ledger_bp
    from sem.mail.views import bp as mail_bp
    from sem.market.views import bp as market_bp
    from sem.matching.views import bp as matching_bp
    from sem.members.coordination import bp as coordination_bp
    from sem.members.views import bp as members_bp
    from sem.reports.views import bp as reports_bp
    from sem.scheduler.views import bp as scheduler_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(coordination_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(competences_bp)
    app.register_blueprint(market_bp)
    app.register_blueprint(exchanges_bp)
    app.register_blueprint(ledger_bp)
    app.register_blueprint(matching_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(scheduler_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(reports_bp)

    from sem.catalogue import vocab
    from sem.market import labels as market_labels
    from sem.members import labels, policy

    app.jinja_env.globals.update(**labels.template_globals(), **market_labels.template_globals(), policy=policy,
                                 vocab=vocab)

    if app.config["BENCH"]:
        # The same app and server doing nothing: the ceiling `make bench` compares pages with.
        app.add_url_rule("/bench/hello", "bench_hello", lambda: "hello")

    from sem.cli import register

    register(app)
    return app
