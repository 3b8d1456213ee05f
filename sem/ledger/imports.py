"""Past exchanges imported from a CSV file: a network moving from paper or another tool.

A coordinator first checks the file (a dry run that writes nothing) and sees, row by row,
what would be recorded and why the other rows are refused; then records it. Each row
becomes one IMPORT transaction from the recipient to the provider, dated the day the hours
were given. Rules:

- the provider and recipient are member organisations (approved or suspended: history of a
  suspended member is still history), named as in SEM or by their number;
- hours are whole quarter hours; the date is a real day, not in the future;
- the recipient's credit floor holds, row after row in date order, exactly as for a
  confirmation; history from before SEM does not use the solidarity allowance;
- every row has an idempotency key (its reference, or its content and rank among identical
  rows), so importing the same file twice records nothing the second time.
"""

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from sem.catalogue.models import Competence
from sem.core.amounts import check_quarter_hours
from sem.core.db import utcnow
from sem.core.errors import Conflict, DomainError
from sem.core.i18n import format_hours
from sem.extensions import db
from sem.ledger import services as ledger
from sem.ledger.models import LedgerTransaction, TransactionKind
from sem.members.models import Organisation, OrgStatus, Person
from sem.members.services import record_event

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
EARLIEST = date(1990, 1, 1)
MEMBERS = (OrgStatus.APPROVED, OrgStatus.SUSPENDED)

# Column names as people write them in English, French or Dutch (compared without accents).
COLUMNS = {
    "date": ("date", "datum", "jour", "day"),
    "provider": ("provider", "giver", "prestataire", "fournisseur", "donneur", "aanbieder", "gever", "verlener"),
    "recipient": ("recipient", "receiver", "beneficiaire", "receveur", "ontvanger", "begunstigde"),
    "hours": ("hours", "heures", "uren", "duree", "duur", "temps", "tijd"),
    "competence": ("competence", "competentie", "skill"),
    "note": ("note", "memo", "remarque", "description", "opmerking", "omschrijving", "beschrijving"),
    "reference": ("reference", "referentie", "ref", "id"),
}
REQUIRED_COLUMNS = ("date", "provider", "recipient", "hours")
EXAMPLE = ("date;provider;recipient;hours;competence;note;reference\r\n"
           "2025-03-14;Alter Ego ASBL;Potager du Coin;2,5;it-network;Installation du wifi;P-001\r\n")


def _plain(text: str) -> str:
    """Lower case, no accents, single spaces: how names and headers are compared."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    occurred_on: date | None = None
    provider: Organisation | None = None
    recipient: Organisation | None = None
    minutes: int | None = None
    competence: Competence | None = None
    key: str = ""
    problems: list = field(default_factory=list)
    already_imported: bool = False

    @property
    def to_record(self) -> bool:
        return not self.problems and not self.already_imported


@dataclass
class ImportPlan:
    rows: list[ImportRow]

    @property
    def to_record(self) -> list[ImportRow]:
        return [row for row in self.rows if row.to_record]

    @property
    def rejected(self) -> list[ImportRow]:
        return [row for row in self.rows if row.problems]

    @property
    def already_imported(self) -> list[ImportRow]:
        return [row for row in self.rows if row.already_imported and not row.problems]

    @property
    def minutes(self) -> int:
        return sum(row.minutes for row in self.to_record)


# --- reading the file --------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), else Windows-1252 (Excel's other habit)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (line number, {column: text}); DomainError if it cannot be read."""
    if not data or not data.strip():
        raise DomainError(_l("The file is empty."), field="file")
    if len(data) > MAX_BYTES:
        raise DomainError(_l("The file is too large: at most %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)),
                          field="file")
    text = _decode(data)
    first_line = text.splitlines()[0] if text.splitlines() else ""
    # Spreadsheets in Belgium write ";" (the comma is the decimal sign); others write ",".
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (csv.Error, StopIteration):
        raise DomainError(_l("This file cannot be read as CSV."), field="file") from None
    names = {}
    for index, title in enumerate(header):
        plain = _plain(title)
        for column, aliases in COLUMNS.items():
            if plain in aliases and column not in names:
                names[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise DomainError(_l("The first line must name the columns; missing: %(columns)s.",
                             columns=", ".join(missing)), field="file")
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise DomainError(_l("Too many rows: at most %(num)d per file.", num=MAX_ROWS), field="file")
            rows.append((reader.line_num, {column: (cells[i].strip() if i < len(cells) else "")
                                           for column, i in names.items()}))
    except csv.Error:
        raise DomainError(_l("Line %(line)d cannot be read as CSV.", line=reader.line_num), field="file") from None
    if not rows:
        raise DomainError(_l("The file has no rows under its first line."), field="file")
    return rows


# --- reading one value -------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
_DECIMAL_HOURS = re.compile(r"^(\d{1,4})(?:[.,](\d{1,2}))?\s*(?:h|u|heures?|uren?|hours?)?$")
_CLOCK_HOURS = re.compile(r"^(\d{1,4})\s*(?:h|u|:)\s*(\d{2})$")


def parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def parse_minutes(text: str) -> int | None:
    """"2", "2,5", "2.5 h", "2:30", "2h30", "2 u 30" → 150; None when it is not hours."""
    text = _plain(text)
    if match := _CLOCK_HOURS.match(text):
        hours, minutes = int(match[1]), int(match[2])
        return hours * 60 + minutes if minutes < 60 else None
    if match := _DECIMAL_HOURS.match(text):
        fraction = match[2] or "0"
        hundredths = int(fraction.ljust(2, "0"))
        total = int(match[1]) * 6000 + hundredths * 60  # in hundredths of a minute
        return total // 100 if total % 100 == 0 else None
    return None


def _key(row: ImportRow, rank: int) -> str:
    if row.values.get("reference"):
        digest = hashlib.sha256(_plain(row.values["reference"]).encode()).hexdigest()[:40]
        return f"import:ref:{digest}"
    content = "|".join(str(v) for v in (row.occurred_on, row.provider.id, row.recipient.id, row.minutes,
                                          row.competence.id if row.competence else "", row.values.get("note", "")))
    return f"import:row:{hashlib.sha256(content.encode()).hexdigest()[:40]}:{rank}"


class _Lookup:
    """Organisations and competences, loaded once for the whole file."""

    def __init__(self):
        self.orgs_by_name: dict[str, Organisation] = {}
        self.orgs_by_id: dict[int, Organisation] = {}
        for org in db.session.scalars(sa.select(Organisation)):
            self.orgs_by_name[_plain(org.name)] = org
            self.orgs_by_id[org.id] = org
        self.competences: dict[str, Competence] = {}
        for competence in db.session.scalars(sa.select(Competence)):
            target = competence.merged_into or competence
            for name in (competence.code, competence.label_fr, competence.label_nl, competence.label_en):
                self.competences.setdefault(_plain(name), target)

    def organisation(self, text: str) -> Organisation | None:
        digits = text.strip().lstrip("#")
        if digits.isdigit():
            return self.orgs_by_id.get(int(digits))
        return self.orgs_by_name.get(_plain(text))


def _check_row(row: ImportRow, lookup: _Lookup, today: date) -> None:
    values, problems = row.values, row.problems
    row.occurred_on = parse_date(values["date"])
    if row.occurred_on is None:
        problems.append(_l("The date %(value)s is not a date (write 2025-03-14 or 14/03/2025).",
                           value=values["date"] or "—"))
    elif row.occurred_on > today:
        problems.append(_l("The date %(value)s is in the future.", value=values["date"]))
    elif row.occurred_on < EARLIEST:
        problems.append(_l("The date %(value)s is too far in the past.", value=values["date"]))
    for side in ("provider", "recipient"):
        org = lookup.organisation(values[side])
        if not values[side]:
            problems.append(_l("The provider is missing.") if side == "provider" else _l("The recipient is missing."))
        elif org is None:
            problems.append(_l("No organisation is called %(name)s.", name=values[side]))
        elif org.status not in MEMBERS:
            problems.append(_l("%(name)s is not a member of the network.", name=org.name))
        else:
            setattr(row, side, org)
    if row.provider is not None and row.provider is row.recipient:
        problems.append(_l("The provider and the recipient are the same organisation."))
    minutes = parse_minutes(values["hours"])
    if minutes is None:
        problems.append(_l("%(value)s is not a number of hours (write 2, 2,5 or 2:30).", value=values["hours"] or "—"))
    else:
        try:
            row.minutes = check_quarter_hours(minutes, maximum=ledger.MAX_MINUTES, field="hours")
        except DomainError as error:
            problems.append(error.message)
    if values.get("competence"):
        row.competence = lookup.competences.get(_plain(values["competence"]))
        if row.competence is None:
            problems.append(_l("No competence is called %(name)s.", name=values["competence"]))


def plan_import(data: bytes, *, today: date | None = None) -> ImportPlan:
    """The dry run: what recording `data` would do, row by row. Writes nothing."""
    today = today or utcnow().astimezone(ledger.BRUSSELS).date()
    lookup = _Lookup()
    rows = [ImportRow(line=line, values=values) for line, values in read_rows(data)]
    for row in rows:
        _check_row(row, lookup, today)

    # Keys: a reference names one exchange; identical rows without one are told apart by rank.
    seen_refs: dict[str, int] = {}
    ranks: dict[str, int] = {}
    for row in rows:
        if row.problems:
            continue
        reference = _plain(row.values.get("reference", ""))
        if reference and reference in seen_refs:
            row.problems.append(_l("The reference %(ref)s is already used on line %(line)d.",
                                   ref=row.values["reference"], line=seen_refs[reference]))
            continue
        if reference:
            seen_refs[reference] = row.line
        base = _key(row, 0)
        ranks[base] = ranks.get(base, -1) + 1
        row.key = _key(row, ranks[base])
    keys = [row.key for row in rows if row.key]
    done = set()
    for start in range(0, len(keys), 500):
        done.update(db.session.scalars(sa.select(LedgerTransaction.idempotency_key)
                                       .where(LedgerTransaction.idempotency_key.in_(keys[start:start + 500]))))
    for row in rows:
        row.already_imported = row.key in done

    # Floors, in date order, from today's balances: as if each row were confirmed now.
    balances: dict[int, int] = {}
    for row in sorted((r for r in rows if r.to_record), key=lambda r: (r.occurred_on, r.line)):
        recipient, provider = row.recipient, row.provider
        balance = balances.get(recipient.id, ledger.balance_of(recipient))
        floor = ledger.effective_floor(recipient)
        if balance - row.minutes < floor:
            row.problems.append(_l("This would take %(org)s below its credit floor of %(floor)s (balance then: "
                                   "%(balance)s).", org=recipient.name, floor=format_hours(floor),
                                   balance=format_hours(balance)))
            continue
        balances[recipient.id] = balance - row.minutes
        balances[provider.id] = balances.get(provider.id, ledger.balance_of(provider)) + row.minutes
    return ImportPlan(rows)


def import_exchanges(data: bytes, *, actor: Person, reason: str, expected: int,
                     today: date | None = None, filename: str = "") -> ImportPlan:
    """Record the rows the dry run accepted, all or none. `expected` is how many rows the
    coordinator saw would be recorded: if the check now finds otherwise (the ledger moved
    in between), nothing is recorded and they must check again."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."), field="reason")
    plan = plan_import(data, today=today)
    if len(plan.to_record) != expected:
        raise Conflict(_l("The ledger changed since the check: check the file again before recording it."))
    if not plan.to_record:
        raise DomainError(_l("No row of this file can be recorded."), field="file")
    now = utcnow()
    for row in sorted(plan.to_record, key=lambda r: (r.occurred_on, r.line)):
        occurred = datetime.combine(row.occurred_on, time(12), tzinfo=ledger.BRUSSELS).astimezone(UTC)
        ledger.post_transaction(
            TransactionKind.IMPORT, [(ledger.account_of(row.provider), row.minutes),
                                     (ledger.account_of(row.recipient), -row.minutes)],
            author=actor, provider=row.provider, recipient=row.recipient,
            competence_id=row.competence.id if row.competence else None, memo=row.values.get("note", "")[:500],
            reason=reason, idempotency_key=row.key, occurred_on=occurred, now=now)
    record_event("ledger.imported", actor=actor, reason=reason, transactions=len(plan.to_record),
                 minutes=plan.minutes, filename=filename[:200])
    return plan
