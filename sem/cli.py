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
    from sem.reports import rollup

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
        # Fresh statistics, or the planner takes the bulk-loaded tables for empty ones. On
        # PostgreSQL, VACUUM too, as autovacuum would soon after a bulk load: it sets the
        # visibility map, without which no index-only scan skips the table.
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM (ANALYZE)"))
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        _build_rollup()  # with those statistics: without, the planner's guesses double its time
        click.echo("Generated {organisations} organisation(s), {offers} offer(s), {needs} need(s), "
                   "{transactions} transaction(s) with {entries} entries".format(**counts)
                   + f" in {time.perf_counter() - started:.1f} s.")
        return
    counts = load_demo()
    db.session.commit()
    rollup.build()
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
@click.option("--once-per-period", is_flag=True,
              help="Claim the job's current period as the scheduler does, and skip if it already ran (for cron).")
@with_base_url
def run_job_command(name, once_per_period):
    """Run one job now, recorded as a job run (manual runs always run; see --once-per-period)."""
    from sem.scheduler.models import RunTrigger
    from sem.scheduler.runner import UnknownJob, registry, run_job

    try:
        outcome = run_job(name, trigger=RunTrigger.MANUAL, once_per_period=once_per_period)
    except UnknownJob:
        raise click.ClickException(f"unknown job {name!r}; jobs: {', '.join(sorted(registry()))}") from None
    if outcome.skipped:
        click.echo(f"{name}: already run for period {outcome.period} (run #{outcome.run_id}); skipped.")
        return
    if outcome.error:
        raise click.ClickException(f"{name} failed (run #{outcome.run_id}): {outcome.error.splitlines()[0]}")
    click.echo(f"{name}: {outcome.summary}")


@sem_cli.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Print the timetable and the next runs, then exit.")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def scheduler_command(list_only, log_level):
    """Run the scheduled jobs on their timetable (Europe/Brussels) until SIGTERM or SIGINT.

    Start as many as you like: one leads and runs the jobs, the others stand by and take
    over if it dies; a job runs at most once per period."""
    import logging
    import sys
    from datetime import datetime

    from sem.scheduler.process import SchedulerProcess
    from sem.scheduler.timetable import BRUSSELS, TimetableError

    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        process = SchedulerProcess(current_app._get_current_object())
    except TimetableError as error:
        raise click.ClickException(str(error)) from None
    if list_only:
        now = datetime.now(BRUSSELS)
        for name, when, period in process.describe():
            upcoming = process.triggers[name].get_next_fire_time(None, now)
            click.echo(f"{name:<12} {when:<16} once per {period:<7} next {upcoming:%Y-%m-%d %H:%M:%S %Z}")
        return
    process.serve()


@sem_cli.command("simulate")
@click.option("--weeks", default=52, show_default=True, help="Weeks to play.")
@click.option("--orgs", default=120, show_default=True, help="Organisations in the synthetic network.")
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same network).")
@click.option("--accept", default=0.6, show_default=True, help="Probability that a side accepts a proposal.")
def simulate_command(weeks, orgs, seed, accept):
    """Play a synthetic network forward, with and without the reciprocity part of the score."""
    from sem.matching.services import current_settings
    from sem.matching.simulation import simulate

    weights, k = current_settings()
    rows = simulate(weeks=weeks, orgs=orgs, seed=seed, weights=weights, k=k, accept=accept,
                    allowance=current_app.config["SOLIDARITY_ALLOWANCE_MINUTES"])
    click.echo(f"{orgs} organisations, {weeks} weeks, k={k}, weights {weights}")
    click.echo(f"{'':22}{'Gini |balance|':>15}{'give+receive':>14}{'h to emerging':>15}{'hours':>9}"
               f"{'exchanges':>11}{'price':>8}{'refused':>9}{'min margin':>12}")
    for row in rows:
        click.echo(f"{row.label:22}{row.gini:>15.3f}{row.both_share:>14.1%}{row.emerging_hours:>15.0f}"
                   f"{row.hours:>9.0f}{row.exchanges:>11}{row.price:>8.2%}{row.floor_refusals:>9}"
                   f"{row.lowest_margin / 60:>11.2f}h")
    click.echo("price: share of the best score without reciprocity that reciprocity gives up; refused: settlements "
               "the ledger refused at a floor; min margin: lowest balance minus floor seen (never below 0).")


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
    _build_rollup()


def _build_rollup() -> None:
    import time

    from sem.reports import rollup

    started = time.perf_counter()
    built = rollup.build()
    db.session.commit()
    click.echo(f"Built the rollup of the months before {built.boundary:%Y-%m}: {built.hours_rows} row(s) of hours "
               f"and {built.organisation_rows} of organisations in {time.perf_counter() - started:.1f} s.")


@reports_cli.command("rollup")
def reports_rollup_command():
    """Build the rollup of closed months again (the scheduler's "reports" job does when it is stale)."""
    _build_rollup()


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
    _build_rollup()


def register(app: Flask) -> None:
    app.cli.add_command(sem_cli)
