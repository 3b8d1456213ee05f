"""stored tsvector for PostgreSQL search

Revision ID: 53d5e031561a
Revises: 5b1c466edb7f
Create Date: 2026-11-25 00:41:59.261588

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '53d5e031561a'
down_revision = '5b1c466edb7f'
branch_labels = None
depends_on = None


def upgrade():
    # PostgreSQL only: rank and match on a stored tsvector instead of recomputing it per row.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_document_fts")
    op.execute("ALTER TABLE search_document ADD COLUMN fts tsvector "
               "GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED")
    op.execute("CREATE INDEX ix_search_document_fts ON search_document USING gin (fts)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_document_fts")
    op.execute("ALTER TABLE search_document DROP COLUMN fts")
    op.execute("CREATE INDEX ix_search_document_fts ON search_document USING gin (to_tsvector('simple', terms))")
