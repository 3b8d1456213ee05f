"""Settlement speed: confirmations through `ledger.services.settle_exchange`, each with its
own idempotency key and its own database transaction (commit), from N worker processes.

    DATABASE_URL=... python bench/settle.py --workers 4 --seconds 10

Prints one JSON object: settlements, seconds, settlements_per_second, refused.
Pairs of established organisations settle back and forth (A gives to B, then B to A), so
balances stay near zero and no settlement meets a floor.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def worker(index: int, workers: int, seconds: float, run: str, start_at: float, queue) -> None:
    import sqlalchemy as sa

    from sem import create_app
    from sem.extensions import db
    from sem.ledger import services as ledger
    from sem.members.models import Organisation, OrgStatus, Stage

    app = create_app()
    done = refused = 0
    with app.app_context():
        ids = db.session.scalars(sa.select(Organisation.id).where(
            Organisation.status == OrgStatus.APPROVED, Organisation.stage == Stage.ESTABLISHED)
            .order_by(Organisation.id).limit(400)).all()
        # Each worker has its own pairs: workers contend on the database, not on one account.
        mine = ids[index::workers]
        pairs = [(mine[k], mine[k + 1]) for k in range(0, len(mine) - 1, 2)]
        orgs = {org.id: org for org in db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)))}
        for org in orgs.values():  # accounts exist before the clock starts
            ledger.account_of(org)
        db.session.commit()
        # A confirmation is one web request, whose session holds a handful of objects. This
        # loop's session lives for the whole run: left holding the 400 organisations, every
        # commit would expire them all (measured: two thirds of the time at 400), which is the
        # loop's cost, not settlement's. Loaded, then detached, they keep their columns.
        orgs = {org.id: org for org in db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)))}
        db.session.expunge_all()
        while time.time() < start_at:
            time.sleep(0.001)
        deadline = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < deadline:
            a, b = pairs[n % len(pairs)]
            provider, recipient = (orgs[a], orgs[b]) if (n // len(pairs)) % 2 == 0 else (orgs[b], orgs[a])
            try:
                ledger.settle_exchange(provider=provider, recipient=recipient, minutes=15, author=None,
                                       idempotency_key=f"bench:{run}:{index}:{n}", memo="bench")
                db.session.commit()
                done += 1
            except ledger.CreditLimitReached:
                db.session.rollback()
                refused += 1
            n += 1
    queue.put((done, refused))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    os.environ.setdefault("SEM_ENV", "development")
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    run = uuid.uuid4().hex[:8]
    start_at = time.time() + 3 + args.workers  # every worker has connected and loaded its pairs
    processes = [context.Process(target=worker, args=(i, args.workers, args.seconds, run, start_at, queue))
                 for i in range(args.workers)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    done = sum(r[0] for r in results)
    print(json.dumps({"workers": args.workers, "settlements": done, "refused": sum(r[1] for r in results),
                      "seconds": args.seconds, "settlements_per_second": round(done / args.seconds, 1)}))


if __name__ == "__main__":
    main()
