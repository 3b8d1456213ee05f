"""Report figures against values computed by hand on the small network of conftest.py."""

from datetime import date

import pytest

from sem.extensions import db
from sem.members.models import Organisation, Stage
from sem.reports import aggregate, queries, tables
from sem.reports.queries import ReportFilters

PERIOD = ReportFilters(month_from=date(2026, 3, 1), month_to=date(2026, 5, 1))


def period(**kwargs) -> ReportFilters:
    return ReportFilters(month_from=PERIOD.month_from, month_to=PERIOD.month_to, **kwargs)


def test_hours_per_month_leave_out_the_corrected_exchange(ctx, world):
    months = queries.by_month(PERIOD)
    assert [(m.month, m.minutes, m.exchanges, m.fund_minutes) for m in months] == [
        (date(2026, 3, 1), 120, 1, 60),  # tx1, the fund paid one hour of it
        (date(2026, 4, 1), 150, 2, 0),  # tx2 + tx3; tx4 and its correction cancel out
        (date(2026, 5, 1), 45, 1, 0),  # tx5
    ]


def test_dashboard_headline_figures(ctx, world):
    report = tables.dashboard(PERIOD)
    f = report.figures
    assert (f.minutes, f.exchanges, f.partnerships) == (315, 4, 3)  # {A,B} {B,C} {A,C}
    assert f.emerging_minutes == 210  # B received 2 h + 1.5 h
    assert f.cross_sector_minutes == 270  # all but C → A (both social action)
    assert f.cross_sector_share == pytest.approx(270 / 315)
    assert f.fund_minutes == 60
    assert (f.givers_and_receivers, f.active_members, f.members) == (2, 3, 4)  # A and B give and receive
    assert report.fund_balance == 30  # 1 h granted, 1 h paid, 0.5 h given


def test_stages_sectors_communes_and_reciprocity(ctx, world):
    t = tables.dashboard(PERIOD).tables
    stages = {(row[0], row[1]): (row[2], row[3]) for row in t["stages"].rows}
    assert [value for value in stages.values()] == [(45, 1), (210, 2), (60, 1), (0, 0)]
    assert {row[0]: (row[1], row[2]) for row in t["sectors"].rows} == {
        "Action sociale": (255, 105), "Culture et arts": (60, 210)}
    assert t["communes"].rows == [["ixelles", 2, 255, 105], ["schaerbeek", 1, 60, 210]]
    assert [row[1] for row in t["reciprocity"].rows] == [2, 1, 0, 1]  # both, gives, receives, neither


def test_balance_spread_and_fund_use(ctx, world):
    t = tables.dashboard(PERIOD).tables
    # Today: A 0.75 h, B -1.5 h, C 1.25 h, D 0 (no account).
    counts = [row[1] for row in t["balances"].rows]
    assert counts == [0, 0, 0, 1, 1, 2, 0, 0, 0, 0]
    assert t["fund"].rows == [[date(2026, 3, 1), 0, 60, 60], [date(2026, 4, 1), 0, 0, 0],
                              [date(2026, 5, 1), 30, 0, 0]]


def test_needs_met_unmet_and_time_to_first_proposal(ctx, world):
    rows, total = queries.needs_by_competence(PERIOD)
    rows = queries.with_need_labels(rows)
    assert (total.posted, total.met, total.unmet, total.proposed, total.median_days) == (2, 1, 1, 1, 2.5)
    assert [(r.posted, r.met, r.unmet, r.median_days) for r in rows] == [(1, 0, 1, None), (1, 1, 0, 2.5)]


def test_competences_inactive_members_and_members_without_offers(ctx, world):
    t = tables.dashboard(PERIOD).tables
    assert [(row[2], row[3]) for row in t["competences"].rows] == [(120, 1), (105, 2), (90, 1)]
    assert [row[0] for row in t["inactive"].rows] == ["Bravo", "Delta"]  # A and C exchanged ten days ago
    assert [row[0] for row in t["no_offer"].rows] == ["Bravo", "Delta"]


def test_sector_public_and_commune_filters(ctx, world):
    culture = tables.dashboard(period(sector_id=world.culture))
    assert (culture.figures.minutes, culture.figures.exchanges, culture.figures.partnerships) == (270, 3, 2)
    assert culture.figures.members == 2  # B and D
    children = tables.dashboard(period(public_id=world.children))  # C only
    assert (children.figures.minutes, children.figures.exchanges) == (135, 2)
    forest = tables.dashboard(period(commune="forest"))
    assert (forest.figures.minutes, forest.figures.members) == (0, 1)
    assert [row[0] for row in forest.tables["no_offer"].rows] == ["Delta"]


def test_organisation_report(ctx, world):
    report, t = tables.organisation_tables(db.session.get(Organisation, world.a), PERIOD)
    assert (report.given, report.received, report.exchanges) == (120, 105, 3)
    assert [(p.name, p.given, p.received, p.exchanges) for p in report.partners] == [
        ("Bravo", 120, 60, 2), ("Charlie", 0, 45, 1)]  # tx4 and its correction: +1 -1
    assert [(m.month, m.given, m.received) for m in report.months] == [
        (date(2026, 3, 1), 120, 0), (date(2026, 4, 1), 0, 60), (date(2026, 5, 1), 0, 45)]
    assert {row[0]: (row[2], row[3]) for row in t["competences"].rows}["Traduction écrite"] == (0, 105)


def test_the_table_follows_the_ledger_and_equals_a_rebuild(ctx, world):
    assert aggregate.check().ok
    before = sorted(aggregate.recompute().items())
    rows = aggregate.rebuild()
    assert rows == len(before)
    assert aggregate.check().ok
    assert sorted(aggregate.recompute().items()) == before


def test_check_reports_a_difference(ctx, world):
    import sqlalchemy as sa

    from sem.reports.models import MonthlyHours

    db.session.execute(sa.update(MonthlyHours).where(MonthlyHours.month == date(2026, 3, 1),
                                                     MonthlyHours.kind == "exchange").values(minutes=1))
    report = aggregate.check()
    assert not report.ok and "2026, 3, 1" in report.differences[0]


def test_public_summary_counts_the_last_twelve_months(ctx, world):
    summary = tables.public_summary()
    assert len(summary.months.rows) == 12
    assert summary.figures.minutes == sum(row[1] for row in summary.months.rows)


def test_stage_labels_cover_every_pair(ctx, world):
    rows = tables.dashboard(PERIOD).tables["stages"].rows
    assert len(rows) == len(Stage) ** 2


def test_cached_figures_follow_a_new_transaction_and_a_new_stage(app, ctx, world):
    from sem.ledger import services as ledger
    from sem.reports import cache
    from tests.reports.conftest import at

    cache.clear()
    assert tables.dashboard(PERIOD).figures.minutes == 315
    assert tables.dashboard(PERIOD).figures.minutes == 315  # from the cache
    a, b = db.session.get(Organisation, world.a), db.session.get(Organisation, world.b)
    ledger.settle_exchange(provider=b, recipient=a, minutes=15, idempotency_key="late", author=None,
                           occurred_on=at("2026-05-20"), now=at("2026-05-20"))
    assert tables.dashboard(PERIOD).figures.minutes == 330
    a.stage = Stage.EMERGING
    db.session.flush()
    assert tables.dashboard(PERIOD).figures.emerging_minutes == 330  # A and B, the only recipients, are emerging
    saved, app.config["REPORTS_CACHE_SECONDS"] = app.config["REPORTS_CACHE_SECONDS"], 0
    try:
        assert tables.dashboard(PERIOD).figures.minutes == 330
    finally:
        app.config["REPORTS_CACHE_SECONDS"] = saved


def test_the_period_pass_agrees_with_the_separate_queries(ctx, world):
    """The one-statement figures against the per-figure queries, on the fixture's period and
    on the last twelve months (where the pass also tells who is inactive and the partnerships
    come from the pairs' first and last months)."""
    from sem.reports.models import PairMonths

    for filters in (PERIOD, ReportFilters.default(), period(sector_id=world.culture)):
        totals = queries.period_totals(filters, since=queries.inactive_since_within(filters))
        assert totals.months == queries.by_month(filters)
        assert sorted(totals.competences) == sorted(queries.by_competence(filters))
        pairs = {(min(p.provider_id, p.recipient_id), max(p.provider_id, p.recipient_id))
                 for p in queries.by_pair(filters)}
        assert totals.partnerships == len(pairs)
    last_year = queries.period_totals(ReportFilters.default(), since=queries.inactive_since())
    assert last_year.recently_active == {world.a, world.c}  # tx6, ten days ago
    members = queries.members(ReportFilters.default())
    assert [m.name for m in queries.inactive_members(members, active=last_year.recently_active)] == [
        m.name for m in queries.inactive_members(members)] == ["Bravo", "Delta"]
    # tx4 (A → C, April) was reversed: the pair {A, C} stands from April (tx5 is C → A in May).
    pair = db.session.get(PairMonths, (min(world.a, world.c), max(world.a, world.c)))
    assert (pair.first_month, pair.last_month) == (date(2026, 5, 1), queries.month_of(queries.utcnow()))
    assert aggregate.check().ok


def test_a_reversed_exchange_moves_its_pair_back(ctx, world):
    """The pairs' months follow corrections: reversing the last exchange of a pair brings its
    last month back to the one before (and removes the pair when nothing stands)."""
    import sqlalchemy as sa

    from sem.ledger import services as ledger
    from sem.ledger.models import LedgerTransaction, TransactionKind
    from sem.members.models import Person
    from sem.reports.models import PairMonths

    coordinator = db.session.get(Person, world.coordinator)
    key = (min(world.a, world.c), max(world.a, world.c))
    tx6 = db.session.scalars(sa.select(LedgerTransaction).where(
        LedgerTransaction.kind == TransactionKind.EXCHANGE, LedgerTransaction.provider_id == world.a,
        LedgerTransaction.recipient_id == world.c)
        .order_by(LedgerTransaction.id.desc())).first()
    ledger.reverse(tx6, actor=coordinator, reason="wrong month")
    pair = db.session.get(PairMonths, key)
    db.session.refresh(pair)
    assert (pair.first_month, pair.last_month) == (date(2026, 5, 1), date(2026, 5, 1))
    # Nobody exchanged in the last three months now, by the pairs and by the period's pass.
    members = queries.members(ReportFilters.default())
    recent = queries.period_totals(ReportFilters.default(), since=queries.inactive_since()).recently_active
    assert recent == set()
    assert [m.name for m in queries.inactive_members(members)] == [
        m.name for m in queries.inactive_members(members, active=recent)] == ["Alpha", "Bravo", "Charlie", "Delta"]
    tx5 = db.session.scalars(sa.select(LedgerTransaction).where(
        LedgerTransaction.kind == TransactionKind.EXCHANGE, LedgerTransaction.provider_id == world.c,
        LedgerTransaction.recipient_id == world.a)).one()
    ledger.reverse(tx5, actor=coordinator, reason="never happened")
    assert db.session.execute(sa.select(PairMonths.first_month).where(
        PairMonths.low_id == key[0], PairMonths.high_id == key[1])).first() is None
    assert aggregate.check().ok


def test_a_pairs_months_follow_every_settlement_even_when_its_upsert_is_skipped(ctx, world):
    """A pair's upsert is skipped when the month already stood for it (and written only when
    its months widen): its months still follow repeats, earlier and later months, and a
    correction followed by a new exchange in the corrected month."""
    import sqlalchemy as sa

    from sem.ledger import services as ledger
    from sem.members.models import Person
    from sem.reports.models import PairMonths
    from tests.reports.conftest import _competence, at

    b, d = db.session.get(Organisation, world.b), db.session.get(Organisation, world.d)
    coordinator = db.session.get(Person, world.coordinator)
    key = (min(world.b, world.d), max(world.b, world.d))

    def settle(n, provider, recipient, day, code="it-network"):
        return ledger.settle_exchange(provider=provider, recipient=recipient, minutes=15, idempotency_key=f"pair:{n}",
                                      author=None, competence_id=_competence(code), occurred_on=at(day),
                                      now=at(day))

    def months():
        assert aggregate.check().ok
        return db.session.execute(sa.select(PairMonths.first_month, PairMonths.last_month).where(
            PairMonths.low_id == key[0], PairMonths.high_id == key[1])).one()

    settle(1, d, b, "2026-05-04")
    assert months() == (date(2026, 5, 1), date(2026, 5, 1))
    settle(2, d, b, "2026-05-20")  # the same month's row again: nothing to write
    assert months() == (date(2026, 5, 1), date(2026, 5, 1))
    settle(3, b, d, "2026-03-15")  # an earlier month, the other way round
    assert months() == (date(2026, 3, 1), date(2026, 5, 1))
    june = settle(4, d, b, "2026-06-02", "tr-written")
    assert months() == (date(2026, 3, 1), date(2026, 6, 1))
    ledger.reverse(june, actor=coordinator, reason="wrong month")
    assert months() == (date(2026, 3, 1), date(2026, 5, 1))
    settle(5, d, b, "2026-06-09", "tr-written")  # the corrected row stands again (count 0 → 1)
    assert months() == (date(2026, 3, 1), date(2026, 6, 1))


def test_figures_hold_when_organisation_ids_have_gaps(ctx, world):
    """Ids without an organisation (a rolled-back insert leaves one) are in no stage pair
    and change no figure; the new member only counts as a member that exchanged nothing."""
    import sqlalchemy as sa

    from sem.members.models import OrgStatus

    last = db.session.scalar(sa.select(sa.func.max(Organisation.id)))
    db.session.execute(sa.insert(Organisation).values(
        id=last + 10, name="Echo", legal_form="asbl", stage=Stage.EMERGING, status=OrgStatus.APPROVED,
        commune="uccle", website="", description="", contact_email="echo@example.org", decision_reason=""))
    db.session.flush()
    report = tables.dashboard(PERIOD)
    f = report.figures
    assert (f.minutes, f.exchanges, f.partnerships, f.emerging_minutes, f.cross_sector_minutes) == (315, 4, 3, 210, 270)
    assert (f.givers_and_receivers, f.active_members, f.members) == (2, 3, 5)
    stages = [(row[2], row[3]) for row in report.tables["stages"].rows]
    assert stages == [(45, 1), (210, 2), (60, 1), (0, 0)]
    assert [row[1] for row in report.tables["reciprocity"].rows] == [2, 1, 0, 2]


def test_median_days_to_a_first_proposal_in_the_database(ctx, world):
    """Medians of an even and an odd number of needs, over every competence and by
    competence, as statistics.median gives them (only each need's first proposal counts)."""
    import statistics
    from datetime import timedelta

    import sqlalchemy as sa

    from sem.exchanges.models import Proposal, ProposalOrigin, ProposalStatus
    from sem.market.models import Need, Offer
    from tests.reports.conftest import _competence, at

    offers = db.session.scalars(sa.select(Offer.id).order_by(Offer.id)).all()[:2]
    waits = {"it-network": [1, 2, 4, 10.5], "gdpr-compliance": [5, 0.25, 3.5]}
    for code, days in waits.items():
        for n, wait in enumerate(days):
            need = Need(organisation_id=world.d, competence_id=_competence(code), title=f"{code} {n}",
                        languages=["fr"], estimated_minutes=60, created_at=at("2026-05-02", 8),
                        expires_at=at("2026-08-01"))
            db.session.add(need)
            db.session.flush()
            for offer, later in zip(offers, (0, 3), strict=True):  # a second, later proposal changes nothing
                db.session.add(Proposal(need_id=need.id, offer_id=offer, origin=ProposalOrigin.PROVIDER,
                                        status=ProposalStatus.DECLINED,
                                        created_at=at("2026-05-02", 8) + timedelta(days=wait + later)))
    db.session.flush()
    rows, total = queries.needs_by_competence(period())
    by_code = {row.competence_id: row for row in rows}
    # The fixture's met need (2.5 days, it-network) joins the it-network ones.
    it_network = by_code[_competence("it-network")]
    assert it_network.median_days == round(statistics.median([1, 2, 4, 10.5, 2.5]), 1) == 2.5
    assert (it_network.posted, it_network.proposed) == (5, 5)
    assert by_code[_competence("gdpr-compliance")].median_days == 3.5
    assert total.median_days == statistics.median([1, 2, 4, 10.5, 2.5, 5, 0.25, 3.5]) == 3.0
    assert (total.posted, total.proposed) == (9, 8)  # and the fixture's unmet need, without a proposal
