"""Declarative base, naming convention and the column types every area shares."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints let Alembic alter tables on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone; this makes both backends return the same aware values.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def enum_column(enum_cls, **kwargs):
    """A portable enum column: stored as its value in a VARCHAR, checked by a constraint."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        **kwargs,
    )


def render_item(type_, obj, autogen_context):
    """Alembic renders our column types as plain SQLAlchemy ones, so migrations never
    import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# Structures that are not models: SQLite's FTS5 table (and its shadow tables), the ledger
# guard, the directory's and the report profiles' version counters, PostgreSQL's generated tsvector column and its
# index. Migrations create them; autogenerate must leave them be.
UNMODELLED = {"table": ("search_fts", "ledger_guard", "directory_version", "report_profile_version"),
              "index": ("ix_search_document_fts",),
              "column": ("fts",)}


def include_object(obj, name, type_, reflected, compare_to):
    if reflected and compare_to is None and name and name.startswith(UNMODELLED.get(type_, ())):
        return False
    return True
