"""The full export and import: an exact round trip through an empty database."""

import datetime as dt
import decimal
import enum
import json

import sqlalchemy as sa

from sem.extensions import db
from sem.ledger.services import verify
from sem.market.search import SearchDocument
from sem.members.models import AuditEvent
from sem.reports import aggregate, backup
from tests.conftest import _empty_database


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["sem", *args])
    return result


def test_export_import_export_gives_identical_files(app, world, make, tmp_path):
    with app.app_context():
        # A JSON column with nested values, to check it comes back as it went.
        db.session.add(AuditEvent(action="test.json", details={"b": [1, 2.5, None], "a": {"é": True}}))
        db.session.commit()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert run(app, "export", str(first)).exit_code == 0
    with app.app_context():
        _empty_database()
    result = run(app, "import", str(first))
    assert result.exit_code == 0, result.output
    assert run(app, "export", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    with app.app_context():
        assert verify().ok
        assert aggregate.check().ok and aggregate.check().rows > 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchDocument)) > 0  # reindexed
        from sem.reports import rollup

        assert "Built the rollup" in result.output and rollup.usable() is not None  # the derived tables too
    assert not any(name.startswith("report_rollup") for name in first.read_text(encoding="utf-8").split('"'))
    # Sequences moved past the imported ids: new rows get fresh ids.
    make.org("Echo")


def test_export_is_json_lines_with_typed_values(app, world, tmp_path):
    path = tmp_path / "export.jsonl"
    run(app, "export", str(path))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["format"] == "sem-export" and lines[0]["revision"]
    assert lines[-1]["end"] is True and lines[-1]["rows"] == sum(isinstance(line, list) for line in lines)
    names = [line["table"] for line in lines if isinstance(line, dict) and "table" in line]
    assert "search_document" not in names and "report_monthly_hours" not in names  # derived: rebuilt
    assert names.index("organisation") < names.index("ledger_account") < names.index("ledger_entry")
    start = names and next(i for i, line in enumerate(lines) if isinstance(line, dict)
                           and line.get("table") == "ledger_transaction")
    header, first = lines[start]["columns"], lines[start + 1]
    assert first[header.index("created_at")].endswith("+00:00")
    assert first[header.index("kind")] == "grant"


def test_import_refuses_a_database_that_is_not_empty(app, world, tmp_path):
    path = tmp_path / "export.jsonl"
    run(app, "export", str(path))
    result = run(app, "import", str(path))
    assert result.exit_code == 1 and "not empty" in result.output


def test_import_of_a_truncated_file_writes_nothing(app, world, tmp_path):
    path = tmp_path / "export.jsonl"
    run(app, "export", str(path))
    truncated = tmp_path / "truncated.jsonl"
    truncated.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")
    with app.app_context():
        _empty_database()
    result = run(app, "import", str(truncated))
    assert result.exit_code == 1 and "incomplete" in result.output
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM organisation")) == 0


def test_import_refuses_another_schema_revision(app, tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps({"format": "sem-export", "version": 1, "revision": "0000"}) + "\n", encoding="utf-8")
    result = run(app, "import", str(path))
    assert result.exit_code == 1 and "revision 0000" in result.output


class Colour(enum.Enum):
    RED = "red"


def test_every_column_type_round_trips():
    columns = {
        "stamp": (sa.Column("stamp", sa.DateTime(timezone=True)), dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)),
        "day": (sa.Column("day", sa.Date), dt.date(2026, 3, 1)),
        "hour": (sa.Column("hour", sa.Time), dt.time(9, 30)),
        "blob": (sa.Column("blob", sa.LargeBinary), b"\x00\xffsem"),
        "amount": (sa.Column("amount", sa.Numeric(10, 2)), decimal.Decimal("12.50")),
        "colour": (sa.Column("colour", sa.Enum(Colour)), Colour.RED),
        "delay": (sa.Column("delay", sa.Interval), dt.timedelta(hours=2)),
    }
    for column, value in columns.values():
        encoded = backup._encoder(column)(value)
        assert json.loads(json.dumps(encoded)) == encoded  # plain JSON
        assert backup._decoder(column)(encoded) == value
    assert backup._encoder(sa.Column("n", sa.Integer)) is None and backup._encoder(sa.Column("j", sa.JSON)) is None
