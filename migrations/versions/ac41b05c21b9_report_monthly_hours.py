"""report monthly hours: the reports' pre-aggregated table, filled from the existing ledger

Revision ID: ac41b05c21b9
Revises: 5099cddb827b
Create Date: 2026-11-25 02:18:30.998158

"""
from collections import defaultdict
from datetime import timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ac41b05c21b9'
down_revision = "5099cddb827b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_monthly_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('fund_minutes', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_monthly_hours')),
    sa.UniqueConstraint('month', 'kind', 'provider_id', 'recipient_id', 'competence_id', name='uq_report_monthly_hours_key')
    )
    with op.batch_alter_table('report_monthly_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_monthly_hours_month'), ['month'], unique=False)
        batch_op.create_index('ix_report_monthly_hours_provider_month', ['provider_id', 'month'], unique=False)
        batch_op.create_index('ix_report_monthly_hours_recipient_month', ['recipient_id', 'month'], unique=False)

    _backfill()


def _backfill():
    """The same figures as sem.reports.aggregate.recompute, without importing the application."""
    brussels = ZoneInfo("Europe/Brussels")
    rows = op.get_bind().execute(sa.text(
        "SELECT t.kind, t.occurred_on AS t_occurred_on, t.provider_id, t.recipient_id, t.competence_id, t.minutes, "
        "COALESCE(e.amount_minutes, 0), o.kind AS o_kind, o.occurred_on AS o_occurred_on, o.provider_id, o.recipient_id, o.competence_id "
        "FROM ledger_transaction t LEFT JOIN ledger_transaction o ON o.id = t.reverses_id "
        "LEFT JOIN ledger_entry e ON e.transaction_id = t.id AND e.account_id = "
        "(SELECT id FROM ledger_account WHERE kind = 'solidarity' AND organisation_id IS NULL)"
    ).columns(t_occurred_on=sa.DateTime(timezone=True), o_occurred_on=sa.DateTime(timezone=True)))
    totals = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        kind, occurred, provider, recipient, competence, minutes, fund, *original = row
        sign = 1
        if kind == "correction":
            kind, occurred, provider, recipient, competence = original
            sign = -1
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=timezone.utc)
        month = occurred.astimezone(brussels).date().replace(day=1)
        total = totals[(month, kind, provider or 0, recipient or 0, competence or 0)]
        total[0] += sign * minutes
        total[1] += sign
        total[2] += -fund if kind == "exchange" else 0
    table = sa.table("report_monthly_hours", *(sa.column(name) for name in (
        "month", "kind", "provider_id", "recipient_id", "competence_id", "minutes", "count", "fund_minutes")))
    values = [dict(month=key[0], kind=key[1], provider_id=key[2], recipient_id=key[3], competence_id=key[4],
                   minutes=total[0], count=total[1], fund_minutes=total[2]) for key, total in sorted(totals.items())]
    if values:
        op.bulk_insert(table, values)


def downgrade():
    with op.batch_alter_table('report_monthly_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_report_monthly_hours_recipient_month')
        batch_op.drop_index('ix_report_monthly_hours_provider_month')
        batch_op.drop_index(batch_op.f('ix_report_monthly_hours_month'))

    op.drop_table('report_monthly_hours')
