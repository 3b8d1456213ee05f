"""Configuration, read from the environment.

`SEM_ENV` picks the class (production by default); every setting can be overridden by an
environment variable of the same name.
"""

import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _json_dict(name: str, default: dict) -> dict:
    """A dictionary setting: the default, updated by a JSON object in the environment."""
    value = os.environ.get(name)
    merged = dict(default)
    if value:
        parsed = json.loads(value)
        if not isinstance(parsed, dict):
            raise ValueError(f"{name} must be a JSON object")
        merged.update(parsed)
    return merged


def _schedule(default: dict) -> dict:
    """The scheduler's timetable: the defaults, then the JSON object in SCHEDULE, then one
    SCHEDULE_<JOB> variable per job (SCHEDULE_SEND_MAIL for "send-mail")."""
    schedule = _json_dict("SCHEDULE", default)
    for key, value in os.environ.items():
        if key.startswith("SCHEDULE_") and len(key) > len("SCHEDULE_"):
            schedule[key.removeprefix("SCHEDULE_").lower().replace("_", "-")] = value
    return schedule


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{BASE_DIR / 'instance' / 'sem.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # Mail goes through the outbox; the send-mail job delivers it. MAIL_BACKEND: "smtp" sends,
    # "console" prints, "folder" writes .eml files into MAIL_FOLDER, "memory" keeps them (tests).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_FOLDER = os.environ.get("MAIL_FOLDER", str(BASE_DIR / "instance" / "mail"))
    MAIL_BATCH_SIZE = _int("MAIL_BATCH_SIZE", 200)
    MAIL_JOB_SECONDS = _int("MAIL_JOB_SECONDS", 50)  # one send-mail run sends batches for this long
    # A claim older than this (a sender that died) goes back to the queue, in seconds.
    MAIL_CLAIM_TIMEOUT = _int("MAIL_CLAIM_TIMEOUT", 600)
    # Retries: from MAIL_RETRY_BASE seconds, doubling up to MAIL_RETRY_MAX, for MAIL_RETRY_FOR.
    MAIL_RETRY_BASE = _int("MAIL_RETRY_BASE", 60)
    MAIL_RETRY_MAX = _int("MAIL_RETRY_MAX", 2 * 3600)
    MAIL_RETRY_FOR = _int("MAIL_RETRY_FOR", 24 * 3600)
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "SEM <noreply@sem.brussels>")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
    # Absolute links in mails sent by CLI commands and jobs, where no request gives the host.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Throttling of failed logins, per account and per address.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
    LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 15)

    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_MAX_AGE", 2 * 3600)
    INVITATION_MAX_AGE_DAYS = _int("INVITATION_MAX_AGE_DAYS", 14)
    APPLICATION_REMINDER_DAYS = _int("APPLICATION_REMINDER_DAYS", 3)
    MIN_PASSWORD_LENGTH = 10
    # Offers and needs: how long they stay open, and how early their owner is warned.
    OFFER_LIFETIME_DAYS = _int("OFFER_LIFETIME_DAYS", 182)
    STANDING_OFFER_LIFETIME_DAYS = _int("STANDING_OFFER_LIFETIME_DAYS", 365)
    NEED_LIFETIME_DAYS = _int("NEED_LIFETIME_DAYS", 91)
    EXPIRY_WARNING_DAYS = _int("EXPIRY_WARNING_DAYS", 14)
    # The ledger's defaults (coordinators change floors in the app; every change is kept).
    FLOOR_EMERGING_MINUTES = _int("FLOOR_EMERGING_MINUTES", -20 * 60)
    FLOOR_ESTABLISHED_MINUTES = _int("FLOOR_ESTABLISHED_MINUTES", -5 * 60)
    SOLIDARITY_ALLOWANCE_MINUTES = _int("SOLIDARITY_ALLOWANCE_MINUTES", 20 * 60)
    # Declared hours: reminded after this many days, confirmed automatically after that many.
    CONFIRMATION_REMINDER_DAYS = _int("CONFIRMATION_REMINDER_DAYS", 7)
    AUTO_CONFIRM_DAYS = _int("AUTO_CONFIRM_DAYS", 14)
    # The scheduler (`flask sem scheduler`): crontab lines in Europe/Brussels time, five
    # fields (or six, seconds first), days of the week by name; "off" unschedules a job.
    # Only the names present in sem.scheduler.jobs.JOBS (and EXTRA_JOBS) are scheduled.
    SCHEDULE = _schedule({
        "match": "0 6 * * *",        # daily 06:00
        "expire": "30 2 * * *",      # daily 02:30
        "remind": "0 9 * * *",       # daily 09:00
        "digest": "0 7 * * mon",     # Mondays 07:00
        "send-mail": "* * * * *",    # every minute
        "reports": "*/10 * * * *",   # every ten minutes (builds only when stale)
    })
    # A job runs at most once per period (second, minute, hour, day, week, month), whatever
    # the number of scheduler processes; jobs not listed get the finest their entry fires at.
    JOB_PERIODS = _json_dict("JOB_PERIODS", {
        "match": "day", "expire": "day", "remind": "day", "digest": "week", "send-mail": "minute", "reports": "minute",
    })
    # More jobs by import path, e.g. {"tick": "mypackage.jobs:tick"} (each returns a summary).
    EXTRA_JOBS = _json_dict("EXTRA_JOBS", {})
    # Leadership between scheduler processes: on SQLite a lease this long, renewed every
    # third of it (a standby takes over at most this long after the leader died); on
    # PostgreSQL an advisory lock, checked every second.
    SCHEDULER_LEASE_SECONDS = float(os.environ.get("SCHEDULER_LEASE_SECONDS") or 15)
    PASSWORD_HASH_PROFILE = "default"  # noqa: S105 - Argon2id, RFC 9106 low-memory parameters
    # How many reverse proxies (nginx, a load balancer) stand in front of the app: their
    # X-Forwarded-For/-Proto headers are then trusted, so throttling sees real addresses.
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    # Benchmarks only: serves /bench/hello, the one-line ceiling `make bench` compares with.
    BENCH = _bool("BENCH", False)
    # Reports: how long a worker keeps the heaviest figures (keyed by a fingerprint of the
    # data, so a new transaction shows at once); 0 computes them on every request.
    REPORTS_CACHE_SECONDS = _int("REPORTS_CACHE_SECONDS", 600)
    # Read the closed months from the reports' rollup (sem/reports/rollup.py) when it is up to
    # date; 0 (false) sums every period from the monthly table (to compare, or to rule the rollup out).
    REPORTS_ROLLUP = _bool("REPORTS_ROLLUP", True)
    # The directory page's content for anonymous visitors, per worker, keyed by every input
    # and the directory's data version (sem/market/directory_cache.py); 0 turns it off.
    DIRECTORY_CACHE = _bool("DIRECTORY_CACHE", True)


class DevelopmentConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = _database_url("sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    MAIL_BACKEND = "memory"
    BASE_URL = "http://sem.test"
    PASSWORD_HASH_PROFILE = "cheapest"  # noqa: S105 - a profile name, not a password


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}
