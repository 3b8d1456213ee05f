"""report pair months: each pair of organisations that exchanged, with its first and last
month (filled from the monthly table); an index on the monthly table's kind and month

Revision ID: 257507a0aa26
Revises: ac41b05c21b9
Create Date: 2026-11-25 03:34:21.327315

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '257507a0aa26'
down_revision = 'ac41b05c21b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_pair_months',
    sa.Column('low_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('high_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('first_month', sa.Date(), nullable=False),
    sa.Column('last_month', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('low_id', 'high_id', name=op.f('pk_report_pair_months'))
    )
    with op.batch_alter_table('report_pair_months', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_pair_months_first_month'), ['first_month'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_pair_months_last_month'), ['last_month'], unique=False)

    with op.batch_alter_table('report_monthly_hours', schema=None) as batch_op:
        batch_op.create_index('ix_report_monthly_hours_kind_month', ['kind', 'month'], unique=False)

    _backfill()


def _backfill():
    """The same pairs as sem.reports.aggregate.pairs_of, from the monthly table (itself filled
    from the ledger): the months in which a pair's exchanges stand, either way."""
    op.execute(
        "INSERT INTO report_pair_months (low_id, high_id, first_month, last_month) "
        "SELECT low_id, high_id, MIN(month), MAX(month) FROM ("
        " SELECT CASE WHEN provider_id < recipient_id THEN provider_id ELSE recipient_id END AS low_id,"
        " CASE WHEN provider_id < recipient_id THEN recipient_id ELSE provider_id END AS high_id, month"
        " FROM report_monthly_hours WHERE kind = 'exchange' AND provider_id > 0 AND recipient_id > 0 AND count > 0"
        ") AS active GROUP BY low_id, high_id")


def downgrade():
    with op.batch_alter_table('report_monthly_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_report_monthly_hours_kind_month')

    with op.batch_alter_table('report_pair_months', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_pair_months_last_month'))
        batch_op.drop_index(batch_op.f('ix_report_pair_months_first_month'))

    op.drop_table('report_pair_months')
