"""Benchmark: the impact dashboard at federation size on PostgreSQL.

    .venv/bin/python bench/reports.py                      # a throw-away database, dropped at the end
    DATABASE_URL=postgresql+psycopg://…/sem_bench .venv/bin/python bench/reports.py --keep

Builds 5,000 organisations (20 city networks of 250, each member with about twelve regular
partners in its network), 20,000 offers, 40,000 needs with proposals and exchanges, and
1,000,000 exchange transactions over ten years = 2,000,000 ledger entries (COPY, with the
triggers off for the load: the hash chain holds placeholders, which the reports never read).
Then it rebuilds the monthly figures and the pairs' first and last months with
`sem.reports.aggregate.rebuild` (what `flask sem reports rebuild` runs), checks them, and
times the dashboard, the home page and the network graph with the Flask test client (server
time: the request in-process, no network).

Options: --organisations N --transactions N --months N --keep (keep the database) --reuse
(the database given by DATABASE_URL is already loaded: only rebuild and time) --no-rebuild
(with --reuse: the figures are built too) --runs N (timed requests per page) --pages TEXT
(only the pages whose label contains TEXT, e.g. "dashboard") --no-rollup (sum every period
from the monthly table; by default the rollup of closed months is built after the monthly
figures, or with --no-rebuild when it is missing or stale).

    DATABASE_URL=…/sem_fed .venv/bin/python bench/reports.py --reuse --no-rebuild --runs 9 --pages dashboard

"cold" is the server time with the figures cache emptied first (what every visitor gets after
a new transaction), "warm" the same page again from the cache (the fingerprint, the labels
and the template); each with the best and the median of the runs (the machine's load, printed
before and after, moves them: compare runs made back to back).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMUNES = ["anderlecht", "auderghem", "berchem-sainte-agathe", "bruxelles", "etterbeek", "evere", "forest",
            "ganshoren", "ixelles", "jette", "koekelberg", "molenbeek-saint-jean", "saint-gilles",
            "saint-josse-ten-noode", "schaerbeek", "uccle", "watermael-boitsfort", "woluwe-saint-lambert",
            "woluwe-saint-pierre"]
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load(app, n_orgs: int, n_tx: int, months: int, seed: int = 2026) -> None:
    import sqlalchemy as sa

    from sem.catalogue.models import Competence, Term, TermKind
    from sem.catalogue.seed import seed_competences, seed_vocabularies
    from sem.extensions import db
    from sem.members.models import Organisation, Person, organisation_term
    from sem.reports.backup import _reset_sequences

    rnd = random.Random(seed)  # noqa: S311 - synthetic data
    now = datetime.now(UTC)
    start = now - timedelta(days=months * 30.4)
    with app.app_context():
        seed_vocabularies()
        seed_competences()
        db.session.commit()
        sectors = db.session.scalars(sa.select(Term.id).where(Term.kind == TermKind.SECTOR)).all()
        publics = db.session.scalars(sa.select(Term.id).where(Term.kind == TermKind.PUBLIC)).all()
        competences = db.session.scalars(sa.select(Competence.id)).all()
        log(f"organisations: {n_orgs}")
        orgs = [{"id": i, "name": f"Organisation {i:05d}", "legal_form": "asbl",
                 "stage": "emerging" if rnd.random() < 0.35 else "established", "status": "approved",
                 "commune": rnd.choice(COMMUNES), "website": "", "description": "", "contact_email": f"o{i}@x.org",
                 "decision_reason": "", "created_at": start} for i in range(1, n_orgs + 1)]
        db.session.execute(sa.insert(Organisation), orgs)
        links = set()
        for org in orgs:
            for term in rnd.sample(sectors, rnd.choice([1, 1, 2])) + rnd.sample(publics, rnd.choice([1, 2])):
                links.add((org["id"], term))
        db.session.execute(sa.insert(organisation_term), [{"organisation_id": o, "term_id": t} for o, t in links])
        db.session.execute(sa.insert(Person), [{"email": "coordinator@bench.sem", "name": "Bench", "password_hash": "x",
                                                "role": "member", "is_coordinator": True, "locale": "fr",
                                                "active": True, "created_at": start}])
        db.session.commit()
        offered = {org["id"]: rnd.sample(competences, rnd.choice([1, 2, 3])) for org in orgs}
        network_of = {org["id"]: (org["id"] - 1) // 250 for org in orgs}
        members_of: dict[int, list[int]] = {}
        for org_id, network in network_of.items():
            members_of.setdefault(network, []).append(org_id)
        partners = {org_id: rnd.sample([o for o in members_of[network_of[org_id]] if o != org_id], 12)
                    for org_id in offered}

        conn = db.session.connection().connection.driver_connection
        with conn.cursor() as cur:
            cur.execute("SET session_replication_role = replica")  # no triggers during the load
            log("offers, needs, proposals, exchanges")
            post_columns = "(id, organisation_id, competence_id, title, description, language_mask, created_at, " \
                           "updated_at, expires_at, status"
            with cur.copy(f"COPY offer {post_columns}, mode, monthly_capacity_minutes, conditions, standing) "
                          "FROM STDIN") as copy:
                for i in range(1, 4 * n_orgs + 1):
                    org = rnd.randint(1, n_orgs)
                    created = start + timedelta(days=rnd.uniform(0, months * 30.4))
                    copy.write_row((i, org, rnd.choice(offered[org]), f"Offre {i}", "", 1, created, created,
                                    created + timedelta(days=182), rnd.choice(["open", "open", "expired"]), "both",
                                    600, "", False))
            needs = []
            with cur.copy(f"COPY need {post_columns}, urgency, estimated_minutes) FROM STDIN") as copy:
                for i in range(1, 8 * n_orgs + 1):
                    org = rnd.randint(1, n_orgs)
                    created = start + timedelta(days=rnd.uniform(0, months * 30.4))
                    competence = rnd.choice(competences)
                    needs.append((i, org, competence, created))
                    copy.write_row((i, org, competence, f"Besoin {i}", "", 1, created, created,
                                    created + timedelta(days=91), rnd.choice(["open", "closed", "expired"]),
                                    "normal", 240))
            with cur.copy("COPY proposal (id, need_id, offer_id, origin, status, message, created_at, declined_by, "
                          "decline_reason, score_parts) FROM STDIN") as proposal_copy:
                rows = []
                for need_id, _org, _competence, created in needs:
                    if rnd.random() < 0.6:
                        pid = len(rows) + 1
                        accepted = rnd.random() < 0.5
                        rows.append((pid, need_id, created))
                        proposal_copy.write_row((pid, need_id, rnd.randint(1, 4 * n_orgs), "matching",
                                                 "accepted" if accepted else "declined", "",
                                                 created + timedelta(hours=rnd.uniform(1, 24 * 20)), "", "", "{}"))
            with cur.copy("COPY exchange (id, proposal_id, need_id, offer_id, provider_id, recipient_id, "
                          "competence_id, estimate_minutes, status, created_at) FROM STDIN") as copy:
                for pid, need_id, created in rows[::2]:
                    _id, org, competence, _created = needs[need_id - 1]
                    provider = partners[org][0]
                    copy.write_row((pid, pid, need_id, 1, provider, org, competence, 240, "closed",
                                    created + timedelta(days=2)))
            log(f"ledger: {n_tx} transactions, {2 * n_tx} entries")
            accounts = {org_id: org_id for org_id in offered}  # account id = organisation id
            with cur.copy("COPY ledger_account (id, kind, organisation_id, balance_minutes, entry_count, last_hash, "
                          "floor_minutes, created_at) FROM STDIN") as copy:
                for org_id in offered:
                    copy.write_row((org_id, "organisation", org_id, 0, 0, "", None, start))
                copy.write_row((n_orgs + 1, "solidarity", None, 0, 0, "", 0, start))
                copy.write_row((n_orgs + 2, "network", None, 0, 0, "", None, start))
            balance = [0] * (n_orgs + 3)
            seq = [0] * (n_orgs + 3)
            span = months * 30.4 * 86400
            step = span / n_tx
            placeholder = "0" * 64
            from array import array

            providers, recipients, amounts, skills = array("i"), array("i"), array("i"), array("i")
            for _ in range(n_tx):
                provider = rnd.randint(1, n_orgs)
                recipient = (rnd.choice(partners[provider]) if rnd.random() < 0.85
                             else rnd.choice(members_of[network_of[provider]]))
                if recipient == provider:
                    recipient = partners[provider][0]
                providers.append(provider)
                recipients.append(recipient)
                amounts.append(rnd.choice((30, 60, 60, 90, 120, 120, 180, 240)))
                skills.append(rnd.choice(offered[provider]))
            with cur.copy("COPY ledger_transaction (id, kind, created_at, occurred_on, provider_id, recipient_id, "
                          "competence_id, minutes, memo, reason) FROM STDIN") as copy:
                for i in range(n_tx):
                    when = start + timedelta(seconds=(i + 1) * step)
                    copy.write_row((i + 1, "exchange", when + timedelta(days=1), when, providers[i], recipients[i],
                                    skills[i], amounts[i], "", ""))
            log("  transactions written")
            with cur.copy("COPY ledger_entry (id, transaction_id, account_id, amount_minutes, balance_after, seq, "
                          "prev_hash, hash) FROM STDIN") as copy:
                entry_id = 0
                for i in range(n_tx):
                    for account, amount in ((accounts[providers[i]], amounts[i]),
                                            (accounts[recipients[i]], -amounts[i])):
                        entry_id += 1
                        balance[account] += amount
                        seq[account] += 1
                        copy.write_row((entry_id, i + 1, account, amount, balance[account], seq[account],
                                        placeholder, placeholder))
            log("  entries written")
            log("account caches")
            cur.execute("CREATE TEMP TABLE cache (id int, balance int, n int)")
            with cur.copy("COPY cache FROM STDIN") as copy:
                for account in range(1, n_orgs + 1):
                    copy.write_row((account, balance[account], seq[account]))
            cur.execute("UPDATE ledger_account a SET balance_minutes = c.balance, entry_count = c.n "
                        "FROM cache c WHERE a.id = c.id")
            cur.execute("SET session_replication_role = DEFAULT")
        _reset_sequences()
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("VACUUM ANALYZE"))


def timed(client, url: str, runs: int = 5) -> tuple[list[float], list[float], int]:
    """Server times (ms) of `runs` requests with an empty figures cache (cold), each followed
    by the same request from the cache (warm)."""
    from sem.reports import cache

    cold, warm = [], []
    status = 0
    for _ in range(runs):
        cache.clear()
        for times in (cold, warm):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            status = response.status_code
    return cold, warm, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=5000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="DATABASE_URL is already loaded")
    parser.add_argument("--no-rebuild", action="store_true", help="with --reuse: the monthly figures are built")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page (3 for the slowest pages)")
    parser.add_argument("--pages", default="", help="only the pages whose label contains this (e.g. dashboard)")
    parser.add_argument("--no-rollup", action="store_true",
                        help="sum every period from the monthly table (REPORTS_ROLLUP=0), to compare")
    args = parser.parse_args()

    from tests.pg_database import main as pg_database

    given = os.environ.get("DATABASE_URL")
    name = None
    if given:
        url = given
    else:
        name = f"sem_bench_reports_{os.getpid()}"
        if pg_database("create", SERVER, name) != 0:
            return 1
        url = f"{SERVER}/{name}"
    os.environ["DATABASE_URL"] = url
    try:
        from flask_migrate import upgrade

        from config import Config
        from sem import create_app
        from sem.extensions import db

        app = create_app(Config, SECRET_KEY="bench",  # noqa: S106 - a throw-away database
                         SESSION_COOKIE_SECURE=False, SQLALCHEMY_DATABASE_URI=url,
                         REPORTS_ROLLUP=not args.no_rollup)
        if not args.reuse:
            with app.app_context():
                upgrade(directory=str(ROOT / "migrations"))
            started = time.perf_counter()
            load(app, args.organisations, args.transactions, args.months)
            log(f"loaded in {time.perf_counter() - started:.0f} s")

        import sqlalchemy as sa

        from sem.members.models import Person
        from sem.reports import aggregate, rollup

        with app.app_context():
            if not args.no_rebuild:
                started = time.perf_counter()
                rows = aggregate.rebuild()
                db.session.commit()
                log(f"rebuild: {rows} monthly rows in {time.perf_counter() - started:.1f} s")
                started = time.perf_counter()
                check = aggregate.check()
                log(f"check: {'ok' if check.ok else 'DIFFERENT'} in {time.perf_counter() - started:.1f} s")
            if not args.no_rollup and (not args.no_rebuild or rollup.usable() is None):
                started = time.perf_counter()
                built = rollup.build()
                db.session.commit()
                log(f"rollup of the months before {built.boundary:%Y-%m}: {built.hours_rows} rows of hours, "
                    f"{built.organisation_rows} of organisations in {time.perf_counter() - started:.1f} s")
            entries = db.session.scalar(sa.text("SELECT count(*) FROM ledger_entry"))
            orgs = db.session.scalar(sa.text("SELECT count(*) FROM organisation"))
            coordinator = db.session.scalar(sa.select(Person).where(Person.is_coordinator).limit(1))
            user_id = coordinator.get_id()
        log(f"{orgs} organisations, {entries} ledger entries")
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
        with app.app_context():
            sector = db.session.scalar(sa.text("SELECT id FROM term WHERE kind = 'sector' ORDER BY id LIMIT 1"))
        with app.app_context():
            public = db.session.scalar(sa.text("SELECT id FROM term WHERE kind = 'public' ORDER BY id LIMIT 1"))
        from sem.reports.queries import ReportFilters, add_months

        this_month = ReportFilters.default().month_to
        last_month, year_before = f"{add_months(this_month, -1):%Y-%m}", f"{add_months(this_month, -12):%Y-%m}"
        import gc

        gc.collect()
        gc.freeze()  # as wsgi.py does in every web worker once the app is made
        print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'page':<50} {'cold best':>10} {'median':>8} {'warm best':>10} {'median':>8}")
        for label, path in [
            ("dashboard, last 12 months", "/coordination/impact"),
            ("dashboard, a sector", f"/coordination/impact?sector={sector}"),
            ("dashboard, a public", f"/coordination/impact?public={public}"),
            ("dashboard, a commune", "/coordination/impact?commune=ixelles"),
            ("dashboard, a sector and a commune, 5 years",
             f"/coordination/impact?sector={sector}&commune=ixelles&from=2021-12&to=2026-11"),
            ("dashboard, ten years", "/coordination/impact?from=2016-12&to=2026-11"),
            ("dashboard, ten years, a sector", f"/coordination/impact?from=2016-12&to=2026-11&sector={sector}"),
            ("dashboard, ten years, a commune", "/coordination/impact?from=2016-12&to=2026-11&commune=ixelles"),
            ("dashboard, ten years, a sector and a commune",
             f"/coordination/impact?from=2016-12&to=2026-11&sector={sector}&commune=ixelles"),
            ("dashboard, 2024 and 2025", "/coordination/impact?from=2024-01&to=2025-12"),
            ("dashboard, 2024 and 2025, a sector", f"/coordination/impact?from=2024-01&to=2025-12&sector={sector}"),
            # Ends last month, begins after the first: its partnerships need the monthly table.
            ("dashboard, June 2024 to last month", f"/coordination/impact?from=2024-06&to={last_month}"),
            ("dashboard, 12 months to last month", f"/coordination/impact?from={year_before}&to={last_month}"),
            ("home page (public summary)", "/"),
            ("CSV of the monthly table", "/coordination/impact/months.csv"),
            ("network graph, one commune", "/coordination/network?commune=ixelles"),
            ("network graph, last 12 months (500 most active)", "/coordination/network"),
            ("CSV of every link of the network", "/coordination/network/edges.csv"),
        ]:
            if args.pages not in label:
                continue
            cold, warm, status = timed(client, path,
                                       runs=3 if "network" in path or "ten years" in label else args.runs)
            print(f"{label:<50} {min(cold):>8.0f}ms {statistics.median(cold):>6.0f}ms "
                  f"{min(warm):>8.0f}ms {statistics.median(warm):>6.0f}ms  {'' if status == 200 else status}")
        print(f"load average: {os.getloadavg()[0]:.1f}")
    finally:
        if name and not args.keep:
            pg_database("drop", SERVER, name)
        elif name:
            print(f"\nkept: DATABASE_URL={url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
