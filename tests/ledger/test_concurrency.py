"""Settlement under real concurrency on PostgreSQL: several processes, each with threads,
each with its own database connection, released at the same instant."""

import multiprocessing
import random
import threading

import pytest
import sqlalchemy as sa

from config import TestingConfig
from sem import create_app
from sem.extensions import db
from sem.ledger import services as ledger
from sem.ledger.models import LedgerTransaction
from sem.members.models import Organisation, Stage

PROCESSES = 4


@pytest.fixture
def postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrency between processes is measured on PostgreSQL (SQLite has one writer)")
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _worker(url, jobs, threads, barrier, results):
    """One process: its own app and engine, `threads` threads running `jobs` (a list per thread)."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url,
                     SQLALCHEMY_ENGINE_OPTIONS={"pool_size": threads, "max_overflow": 0})

    def run(thread_jobs):
        with app.test_request_context():
            barrier.wait()
            for provider_id, recipient_id, minutes, key in thread_jobs:
                try:
                    tx = ledger.settle_exchange(provider=db.session.get(Organisation, provider_id),
                                                recipient=db.session.get(Organisation, recipient_id),
                                                minutes=minutes, idempotency_key=key, author=None)
                    db.session.commit()
                    results.put(("paid", key, tx.id))
                except ledger.CreditLimitReached:
                    db.session.rollback()
                    results.put(("refused", key, None))
                except Exception as error:  # noqa: BLE001 - every caller must get an answer; report it
                    db.session.rollback()
                    results.put(("error", key, repr(error)))
            db.session.remove()

    workers = [threading.Thread(target=run, args=(thread_jobs,)) for thread_jobs in jobs]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()


def _run(url, jobs_per_process, threads):
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(jobs_per_process) * threads)
    results = context.Queue()
    processes = [context.Process(target=_worker, args=(url, jobs, threads, barrier, results))
                 for jobs in jobs_per_process]
    for process in processes:
        process.start()
    expected = sum(len(thread_jobs) for jobs in jobs_per_process for thread_jobs in jobs)
    answers = [results.get(timeout=120) for _ in range(expected)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return answers


def test_fifty_concurrent_confirmations_of_one_declaration_pay_once(app, make, postgresql):
    provider, recipient = make.org(name="Donne"), make.org(name="Reçoit")
    with app.app_context():
        for org_id in (provider, recipient):
            ledger.account_of(db.session.get(Organisation, org_id))
        db.session.commit()
    # 50 confirmations: 4 processes, 13 threads each (52 callers, 50 of them with a job).
    jobs = [[[(provider, recipient, 150, "declaration:42")] if p * 13 + t < 50 else [] for t in range(13)]
            for p in range(PROCESSES)]
    answers = _run(postgresql, jobs, threads=13)
    assert len(answers) == 50
    assert {kind for kind, _, _ in answers} == {"paid"}, answers  # every caller gets the same clear answer
    assert len({tx_id for _, _, tx_id in answers}) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == 1
        assert ledger.balance_of(db.session.get(Organisation, provider)) == 150
        assert ledger.balance_of(db.session.get(Organisation, recipient)) == -150
        assert ledger.verify().ok


def test_sixteen_workers_on_four_hot_accounts_never_cross_a_floor(app, make, postgresql):
    orgs = [make.org(name=f"Chaud {n}", stage=Stage.ESTABLISHED) for n in range(4)]
    with app.app_context():
        for org_id in orgs:
            ledger.account_of(db.session.get(Organisation, org_id))
        db.session.commit()
        floor = app.config["FLOOR_ESTABLISHED_MINUTES"]
    rnd = random.Random(7)
    jobs = []
    for p in range(PROCESSES):
        process_jobs = []
        for t in range(4):
            thread_jobs = []
            for n in range(25):
                provider, recipient = rnd.sample(orgs, 2)
                thread_jobs.append((provider, recipient, rnd.choice([60, 90, 120, 180]), f"hot:{p}:{t}:{n}"))
            process_jobs.append(thread_jobs)
        jobs.append(process_jobs)
    answers = _run(postgresql, jobs, threads=4)
    kinds = [kind for kind, _, _ in answers]
    assert "error" not in kinds, [a for a in answers if a[0] == "error"][:3]
    assert kinds.count("paid") > 0 and kinds.count("refused") > 0  # the floors were really reached
    with app.app_context():
        balances = [ledger.balance_of(db.session.get(Organisation, org_id)) for org_id in orgs]
        assert all(balance >= floor for balance in balances), balances
        assert sum(balances) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) == kinds.count("paid")
        assert ledger.verify().ok
