"""The tables the reports own: hours per month, pre-aggregated from the ledger, and the
pairs of organisations that exchanged with their first and last month.

Derived data: `sem.reports.aggregate.record` keeps them up to date in the same database
transaction as every ledger transaction (called by `ledger.services.post_transaction`), and
`rebuild` recomputes them from the ledger. A correction is folded into the kind of what it
reverses, with negative minutes and count, on the original provider → recipient orientation:
summing a group gives what stands. Fund movements have no organisation on one side: 0 stands
for "no organisation" (so the key has no NULLs and can be upserted on both backends).
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

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
    high_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first_month: Mapped[date] = mapped_column(sa.Date, index=True)
    last_month: Mapped[date] = mapped_column(sa.Date, index=True)
