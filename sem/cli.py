"""`flask sem …` commands. Each command is one unit of work: it commits once at the end."""

import functools

import click
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
@with_base_url
def demo_command():
    """Load the demo network (idempotent)."""
    from sem.demo import load_demo

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


reports_cli = AppGroup("reports", help="The reports' pre-aggregated monthly figures.")
sem_cli.add_command(reports_cli)


@reports_cli.command("rebuild")
def reports_rebuild_command():
    """Recompute the monthly figures from the ledger (after a bulk load or an upgrade)."""
    import time

    from sem.reports import aggregate

    started = time.perf_counter()
    rows = aggregate.rebuild()
    db.session.commit()
    click.echo(f"Rebuilt the monthly figures: {rows} row(s) in {time.perf_counter() - started:.1f} s.")


@reports_cli.command("check")
def reports_check_command():
    """Compare the monthly figures with a recomputation from the ledger; exit 1 if they differ."""
    from sem.reports import aggregate

    report = aggregate.check()
    if report.ok:
        click.echo(f"The monthly figures match the ledger ({report.rows} row(s)).")
        return
    for difference in report.differences[:20]:
        click.echo(f"  {difference}", err=True)
    raise click.ClickException(f"the monthly figures differ from the ledger in {len(report.differences)} place(s): "
                               "run `flask sem reports rebuild`")


@sem_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
def export_command(file):
    """Write every table to FILE (JSON Lines; "-" for standard output): a logical backup."""
    from sem.reports.backup import export_database

    with click.open_file(file, "w", encoding="utf-8", atomic=file != "-") as stream:
        lines = export_database(stream)
    if file != "-":
        click.echo(f"Exported {lines} line(s) to {file}.")


@sem_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def import_command(file):
    """Load an export into an empty, migrated database, then rebuild the derived tables."""
    from sem.market.search import reindex_all
    from sem.reports import aggregate
    from sem.reports.backup import BackupError, import_database

    try:
        with click.open_file(file, "r", encoding="utf-8") as stream:
            result = import_database(stream)
        indexed = reindex_all(db.session)
        monthly = aggregate.rebuild()
        db.session.commit()
    except BackupError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Imported {result.rows} row(s) into {result.tables} table(s); indexed {indexed} document(s); "
               f"rebuilt {monthly} monthly row(s).")


def register(app: Flask) -> None:
    app.cli.add_command(sem_cli)
