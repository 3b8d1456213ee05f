"""Benchmark of a full matching run, database reads and writes included.

Creates a throw-away database (a temporary SQLite file, or a new PostgreSQL database beside
the given server URL), builds it with the real migrations, fills it with bulk inserts
(organisations with one person each, a catalogue, open offers and needs), then times one
`matching.services.run` (gather, score, assign, create the proposals and queue the mails)
and its commit. Prints the figures; the database is dropped at the end.

    .venv/bin/python bench/matching.py                                    # 10,000 × 10,000 on SQLite
    .venv/bin/python bench/matching.py --orgs 500 --offers 1000 --needs 1000
    .venv/bin/python bench/matching.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432

Targets (issue 6): 10,000 offers × 10,000 needs (about 500,000 candidate pairs) under 15 s
and 1 GB, the optimisation under 3 s; 500 organisations under 2 s.
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS_FR = ("site", "web", "réseau", "wifi", "comptabilité", "bilan", "traduction", "statuts", "subsides", "affiche",
            "formation", "bénévoles", "gestion", "données", "salle", "réunion", "communication", "logiciel")
WORDS_NL = ("website", "netwerk", "boekhouding", "balans", "vertaling", "statuten", "subsidies", "affiche",
            "opleiding", "vrijwilligers", "beheer", "gegevens", "zaal", "vergadering", "communicatie", "software")
COMMUNES = ("anderlecht", "auderghem", "berchem", "bruxelles", "etterbeek", "evere", "forest", "ganshoren",
            "ixelles", "jette", "koekelberg", "molenbeek", "saint-gilles", "saint-josse", "schaerbeek", "uccle",
            "watermael-boitsfort", "woluwe-saint-lambert", "woluwe-saint-pierre")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def text(rng: random.Random, words, n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


def fill(db, args, rng: random.Random) -> None:
    import sqlalchemy as sa

    from sem.catalogue.models import Competence, Domain
    from sem.core.db import utcnow
    from sem.market.models import Mode, Need, Offer, PostStatus, Urgency
    from sem.members.models import Organisation, OrganisationLanguage, OrgStatus, Person, Role, Stage

    now = utcnow()
    db.session.execute(sa.insert(Domain), [
        {"code": f"d{d}", "label_fr": f"Domaine {d}", "label_nl": f"Domein {d}", "label_en": f"Domain {d}",
         "position": d, "created_at": now} for d in range(args.domains)])
    domain_ids = db.session.scalars(sa.select(Domain.id).order_by(Domain.id)).all()
    db.session.execute(sa.insert(Competence), [
        {"domain_id": domain_ids[c % len(domain_ids)], "code": f"c{c}", "label_fr": f"Compétence {c}",
         "label_nl": f"Competentie {c}", "label_en": f"Competence {c}", "position": c, "created_at": now}
        for c in range(args.competences)])
    competence_ids = db.session.scalars(sa.select(Competence.id)).all()
    db.session.execute(sa.insert(Organisation), [
        {"name": f"Organisation {i}", "legal_form": "asbl", "status": OrgStatus.APPROVED,
         "stage": Stage.EMERGING if rng.random() < 0.3 else Stage.ESTABLISHED, "commune": rng.choice(COMMUNES),
         "contact_email": f"org{i}@example.org", "created_at": now} for i in range(args.orgs)])
    org_ids = db.session.scalars(sa.select(Organisation.id)).all()
    db.session.execute(sa.insert(OrganisationLanguage), [
        {"organisation_id": o, "language": lang} for o in org_ids for lang in ("fr", "nl")])
    db.session.execute(sa.insert(Person), [
        {"organisation_id": o, "email": f"admin{o}@example.org", "name": f"Admin {o}", "password_hash": "x",
         "role": Role.ADMIN, "locale": rng.choice(("fr", "nl")), "created_at": now} for o in org_ids])

    def languages() -> int:  # fr 1, nl 2, en 4
        return rng.choice((1, 1, 1, 2, 2, 3, 5))

    common = {"status": PostStatus.OPEN, "created_at": now - timedelta(days=rng.randint(0, 30)),
              "updated_at": now, "expires_at": now + timedelta(days=60)}
    for start in range(0, args.offers, 5000):
        db.session.execute(sa.insert(Offer), [
            {**common, "organisation_id": rng.choice(org_ids), "competence_id": rng.choice(competence_ids),
             "title": text(rng, WORDS_FR + WORDS_NL, 3), "description": text(rng, WORDS_FR + WORDS_NL, 12),
             "language_mask": languages(), "mode": rng.choice((Mode.BOTH, Mode.REMOTE, Mode.ON_SITE)),
             "monthly_capacity_minutes": rng.choice((240, 480, 600, 1200)), "conditions": "", "standing": False}
            for _ in range(start, min(args.offers, start + 5000))])
    for start in range(0, args.needs, 5000):
        db.session.execute(sa.insert(Need), [
            {**common, "organisation_id": rng.choice(org_ids), "competence_id": rng.choice(competence_ids),
             "title": text(rng, WORDS_FR + WORDS_NL, 3), "description": text(rng, WORDS_FR + WORDS_NL, 12),
             "language_mask": languages(), "urgency": Urgency.URGENT if rng.random() < 0.2 else Urgency.NORMAL,
             "estimated_minutes": rng.choice((60, 120, 240, 480))}
            for _ in range(start, min(args.needs, start + 5000))])
    # Coordinator-set floors of -100 h, so that the credit-floor rule admits every need and
    # the run sees the full half million candidate pairs.
    from sem.ledger.models import FloorRule

    db.session.execute(sa.insert(FloorRule), [
        {"stage": stage, "floor_minutes": -100 * 60, "reason": "benchmark", "set_at": now}
        for stage in (Stage.EMERGING, Stage.ESTABLISHED)])
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--orgs", type=int, default=2_000)
    parser.add_argument("--competences", type=int, default=140)
    parser.add_argument("--domains", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgresql", metavar="SERVER_URL", help="use a throw-away PostgreSQL database there")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from config import Config
    from sem import create_app
    from sem.extensions import db
    from tests.pg_database import main as pg_database

    tmp = tempfile.TemporaryDirectory()
    if args.postgresql:
        name = f"sem_bench_{uuid.uuid4().hex[:8]}"
        if pg_database("create", args.postgresql, name):
            return 1
        url = f"{args.postgresql}/{name}"
    else:
        url = f"sqlite:///{tmp.name}/bench.db"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench-only",  # noqa: S106 - a throw-away database
                     MAIL_BACKEND="memory",
                     SERVER_NAME="sem.bench")
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            started = time.perf_counter()
            fill(db, args, random.Random(args.seed))  # noqa: S311 - test data
            print(f"data: {args.orgs} organisations, {args.offers} offers, {args.needs} needs "
                  f"({time.perf_counter() - started:.1f} s to insert) on {db.engine.dialect.name}")
            db.session.remove()
            rss_before = peak_rss_mb()
        with app.test_request_context():
            from sem.matching import services as matching

            started, cpu = time.perf_counter(), time.process_time()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            run = matching.run(actor=None)
            db.session.commit()
            total, cpu = time.perf_counter() - started, time.process_time() - cpu
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            child_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
            print(f"run: {run.candidates} candidate pairs, {run.proposals} proposals, mean score "
                  f"{run.mean_score:.3f}, solver {run.solver_status} in {run.solver_seconds:.2f} s; "
                  f"whole run with reads, writes and commit {total:.2f} s")
            print(f"CPU time of the run: {cpu:.2f} s in this process + {child_cpu:.2f} s in the solver's child "
                  f"(wall time on a busy machine counts other processes too; load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
            print(f"peak RSS: {peak_rss_mb():.0f} MB (after loading the data: {rss_before:.0f} MB); "
                  f"solver child peak: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
            db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        if args.postgresql:
            pg_database("drop", args.postgresql, name)
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
