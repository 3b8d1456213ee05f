"""The migrations build the schema the models describe, on the backend under test."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sem.core.db import include_object, render_item
from sem.extensions import db


def test_migrated_schema_matches_the_models(app):
    # The session database was built by `flask db upgrade` (see conftest), not create_all.
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_item": render_item,
                                                         "include_object": include_object})
        assert compare_metadata(context, db.metadata) == []
