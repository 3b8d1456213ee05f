"""Benchmark: build and queue the weekly digest for N organisations (default 5,000).

It makes a throw-away database, fills it with synthetic members by bulk inserts (people in
French and Dutch, offers, needs, pending proposals, exchanges with declared and confirmed
hours, ledger movements this week), then times `queue_digests()` and its commit, and prints
the seconds. Target: under 60 s for 5,000 organisations.

    .venv/bin/python bench/digest.py                      # SQLite, in a temporary file
    .venv/bin/python bench/digest.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432
    .venv/bin/python bench/digest.py --organisations 1000
"""

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from config import Config  # noqa: E402

SEED = 7
WEEK = timedelta(days=7)


class BenchConfig(Config):
    SECRET_KEY = "bench-only"  # noqa: S105 - a throw-away database
    BASE_URL = "https://sem.example"
    MAIL_BACKEND = "memory"


def fill(n_orgs: int) -> dict:
    """Bulk-insert a network of `n_orgs` approved organisations; returns the counts."""
    from sem.catalogue.models import Competence
    from sem.catalogue.seed import seed_competences, seed_vocabularies
    from sem.exchanges.models import Exchange, HourDeclaration, Proposal
    from sem.extensions import db
    from sem.ledger.models import Account, Entry, LedgerTransaction
    from sem.market.models import Need, Offer
    from sem.members.models import Organisation, OrganisationLanguage, Person

    rng = random.Random(SEED)  # noqa: S311 - synthetic data, not secrets
    now = datetime.now(UTC)
    seed_vocabularies()
    seed_competences()
    db.session.commit()
    competences = list(db.session.scalars(sa.select(Competence.id)))

    def ago(days_max: float) -> datetime:
        return now - timedelta(days=rng.uniform(0, days_max))

    def insert(model, rows):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model), rows[start:start + 5000])

    org_ids = list(range(1, n_orgs + 1))
    insert(Organisation, [
        {"id": i, "name": f"Association {i}", "legal_form": "asbl", "stage": rng.choice(["emerging", "established"]),
         "status": "approved", "commune": "ixelles", "website": "", "description": "", "decision_reason": "",
         "contact_email": f"info{i}@bench.example", "created_at": ago(400), "decided_at": ago(400)}
        for i in org_ids])
    languages, people = [], []
    person_id = 0
    for i in org_ids:
        locale = rng.choice(["fr", "fr", "nl"])
        languages.append({"organisation_id": i, "language": locale})
        for role in ["admin"] + (["member"] if rng.random() < 0.3 else []):
            person_id += 1
            people.append({"id": person_id, "organisation_id": i, "email": f"p{person_id}@bench.example",
                           "name": f"Person {person_id}", "password_hash": "x", "role": role,
                           "is_coordinator": False, "locale": locale if rng.random() < 0.9 else "nl",
                           "active": True, "created_at": ago(400)})
    insert(OrganisationLanguage, languages)
    insert(Person, people)

    posts = {"offer": [], "need": []}
    for model, kind, per_org in ((Offer, "offer", 2), (Need, "need", 1)):
        rows = []
        for i in org_ids:
            for _ in range(per_org):
                post_id = len(rows) + 1
                created = ago(7) if rng.random() < 0.05 else ago(120)  # about 5 % are new this week
                row = {"id": post_id, "organisation_id": i, "competence_id": rng.choice(competences),
                       "title": f"{kind} {post_id}", "description": "", "language_mask": rng.choice([1, 2, 3]),
                       "status": "open", "created_at": created, "updated_at": created,
                       "expires_at": now + timedelta(days=90)}
                if model is Offer:
                    row.update(mode="both", monthly_capacity_minutes=600, conditions="", standing=False)
                else:
                    row.update(urgency="normal", estimated_minutes=240)
                rows.append(row)
        insert(model, rows)
        posts[kind] = rows

    offers_of, needs_of = {}, {}
    for row in posts["offer"]:
        offers_of.setdefault(row["organisation_id"], []).append(row)
    for row in posts["need"]:
        needs_of.setdefault(row["organisation_id"], []).append(row)

    # Proposals: a fifth pending (one side has answered), a fifth become exchanges.
    proposals, exchanges, declarations = [], [], []
    pairs = set()
    for need in posts["need"]:
        if rng.random() >= 0.4:
            continue
        provider = rng.choice(org_ids)
        if provider == need["organisation_id"]:
            continue
        offer = offers_of[provider][0]
        if (need["id"], offer["id"]) in pairs:
            continue
        pairs.add((need["id"], offer["id"]))
        pid = len(proposals) + 1
        started = rng.random() < 0.5
        created = ago(20)
        proposals.append({"id": pid, "need_id": need["id"], "offer_id": offer["id"], "origin": "provider",
                          "status": "accepted" if started else "pending", "message": "", "created_at": created,
                          "provider_accepted_at": created, "recipient_accepted_at": created if started else None,
                          "decided_at": created if started else None, "declined_by": "", "decline_reason": "",
                          "score_parts": {}})
        if started:
            eid = len(exchanges) + 1
            exchanges.append({"id": eid, "proposal_id": pid, "need_id": need["id"], "offer_id": offer["id"],
                              "provider_id": provider, "recipient_id": need["organisation_id"],
                              "competence_id": need["competence_id"], "estimate_minutes": 240, "status": "open",
                              "created_at": created})
            declarations.append({"id": len(declarations) + 1, "exchange_id": eid, "minutes": 120,
                                 "worked_on": date.today(), "note": "", "status": rng.choice(["declared", "confirmed"]),
                                 "created_at": ago(7), "decided_at": ago(7), "auto_confirmed": False})
    insert(Proposal, proposals)
    insert(Exchange, exchanges)

    # Accounts, and this week's settlements of the confirmed declarations (two entries each).
    insert(Account, [{"id": i, "kind": "organisation", "organisation_id": i, "balance_minutes": 0,
                      "entry_count": 0, "last_hash": "", "created_at": ago(400)} for i in org_ids])
    balances = dict.fromkeys(org_ids, 0)
    seqs = dict.fromkeys(org_ids, 0)
    transactions, entries = [], []
    for declaration in declarations:
        if declaration["status"] != "confirmed":
            continue
        exchange = exchanges[declaration["exchange_id"] - 1]
        tid = len(transactions) + 1
        declaration["transaction_id"] = tid
        transactions.append({"id": tid, "kind": "exchange", "created_at": declaration["decided_at"],
                             "occurred_on": declaration["decided_at"], "provider_id": exchange["provider_id"],
                             "recipient_id": exchange["recipient_id"], "competence_id": exchange["competence_id"],
                             "minutes": 120, "memo": "", "reason": "", "idempotency_key": f"declaration:{tid}"})
        for org, amount in ((exchange["provider_id"], 120), (exchange["recipient_id"], -120)):
            balances[org] += amount
            seqs[org] += 1
            entries.append({"transaction_id": tid, "account_id": org, "amount_minutes": amount,
                            "balance_after": balances[org], "seq": seqs[org], "prev_hash": "", "hash": "0" * 64})
    insert(LedgerTransaction, transactions)
    insert(Entry, entries)
    insert(HourDeclaration, declarations)
    for org, balance in balances.items():
        if balance:
            db.session.execute(sa.update(Account).where(Account.id == org)
                               .values(balance_minutes=balance, entry_count=seqs[org]))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # ids were given explicitly: move the sequences on
        for table in ("organisation", "person", "offer", "need", "proposal", "exchange", "ledger_account",
                      "ledger_transaction", "hour_declaration"):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                       f"(SELECT coalesce(max(id), 1) FROM {table}))"))
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return {"organisations": n_orgs, "people": len(people), "offers": len(posts["offer"]),
            "needs": len(posts["need"]), "proposals": len(proposals), "exchanges": len(exchanges),
            "declarations": len(declarations), "transactions": len(transactions)}


def run(url: str, n_orgs: int) -> float:
    from sem import create_app
    from sem.extensions import db
    from sem.mail.digest import queue_digests

    app = create_app(BenchConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        started = time.perf_counter()
        counts = fill(n_orgs)
        print(f"filled in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{value} {name}" for name, value in counts.items()))
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        started = time.perf_counter()
        queued, empty = queue_digests()
        db.session.commit()
        seconds = time.perf_counter() - started
        second = queue_digests()
        db.session.commit()
        db.engine.dispose()
    print(f"{url.split(':')[0]}: {queued} digest(s) queued "
          f"({empty} person(s) with nothing new) for {n_orgs} organisations in {seconds:.1f} s; "
          f"a second run queued {second[0]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=5000)
    parser.add_argument("--postgresql", metavar="SERVER_URL",
                        help="a PostgreSQL server (postgresql+psycopg://user@host:port): a throw-away "
                             "database is created there and dropped afterwards")
    args = parser.parse_args()
    if args.postgresql:
        from tests.pg_database import main as pg_database

        name = f"sem_bench_digest_{uuid.uuid4().hex[:8]}"
        if pg_database("create", args.postgresql, name) != 0:
            return 1
        try:
            run(f"{args.postgresql}/{name}", args.organisations)
        finally:
            pg_database("drop", args.postgresql, name)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{os.path.join(tmp, 'bench.db')}", args.organisations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
