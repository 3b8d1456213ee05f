"""The tables the reports own: hours per month, pre-aggregated from the ledger, and the
pairs of organisations that exchanged with their first and last month.

Derived data: `sem.reports.aggregate.record` keeps them up to date in the same database
transaction as every ledger transaction (called by `ledger.services.post_transaction`), and
`rebuild` recomputes them from the ledger. A correction is folded into the kind of what it
reverses, with negative minutes and count, on the original provider → recipient orientation:
summing a group gives what stands. Fund movements have no organisation on one side: 0 stands
for "no organisation" (so the key has no NULLs and can be upserted on both backends).
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sem.core.db import UTCDateTime
from sem.extensions import db


class MonthlyHours(db.Model):
    __tablename__ = "report_monthly_hours"
    __table_args__ = (
        sa.UniqueConstraint("month", "kind", "provider_id", "recipient_id", "competence_id",
                            name="uq_report_monthly_hours_key"),
        sa.Index("ix_report_monthly_hours_provider_month", "provider_id", "month"),
        sa.Index("ix_report_monthly_hours_recipient_month", "recipient_id", "month"),
        sa.Index("ix_report_monthly_hours_kind_month", "kind", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The first day of the month (Europe/Brussels) the hours were given (the transaction's occurred_on).
    month: Mapped[date] = mapped_column(sa.Date, index=True)
    # The ledger's transaction kind ("exchange", "donation", "grant", "import"), never "correction".
    kind: Mapped[str] = mapped_column(sa.String(20))
    provider_id: Mapped[int] = mapped_column(default=0)  # 0: no organisation (fund, network)
    recipient_id: Mapped[int] = mapped_column(default=0)
    competence_id: Mapped[int] = mapped_column(default=0)  # 0: none
    minutes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    count: Mapped[int] = mapped_column(default=0)  # transactions (corrections count -1)
    # The part the solidarity fund paid for the recipient (exchanges of emerging members).
    fund_minutes: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class PairMonths(db.Model):
    """Every pair of organisations that exchanged (whichever way, `low_id` < `high_id`) with
    the first and last month of their exchanges that stand (corrected ones left out).

    Derived data, kept by `sem.reports.aggregate.record` with the monthly table: a period
    that ends after the last month of the table has as many partnerships as pairs whose last
    month falls in it, one index range instead of summing every pair's months."""

    __tablename__ = "report_pair_months"

    low_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    high_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, index=True)
    first_month: Mapped[date] = mapped_column(sa.Date, index=True)
    last_month: Mapped[date] = mapped_column(sa.Date, index=True)


class RollupState(db.Model):
    """One row (id 1) describing the rollup of closed months (`sem.reports.rollup`): which
    months it holds, what it was computed from, and a counter that every change to those
    months raises, so that a rollup that no longer matches is never read. No row: never built."""

    __tablename__ = "report_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Raised in the transaction of every ledger transaction that changes a month before last
    # month (a late declaration, a correction of an old exchange) and by every rebuild of the
    # monthly table.
    past_version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    built_version: Mapped[int | None] = mapped_column(sa.BigInteger)  # past_version when built; None: not built
    boundary: Mapped[date | None] = mapped_column(sa.Date)  # the months before it are in the rollup
    # `report_profile_version.n` when built: raised by triggers whenever an organisation's
    # stage, commune or vocabulary links change (the classes and filters depend on them).
    profile_version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RollupHours(db.Model):
    """Exchange hours of the closed months, summed by month and competence (`grouping` 0) and
    by month and stage class (`grouping` 1, `cls` as in `sem.reports.queries.stage_pair`, NULL
    when a side is no organisation), for every exchange (`value` "*") and for the exchanges
    touching each sector or public ("t" + term id) and each commune ("c" + commune)."""

    __tablename__ = "report_rollup_hours"
    __table_args__ = (sa.Index("ix_report_rollup_hours_value_month", "value", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(120))
    month: Mapped[date] = mapped_column(sa.Date)
    grouping: Mapped[int] = mapped_column(sa.SmallInteger)
    competence_id: Mapped[int | None] = mapped_column()
    cls: Mapped[int | None] = mapped_column()
    minutes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    count: Mapped[int] = mapped_column(default=0)
    fund_minutes: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RollupOrganisation(db.Model):
    """Each organisation's exchange hours given and received from its first month to `month`
    included (running totals, one row per month of the rollup from its first): the hours of
    any run of closed months are the difference of two rows."""

    __tablename__ = "report_rollup_organisation"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    given_minutes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    given_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    received_minutes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    received_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RollupPairs(db.Model):
    """The closed months' partnerships: how many pairs of organisations exchanged in `month`
    whose previous month of exchanges was `previous_month` (NULL: none before), for every
    pair (`value` "*") and for the pairs touching each sector, public or commune (as in
    `RollupHours`). The pairs of a run of closed months are those of its months whose previous
    month lies before the run."""

    __tablename__ = "report_rollup_pairs"
    __table_args__ = (sa.Index("ix_report_rollup_pairs_value_month", "value", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(120))
    month: Mapped[date] = mapped_column(sa.Date)
    previous_month: Mapped[date | None] = mapped_column(sa.Date)
    pairs: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RollupPairLastMonth(db.Model):
    """Each pair of organisations' last month of exchanges among the rollup's months: a pair
    of the months after them counts in a period that reaches back into them only when it had
    not exchanged since the period began."""

    __tablename__ = "report_rollup_pair_last_month"

    low_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    high_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_month: Mapped[date] = mapped_column(sa.Date)
