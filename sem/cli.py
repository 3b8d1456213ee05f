"""`flask sem …` commands. Each command is one unit of work: it commits once at the end."""

import functools

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from sem.core.errors import DomainError
from sem.extensions import db

sem_cli = AppGroup("sem", help="SEM administration commands.")


def with_base_url(command):
    """Run a command inside a request context on BASE_URL, so mails get absolute links."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return command(*args, **kwargs)

    return wrapper


@sem_cli.command("demo")
@click.option("--scale", type=click.Choice(["city", "federation", "small"]), default=None,
              help="Also generate a large network for benchmarks: city (500 organisations, 2,000 open offers "
                   "and needs, 100,000 ledger entries), federation (5,000 / 20,000 / 2,000,000), small (50 / 200 / "
                   "2,000). Once per database.")
@with_base_url
def demo_command(scale):
    """Load the demo network (idempotent), and optionally a generated one of a given scale."""
    from sem.demo import load_demo

    if scale:
        import time

        from sem.demo_scale import SCALES, load_scale

        started = time.perf_counter()
        click.echo(f"Generating the {scale} data set ...")
        try:
            counts = load_scale(SCALES[scale], echo=click.echo)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        db.session.commit()
        # Fresh statistics, or the planner takes the bulk-loaded tables for empty ones.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        click.echo("Generated {organisations} organisation(s), {offers} offer(s), {needs} need(s), "
                   "{transactions} transaction(s) with {entries} entries".format(**counts)
                   + f" in {time.perf_counter() - started:.1f} s.")
        return
    counts = load_demo()
    db.session.commit()
    click.echo("Demo network: added {organisations} organisation(s), {people} person(s), {terms} term(s), "
               "{offers} offer(s), {needs} need(s), {exchanges} exchange(s).".format(**counts))


@sem_cli.command("seed")
def seed_command():
    """Add the default vocabularies and competences that are missing (for a new network)."""
    from sem.catalogue.seed import seed_competences, seed_vocabularies

    added = seed_vocabularies() + seed_competences()
    db.session.commit()
    click.echo(f"Added {added} vocabulary term(s), domain(s) and competence(s).")


@sem_cli.command("reindex")
def reindex_command():
    """Rebuild the directory's search index (after a bulk import or an upgrade)."""
    from sem.market.search import reindex_all

    count = reindex_all(db.session)
    db.session.commit()
    click.echo(f"Indexed {count} organisation(s), offer(s) and need(s).")


@sem_cli.command("create-coordinator")
@click.argument("email")
@click.argument("name")
@click.password_option()
def create_coordinator_command(email, name, password):
    """Create (or promote) a network coordinator."""
    from sem.members.services import create_coordinator

    try:
        person = create_coordinator(email, name, password)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"{person.email} is a coordinator.")


@sem_cli.command("run-job")
@click.argument("name")
@with_base_url
def run_job_command(name):
    """Run one scheduled job now."""
    from sem.scheduler.jobs import JOBS

    if name not in JOBS:
        raise click.ClickException(f"unknown job {name!r}; jobs: {', '.join(sorted(JOBS))}")
    summary = JOBS[name]()
    db.session.commit()
    click.echo(f"{name}: {summary}")


ledger_cli = AppGroup("ledger", help="The time-credit ledger.")
sem_cli.add_command(ledger_cli)


@ledger_cli.command("verify")
def ledger_verify_command():
    """Recompute every balance and the hash chains; exit 1 naming the first bad transaction."""
    import time

    from sem.ledger.services import verify

    started = time.perf_counter()
    report = verify()
    seconds = time.perf_counter() - started
    click.echo(f"Checked {report.transactions} transaction(s), {report.entries} entr(y/ies), "
               f"{report.accounts} account(s) in {seconds:.1f} s.")
    if report.ok:
        click.echo("The ledger is consistent.")
        return
    for _tx_id, problem in report.problems[:20]:
        click.echo(f"  {problem}", err=True)
    raise click.ClickException(f"the ledger is NOT consistent: first bad transaction {report.first_bad_transaction} "
                               f"({len(report.problems)} problem(s))")


def register(app: Flask) -> None:
    app.cli.add_command(sem_cli)
