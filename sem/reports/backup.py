"""A full data export and its import into an empty database: the logical backup.

Generic over `db.metadata.sorted_tables` (every area's tables, present and future), in
dependency order, each table's rows ordered by primary key, each value encoded by its
column's type so that it reads back identical: export → import → export gives the same
bytes. The file is JSON Lines (UTF-8):

    {"format": "sem-export", "version": 1, "revision": "<alembic revision>"}
    {"table": "organisation", "columns": ["id", "name", ...]}
    [1, "Alter Égo", ...]                       one array per row
    ...
    {"end": true, "tables": 31, "rows": 123456}

Encodings: datetimes as ISO 8601 with their offset (always UTC), dates and times as ISO,
enums as their stored value, bytes as base64, decimals as strings, JSON columns as JSON.
Derived tables are left out and rebuilt after an import: the directory's search index
(`search_document`) and the reports' monthly figures (`report_monthly_hours`, `report_pair_months`).
"""

import base64
import datetime as dt
import decimal
import enum
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import sqlalchemy as sa

from sem.extensions import db

FORMAT, VERSION = "sem-export", 1
DERIVED = ("search_document", "report_monthly_hours", "report_pair_months", "report_rollup_state",
           "report_rollup_hours", "report_rollup_pairs", "report_rollup_pair_last_month",
           "report_rollup_organisation")
BATCH = 5000


class BackupError(Exception):
    """The file or the target database does not allow the import; nothing was written."""


def tables() -> list[sa.Table]:
    return [table for table in db.metadata.sorted_tables if table.name not in DERIVED]


def _python_type(column: sa.Column):
    """The Python type a column's values have (a TypeDecorator's own, else its storage type's)."""
    for type_ in (column.type, getattr(column.type, "impl_instance", None)):
        try:
            kind = type_.python_type if type_ is not None else None
        except NotImplementedError:
            continue
        if kind is not object:  # what a TypeDecorator without its own says
            return kind
    return None


def _encoder(column: sa.Column):
    kind = _python_type(column)
    if kind is dt.datetime or kind is dt.date or kind is dt.time:
        return lambda v: v.isoformat()
    if kind is dt.timedelta:
        return lambda v: v.total_seconds()
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return lambda v: v.value if isinstance(v, enum.Enum) else v
    if kind is bytes:
        return lambda v: base64.b64encode(v).decode("ascii")
    if kind is decimal.Decimal:
        return str
    return None


def _decoder(column: sa.Column):
    kind = _python_type(column)
    if kind is dt.datetime:
        return dt.datetime.fromisoformat
    if kind is dt.date:
        return dt.date.fromisoformat
    if kind is dt.time:
        return dt.time.fromisoformat
    if kind is dt.timedelta:
        return lambda v: dt.timedelta(seconds=v)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind
    if kind is bytes:
        return base64.b64decode
    if kind is decimal.Decimal:
        return decimal.Decimal
    return None


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def revision() -> str | None:
    if not sa.inspect(db.session.connection()).has_table("alembic_version"):
        return None
    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))


def export_lines() -> Iterator[str]:
    """The export, one line at a time (streamed: constant memory whatever the size)."""
    yield _dumps({"format": FORMAT, "version": VERSION, "revision": revision()})
    total = count = 0
    for table in tables():
        columns = list(table.columns)
        encoders = [_encoder(c) for c in columns]
        yield _dumps({"table": table.name, "columns": [c.name for c in columns]})
        order = list(table.primary_key.columns) or columns
        rows = db.session.execute(sa.select(*columns).order_by(*order).execution_options(yield_per=BATCH))
        for row in rows:
            yield _dumps([e(v) if e is not None and v is not None else v for v, e in zip(row, encoders, strict=True)])
            total += 1
        count += 1
    yield _dumps({"end": True, "tables": count, "rows": total})


def export_database(stream: IO[str]) -> int:
    rows = 0
    for line in export_lines():
        stream.write(line)
        stream.write("\n")
        rows += 1
    return rows


@dataclass
class ImportResult:
    tables: int = 0
    rows: int = 0


def _check_empty() -> None:
    for table in db.metadata.sorted_tables:
        if db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            raise BackupError(f"the database is not empty (table {table.name} has rows): import into a new "
                              "database created with `flask db upgrade`")


def _self_references(table: sa.Table) -> dict[str, str]:
    """Columns that refer to the same table (column → referred column)."""
    return {fk.parent.name: fk.column.name for fk in table.foreign_keys if fk.column.table is table}


def import_database(stream: IO[str]) -> ImportResult:
    """Load an export into an empty database of the same schema revision. The caller commits
    (one transaction: all or nothing); derived tables are rebuilt by the caller."""
    header = json.loads(stream.readline() or "null")
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("this file is not a SEM export")
    if header.get("version") != VERSION:
        raise BackupError(f"unknown export version {header.get('version')!r}")
    if header.get("revision") != revision():
        raise BackupError(f"the export is of schema revision {header.get('revision')}, the database is at "
                          f"{revision()}: upgrade the database (or the export's source) first")
    _check_empty()
    known = {table.name: table for table in tables()}
    result = ImportResult()
    table = None
    pending: list[dict] = []
    fixups: list[tuple[sa.Table, str, dict, object]] = []
    seen: set = set()
    end = None

    def flush():
        if pending:
            db.session.execute(table.insert(), pending)
            pending.clear()

    for number, line in enumerate(stream, start=2):
        item = json.loads(line)
        if isinstance(item, dict):
            if table is not None:
                flush()
            if item.get("end"):
                end = item
                break
            table = known.get(item.get("table"))
            if table is None:
                raise BackupError(f"line {number}: table {item.get('table')!r} is not in this database's schema")
            names = item["columns"]
            columns = [table.c[name] for name in names if name in table.c]
            if len(columns) != len(names) or len(columns) != len(table.columns):
                raise BackupError(f"line {number}: the columns of {table.name} differ from this database's")
            decoders = [_decoder(c) for c in columns]
            references = _self_references(table)
            key = [c.name for c in table.primary_key.columns]
            seen = set()
            result.tables += 1
            continue
        if table is None or len(item) != len(names):
            raise BackupError(f"line {number}: a row outside a table or with the wrong number of values")
        row = {name: (d(v) if d and v is not None else v) for name, v, d in zip(names, item, decoders, strict=True)}
        # A row that refers to a later row of its own table gets the link once that row exists.
        for column, referred in references.items():
            if row[column] is not None and (referred not in key or row[column] not in seen):
                fixups.append((table, column, {k: row[k] for k in key}, row[column]))
                row[column] = None
        if len(key) == 1:
            seen.add(row[key[0]])
        pending.append(row)
        result.rows += 1
        if len(pending) >= BATCH:
            flush()
    if end is None:
        raise BackupError("the file ends before its last line: it is incomplete")
    if (end.get("tables"), end.get("rows")) != (result.tables, result.rows):
        raise BackupError("the file's totals do not match its content")
    for fix_table, column, key, value in fixups:
        db.session.execute(sa.update(fix_table).where(*(fix_table.c[k] == v for k, v in key.items()))
                           .values({column: value}))
    _reset_sequences()
    db.session.flush()
    return result


def _reset_sequences() -> None:
    """PostgreSQL: move each id sequence past the imported ids (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, sa.Integer):
            continue
        sequence = db.session.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                     {"t": table.name, "c": key[0].name})
        if sequence:
            db.session.execute(sa.text(f'SELECT setval(:s, COALESCE((SELECT MAX("{key[0].name}") FROM '  # noqa: S608
                                       f'"{table.name}"), 1), (SELECT MAX("{key[0].name}") FROM "{table.name}") '
                                       "IS NOT NULL)"), {"s": sequence})
