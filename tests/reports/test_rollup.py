"""The rollup of closed months: the same figures as the monthly table, and never read once
what it was computed from has changed (see sem/reports/rollup.py)."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from sem.core.db import utcnow
from sem.extensions import db
from sem.ledger import services as ledger
from sem.ledger.models import LedgerTransaction, TransactionKind
from sem.members.models import Organisation, Person, Stage
from sem.reports import aggregate, queries, rollup, tables
from sem.reports.models import RollupHours, RollupOrganisation
from sem.reports.queries import ReportFilters
from tests.reports.conftest import _competence, at

NOW = utcnow()


def _filters(world) -> list[ReportFilters]:
    """Periods that reach the last month (the rollup can serve them) with every kind of filter."""
    this_month = queries.month_of(NOW)
    everything = {"month_from": date(2026, 1, 1), "month_to": this_month}
    return [ReportFilters.default(), ReportFilters(**everything),
            ReportFilters(date(2026, 4, 1), this_month),  # starts inside the fixture's months
            ReportFilters.default(sector_id=world.culture), ReportFilters.default(sector_id=world.social_action),
            ReportFilters(**everything, public_id=world.children), ReportFilters(**everything, commune="ixelles"),
            ReportFilters(**everything, commune="forest"), ReportFilters(**everything, commune="nowhere"),
            ReportFilters(**everything, sector_id=world.social_action, commune="ixelles"),
            # Periods of closed months alone: their partnerships come from the rollup too.
            ReportFilters(date(2026, 3, 1), date(2026, 5, 1)), ReportFilters(date(2026, 4, 1), date(2026, 5, 1)),
            ReportFilters(date(2026, 5, 1), date(2026, 8, 1)), ReportFilters(date(2026, 2, 1), date(2026, 3, 1)),
            ReportFilters(date(2026, 4, 1), date(2026, 6, 1), sector_id=world.culture),
            ReportFilters(date(2026, 4, 1), date(2026, 4, 1), commune="schaerbeek")]


def _same_figures(filters: ReportFilters) -> queries.PeriodTotals:
    since = queries.inactive_since_within(filters, NOW)
    read = queries.period_totals(filters, since=since)
    summed = queries.period_totals(filters, since=since, rollup=False)
    read.competences.sort()
    summed.competences.sort()
    assert read == summed, filters
    return read


def _settle(world, n: int, provider: int, recipient: int, when: datetime, minutes: int = 30):
    return ledger.settle_exchange(provider=db.session.get(Organisation, provider),
                                  recipient=db.session.get(Organisation, recipient), minutes=minutes,
                                  idempotency_key=f"rollup:{n}", author=None, competence_id=_competence("tr-written"),
                                  occurred_on=when, now=NOW)


def test_the_rollup_gives_the_figures_of_the_monthly_table(ctx, world):
    assert rollup.usable() is None  # never built: the dashboard sums the monthly table
    built = rollup.build(NOW)
    db.session.commit()
    assert built.boundary == queries.add_months(queries.month_of(NOW), -2)
    assert rollup.usable() == built.boundary
    # March to May 2026 are closed: they come from the rollup, tx6 (ten days ago) from the table.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RollupHours).where(RollupHours.value == "*")) > 0
    for filters in _filters(world):
        two = filters.sector_id and filters.commune  # two filters: the monthly table, always
        closed = queries._rollup_for(filters)
        assert (closed is None) == bool(two), filters
        if closed:
            assert queries._closed_part(filters, queries.inactive_since_within(filters, NOW), closed,
                                        count_pairs=queries._partnerships_from_pairs(filters) is None) is not None
        _same_figures(filters)
    # By hand, the partnerships of closed months: April has {B, C} (tx2) and {A, B} (tx3, the
    # pair's second month); {A, C} stands in May only (tx4 was reversed).
    partnerships = {(date(2026, 3, 1), date(2026, 5, 1)): 3, (date(2026, 4, 1), date(2026, 5, 1)): 3,
                    (date(2026, 4, 1), date(2026, 4, 1)): 2, (date(2026, 5, 1), date(2026, 8, 1)): 1,
                    (date(2026, 1, 1), date(2026, 3, 1)): 1, (date(2026, 6, 1), date(2026, 8, 1)): 0}
    for (start, end), expected in partnerships.items():
        assert rollup.closed_partnerships("*", start, end) == expected, (start, end)
        assert _same_figures(ReportFilters(start, end)).partnerships == expected
    assert rollup.closed_partnerships(f"t{world.culture}", date(2026, 4, 1), date(2026, 5, 1)) == 2  # B's
    assert rollup.closed_partnerships("cixelles", date(2026, 5, 1), date(2026, 5, 1)) == 1  # {A, C}, once
    # By hand, everything since January: tx1, tx2, tx3, tx5 and tx6 (tx4 was reversed).
    totals = _same_figures(ReportFilters(date(2026, 1, 1), queries.month_of(NOW)))
    assert (sum(m.minutes for m in totals.months), sum(m.exchanges for m in totals.months)) == (375, 5)
    assert totals.partnerships == 3
    assert totals.given == {world.a: 180, world.b: 60, world.c: 135}
    assert totals.received == {world.a: 105, world.b: 210, world.c: 60}
    # A commune counts an exchange once even when both sides are in it (A and C, ixelles).
    ixelles = _same_figures(ReportFilters(date(2026, 1, 1), queries.month_of(NOW), commune="ixelles"))
    assert sum(m.minutes for m in ixelles.months) == 375
    children = _same_figures(ReportFilters(date(2026, 1, 1), queries.month_of(NOW), public_id=world.children))
    assert sum(m.minutes for m in children.months) == 90 + 45 + 60  # tx2, tx5, tx6: C's
    # The running totals: A gave 2 h (March), then 3 h (April, reversed: 0), then nothing.
    rows = db.session.execute(sa.select(RollupOrganisation.month, RollupOrganisation.given_minutes)
                              .where(RollupOrganisation.organisation_id == world.a)
                              .order_by(RollupOrganisation.month)).all()
    assert rows[:3] == [(date(2026, 3, 1), 120), (date(2026, 4, 1), 120), (date(2026, 5, 1), 120)]
    assert rows[-1][0] == queries.add_months(built.boundary, -1)
    # A pair that begins after the boundary: counted from the pairs' table, the rest from the rollup.
    _settle(world, 9, world.d, world.b, NOW)
    db.session.commit()
    assert rollup.usable() == built.boundary
    for filters in (ReportFilters(date(2026, 1, 1), queries.month_of(NOW)),
                    ReportFilters(date(2026, 1, 1), queries.month_of(NOW), sector_id=world.culture)):
        assert _same_figures(filters).partnerships == (4 if not filters.sector_id else 3)  # + {B, D}
    # Periods that end after the boundary but before the last month: the pairs of the months
    # after the boundary count when their last closed month lies before the period.
    _settle(world, 7, world.c, world.b, datetime(2026, 10, 5, 12, tzinfo=NOW.tzinfo))  # {B, C} again
    _settle(world, 8, world.d, world.c, datetime(2026, 10, 6, 12, tzinfo=NOW.tzinfo))  # {C, D}: new
    db.session.commit()
    assert rollup.usable() == built.boundary  # October is last month: the rollup still stands
    _settle(world, 10, world.c, world.b, NOW)  # {B, C} also this month
    db.session.commit()
    # {B, C} exchanged in April, October and November: within May to October by October
    # alone (after the boundary); around May to September without exchanging in it.
    for start, end, expected in ((date(2026, 4, 1), date(2026, 10, 1), 4), (date(2026, 5, 1), date(2026, 10, 1), 3),
                                 (date(2026, 9, 1), date(2026, 10, 1), 2), (date(2026, 5, 1), date(2026, 9, 1), 1),
                                 (date(2026, 4, 1), date(2026, 9, 1), 3)):
        middle = ReportFilters(start, end)
        assert queries._partnerships_from_pairs(middle, queries._rollup_for(middle)) is None
        assert _same_figures(middle).partnerships == expected, start
    culture = ReportFilters(date(2026, 5, 1), date(2026, 10, 1), sector_id=world.culture)
    assert _same_figures(culture).partnerships == 2  # B's {B, C} and D's {C, D}


def test_the_dashboard_reads_the_rollup_with_the_hand_computed_figures(ctx, world):
    rollup.build(NOW)
    db.session.commit()
    report = tables.dashboard(ReportFilters(date(2026, 1, 1), queries.month_of(NOW)))
    f = report.figures
    assert (f.minutes, f.exchanges, f.partnerships, f.fund_minutes) == (375, 5, 3, 60)
    assert f.emerging_minutes == 210  # B received 2 h + 1.5 h
    assert f.cross_sector_minutes == 270  # C → A and A → C share social action
    assert [row[0] for row in report.tables["inactive"].rows] == ["Bravo", "Delta"]
    culture = tables.dashboard(ReportFilters(date(2026, 1, 1), queries.month_of(NOW), sector_id=world.culture))
    assert (culture.figures.minutes, culture.figures.exchanges, culture.figures.partnerships) == (270, 3, 2)


def test_a_late_exchange_or_an_old_correction_makes_the_rollup_stale(ctx, world):
    rollup.build(NOW)
    db.session.commit()
    _settle(world, 1, world.a, world.b, NOW)  # this month: the rollup still holds
    db.session.commit()
    assert rollup.usable() is not None
    _same_figures(ReportFilters.default())
    _settle(world, 2, world.d, world.b, at("2026-04-20"), minutes=45)  # a late declaration for April
    db.session.commit()
    assert rollup.usable() is None
    _same_figures(ReportFilters.default())  # from the monthly table: D's exchange counts
    assert rollup.refresh(NOW).startswith("rollup of the months before")
    db.session.commit()
    assert rollup.usable() is not None
    assert world.d in _same_figures(ReportFilters.default()).given
    assert "up to date" in rollup.refresh(NOW)
    tx3 = db.session.scalars(sa.select(LedgerTransaction).where(
        LedgerTransaction.kind == TransactionKind.EXCHANGE, LedgerTransaction.provider_id == world.b)).first()
    ledger.reverse(tx3, actor=db.session.get(Person, world.coordinator), reason="never happened")
    db.session.commit()
    assert rollup.usable() is None
    rollup.build(NOW)
    db.session.commit()
    assert world.b not in _same_figures(ReportFilters.default()).given


def test_changes_near_the_boundary(ctx, world):
    """Built mid-May, the rollup holds the months before March; a write into March (before
    last month then) makes it stale, one into April does not, and neither do other kinds."""
    may = datetime(2026, 5, 15, 12, tzinfo=NOW.tzinfo)
    assert rollup.build(may).boundary == date(2026, 3, 1)
    db.session.commit()
    assert aggregate.closed_before(may) == date(2026, 4, 1)
    aggregate.note_change({"kind": "exchange", "month": date(2026, 4, 1)}, db.session.connection(), may)
    aggregate.note_change({"kind": "donation", "month": date(2026, 1, 1)}, db.session.connection(), may)
    assert rollup.usable() == date(2026, 3, 1)
    aggregate.note_change({"kind": "exchange", "month": date(2026, 3, 1)}, db.session.connection(), may)
    assert rollup.usable() is None


def test_a_new_stage_sector_or_commune_makes_it_stale_other_edits_do_not(ctx, world):
    rollup.build(NOW)
    db.session.commit()
    bravo = db.session.get(Organisation, world.b)
    bravo.description = "Une nouvelle description"
    db.session.commit()
    assert rollup.usable() is not None
    delta = db.session.get(Organisation, world.d)  # no hours: its profile is in no sum
    delta.terms.clear()
    delta.commune = "uccle"
    db.session.commit()
    assert rollup.usable() is not None
    for change in (lambda org: setattr(org, "stage", Stage.ESTABLISHED),
                   lambda org: setattr(org, "commune", "forest"),
                   lambda org: org.terms.clear()):
        change(db.session.get(Organisation, world.b))
        db.session.commit()
        assert rollup.usable() is None
        _same_figures(ReportFilters.default())
        rollup.build(NOW)
        db.session.commit()
        _same_figures(ReportFilters.default())
    # B is established now: nothing reached emerging members but what D would receive.
    assert queries.period_totals(ReportFilters.default()).stages.get((Stage.ESTABLISHED, Stage.EMERGING)) is None


def test_rebuilding_the_monthly_table_makes_it_stale(ctx, world):
    rollup.build(NOW)
    db.session.commit()
    aggregate.rebuild()
    db.session.commit()
    assert rollup.usable() is None


def test_many_members_and_two_filters_read_the_matching_rows_alone(ctx, world, make):
    """With few matching members among many (two filters), PostgreSQL finds their rows
    through the indexes: the same figures as the separate queries."""
    for n in range(40):
        make.org(f"Zeta {n:02d}", commune="uccle")
    rollup.build(NOW)
    db.session.commit()
    filters = ReportFilters(date(2026, 1, 1), queries.month_of(NOW), sector_id=world.social_action,
                            commune="ixelles")
    assert queries._few_match(filters)
    totals = _same_figures(filters)
    assert totals.months == queries.by_month(filters)
    assert sorted(totals.competences) == sorted(queries.by_competence(filters))
    assert totals.partnerships == 3  # A and C match: {A, B}, {B, C} and {A, C}
    assert totals.partnerships == len({tuple(sorted((p.provider_id, p.recipient_id)))
                                       for p in queries.by_pair(filters)})


def test_the_command_and_the_job_build_it(app, ctx, world):
    result = app.test_cli_runner().invoke(args=["sem", "reports", "rollup"])
    assert result.exit_code == 0, result.output
    assert "Built the rollup of the months before" in result.output
    assert rollup.usable() is not None
    _settle(world, 3, world.c, world.d, NOW - timedelta(days=120))
    db.session.commit()
    assert rollup.usable() is None
    result = app.test_cli_runner().invoke(args=["sem", "run-job", "reports"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert rollup.usable() is not None


def test_the_dashboard_really_reads_the_rollup_unless_told_not_to(app, ctx, world):
    """A rollup changed by hand shows on the dashboard (it is what is read), and no longer
    once REPORTS_ROLLUP is off."""
    rollup.build(NOW)
    changed = db.session.execute(sa.update(RollupHours).where(RollupHours.value == "*", RollupHours.grouping == 1)
                                 .values(minutes=RollupHours.minutes + 1000)).rowcount
    db.session.commit()
    assert changed == 5  # March: A → B; April: C → B, B → A, A → C (reversed: 0); May: C → A
    filters = ReportFilters(date(2026, 1, 1), queries.month_of(NOW))
    assert sum(m.minutes for m in queries.period_totals(filters).months) == 375 + changed * 1000
    app.config["REPORTS_ROLLUP"] = False
    try:
        assert sum(m.minutes for m in queries.period_totals(filters).months) == 375
    finally:
        app.config["REPORTS_ROLLUP"] = True
