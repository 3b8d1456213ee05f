"""ledger allowance index: (recipient, kind, created_at) on ledger transactions

Every settlement to an emerging organisation reads the solidarity allowance it used this
year: with this index only that organisation's exchanges of the year are read, never the
fund's whole year. It also serves every query by recipient, so it replaces the index on
`recipient_id` alone.

Revision ID: c429e0ee1082
Revises: 257507a0aa26
Create Date: 2026-11-25 03:27:28.740646

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c429e0ee1082'
down_revision = "257507a0aa26"
branch_labels = None
depends_on = None


def upgrade():
    # Plain index operations (no batch): the table is never copied, its triggers stay.
    op.create_index('ix_ledger_transaction_allowance', 'ledger_transaction', ['recipient_id', 'kind', 'created_at'],
                    unique=False)
    op.drop_index('ix_ledger_transaction_recipient_id', table_name='ledger_transaction')


def downgrade():
    op.create_index('ix_ledger_transaction_recipient_id', 'ledger_transaction', ['recipient_id'], unique=False)
    op.drop_index('ix_ledger_transaction_allowance', table_name='ledger_transaction')
