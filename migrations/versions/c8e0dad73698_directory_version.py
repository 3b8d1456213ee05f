"""directory version: a counter bumped by every change to what the directory shows

One row, `directory_version.n`, raised in the transaction of every insert, update or delete
on the directory's tables (sem/market/directory_cache.py: TABLES), by triggers. The
directory's page cache reads it on each request and only serves content made at that
version. Not a model (like ledger_guard): the tests' cleanup leaves its row alone.

PostgreSQL: a deferred constraint trigger per row, which raises the counter once per
transaction at commit (a transaction-local flag), so writers hold the counter's row lock
only for the instant of their commit, never while they take other locks; TRUNCATE raises it too.
SQLite: a plain trigger per row and operation (SQLite has one writer at a time).

Revision ID: c8e0dad73698
Revises: c429e0ee1082
Create Date: 2026-11-25 05:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c8e0dad73698'
down_revision = "c429e0ee1082"
branch_labels = None
depends_on = None

# As sem/market/directory_cache.py: TABLES (a migration never imports application code).
TABLES = ("organisation", "organisation_term", "organisation_language", "offer", "need", "competence",
          "competence_domain", "term", "search_document")


def upgrade():
    op.execute("CREATE TABLE directory_version (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")
    op.execute("INSERT INTO directory_version (id, n) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION directory_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF coalesce(current_setting('sem.directory_bumped', true), '') <> 'on' THEN
                    UPDATE directory_version SET n = n + 1 WHERE id = 1;
                    PERFORM set_config('sem.directory_bumped', 'on', true);
                END IF;
                RETURN NULL;
            END $$""")
        for table in TABLES:
            op.execute(f"CREATE CONSTRAINT TRIGGER {table}_directory_version AFTER INSERT OR UPDATE OR DELETE "
                       f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                       "EXECUTE FUNCTION directory_version_bump()")
            op.execute(f"CREATE TRIGGER {table}_directory_version_truncate AFTER TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION directory_version_bump()")
    else:
        for table in TABLES:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_directory_version_{operation.lower()} AFTER {operation} "
                           f"ON {table} BEGIN UPDATE directory_version SET n = n + 1 WHERE id = 1; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_directory_version ON {table}")
            op.execute(f"DROP TRIGGER {table}_directory_version_truncate ON {table}")
        op.execute("DROP FUNCTION directory_version_bump()")
    else:
        for table in TABLES:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_directory_version_{operation}")
    op.execute("DROP TABLE directory_version")
