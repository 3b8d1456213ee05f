"""The only code that writes ledger rows.

`post_transaction` is the one mechanism: it locks the accounts involved (in id order, so two
settlements never deadlock), refuses any leg that would take an account below its floor
before anything is written, appends the transaction and one entry per account with its
hash-chain link, and updates the cached balances in the same database transaction. An
idempotency key makes a second attempt return the first transaction instead of paying twice.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from sem.core.amounts import check_quarter_hours
from sem.core.db import utcnow
from sem.core.errors import Conflict, DomainError
from sem.extensions import db
from sem.ledger.models import Account, AccountKind, Entry, FloorRule, LedgerTransaction, TransactionKind
from sem.members.models import Organisation, Person, Stage
from sem.members.services import record_event

BRUSSELS = ZoneInfo("Europe/Brussels")
MAX_MINUTES = 1000 * 60  # no single movement of more than a thousand hours


class CreditLimitReached(Conflict):
    """A leg would take an account below its floor: nothing was recorded."""


# --- accounts and floors ---------------------------------------------------------------------


def _get_or_create(query, make) -> Account:
    account = db.session.scalar(query)
    if account is not None:
        return account
    try:
        with db.session.begin_nested():
            account = make()
            db.session.add(account)
    except IntegrityError:  # created meanwhile by another request
        account = db.session.scalar(query)
    return account


def account_of(org: Organisation) -> Account:
    return _get_or_create(
        sa.select(Account).where(Account.organisation_id == org.id),
        lambda: Account(kind=AccountKind.ORGANISATION, organisation_id=org.id, floor_minutes=effective_floor(org)))


def fund_account(kind: AccountKind) -> Account:
    """The solidarity fund (which may not go below zero) or the network account (no floor)."""
    return _get_or_create(
        sa.select(Account).where(Account.kind == kind, Account.organisation_id.is_(None)),
        lambda: Account(kind=kind, floor_minutes=0 if kind is AccountKind.SOLIDARITY else None))


def default_floor(stage: Stage) -> int:
    key = "FLOOR_EMERGING_MINUTES" if stage is Stage.EMERGING else "FLOOR_ESTABLISHED_MINUTES"
    return current_app.config[key]


def effective_floor(org: Organisation) -> int:
    """The organisation's own floor if a coordinator set one, else its stage's, else the default."""
    own = db.session.scalar(sa.select(FloorRule.floor_minutes).where(FloorRule.organisation_id == org.id)
                            .order_by(FloorRule.id.desc()).limit(1))
    if own is not None:
        return own
    stage = db.session.scalar(sa.select(FloorRule.floor_minutes).where(FloorRule.stage == org.stage)
                              .order_by(FloorRule.id.desc()).limit(1))
    return stage if stage is not None else default_floor(org.stage)


def balance_of(org: Organisation) -> int:
    return db.session.scalar(sa.select(Account.balance_minutes).where(Account.organisation_id == org.id)) or 0


def _refresh_floor(account: Account, org: Organisation) -> None:
    # A floor raised above a balance that is already lower keeps the account where it is:
    # it can only go up from there.
    account.floor_minutes = min(effective_floor(org), account.balance_minutes)


def set_floor(*, floor_minutes: int, reason: str, actor: Person, stage: Stage | None = None,
              organisation: Organisation | None = None) -> FloorRule:
    """A new floor for a stage or one organisation; the earlier rules stay as history."""
    if (stage is None) == (organisation is None):
        raise ValueError("a floor is for a stage or for one organisation")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."), field="reason")
    if floor_minutes > 0 or floor_minutes % 15:
        raise DomainError(_l("A floor is zero or a negative number of quarter hours."), field="floor")
    rule = FloorRule(stage=stage, organisation_id=organisation.id if organisation else None,
                     floor_minutes=floor_minutes, reason=reason, set_by=actor)
    db.session.add(rule)
    db.session.flush()
    record_event("ledger.floor_set", actor=actor, organisation=organisation, reason=reason,
                 stage=stage.value if stage else None, floor_minutes=floor_minutes)
    orgs = [organisation] if organisation else db.session.scalars(
        sa.select(Organisation).where(Organisation.stage == stage)).all()
    for org in orgs:
        account = db.session.scalar(sa.select(Account).where(Account.organisation_id == org.id))
        if account is not None:
            _lock([account.id])
            _refresh_floor(account, org)
    db.session.flush()
    return rule


# --- the one writer ------------------------------------------------------------------------------


def _lock(account_ids: list[int]) -> dict[int, Account]:
    """Lock the accounts, in id order, and return them with their current values."""
    ids = sorted(set(account_ids))
    if db.engine.dialect.name == "sqlite":
        # Take SQLite's write lock now: from here on the values read are the latest.
        db.session.execute(sa.update(Account).where(Account.id.in_(ids))
                           .values(entry_count=Account.entry_count).execution_options(synchronize_session=False))
        query = sa.select(Account).where(Account.id.in_(ids)).order_by(Account.id)
    else:
        query = sa.select(Account).where(Account.id.in_(ids)).order_by(Account.id).with_for_update()
    accounts = db.session.scalars(query.execution_options(populate_existing=True)).all()
    return {account.id: account for account in accounts}


def entry_hash(prev_hash: str, entry: dict, tx: dict) -> str:
    """SHA-256 of the previous link and every field of the entry and its transaction."""
    payload = json.dumps([prev_hash, entry, tx], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def transaction_fields(tx: LedgerTransaction) -> dict:
    return {"id": tx.id, "kind": tx.kind.value, "created_at": tx.created_at.isoformat(),
            "occurred_on": tx.occurred_on.isoformat(), "author_id": tx.author_id, "provider_id": tx.provider_id,
            "recipient_id": tx.recipient_id, "competence_id": tx.competence_id, "minutes": tx.minutes,
            "memo": tx.memo, "reason": tx.reason, "idempotency_key": tx.idempotency_key,
            "reverses_id": tx.reverses_id}


def entry_fields(entry: Entry) -> dict:
    return {"account_id": entry.account_id, "amount": entry.amount_minutes, "balance_after": entry.balance_after,
            "seq": entry.seq}


def _by_key(key: str) -> LedgerTransaction | None:
    return db.session.scalar(sa.select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key))


def post_transaction(kind: TransactionKind, legs: list[tuple[Account, int]], *, author: Person | None = None,
                     provider: Organisation | None = None, recipient: Organisation | None = None,
                     competence_id: int | None = None, memo: str = "", reason: str = "",
                     idempotency_key: str | None = None, reverses: LedgerTransaction | None = None,
                     occurred_on: datetime | None = None, now: datetime | None = None) -> LedgerTransaction:
    amounts = [amount for _, amount in legs]
    if len(legs) < 2 or sum(amounts) != 0 or any(not isinstance(a, int) or a == 0 for a in amounts):
        raise ValueError(f"a transaction needs two or more non-zero integer legs summing to zero: {amounts}")
    if len({account.id for account, _ in legs}) != len(legs):
        raise ValueError("one leg per account")
    if idempotency_key and (done := _by_key(idempotency_key)) is not None:
        return done
    accounts = _lock([account.id for account, _ in legs])
    if idempotency_key and (done := _by_key(idempotency_key)) is not None:  # settled while we waited
        return done
    for account, amount in legs:
        current = accounts[account.id]
        floor = current.floor_minutes
        if amount < 0 and floor is not None and current.balance_minutes + amount < floor:
            raise CreditLimitReached(_credit_message(current, floor))

    now = (now or utcnow()).astimezone(UTC)
    # Hashed as stored: always in UTC, so that `verify` reads back the very same value.
    occurred_on = (occurred_on or now).astimezone(UTC)
    tx = LedgerTransaction(kind=kind, created_at=now, occurred_on=occurred_on, author=author,
                           provider_id=provider.id if provider else None,
                           recipient_id=recipient.id if recipient else None, competence_id=competence_id,
                           minutes=sum(a for a in amounts if a > 0), memo=memo or "", reason=reason or "",
                           idempotency_key=idempotency_key, reverses=reverses)
    db.session.add(tx)
    db.session.flush()
    fields = transaction_fields(tx)
    for account, amount in sorted(legs, key=lambda leg: leg[0].id):
        current = accounts[account.id]
        entry = Entry(transaction_id=tx.id, account_id=current.id, amount_minutes=amount,
                      balance_after=current.balance_minutes + amount, seq=current.entry_count + 1,
                      prev_hash=current.last_hash)
        entry.hash = entry_hash(entry.prev_hash, entry_fields(entry), fields)
        db.session.add(entry)
        current.balance_minutes, current.entry_count, current.last_hash = entry.balance_after, entry.seq, entry.hash
    db.session.flush()
    # The reports' monthly figures follow the ledger in the same database transaction.
    from sem.reports import aggregate

    aggregate.record(tx, sum(amount for account, amount in legs
                             if accounts[account.id].kind is AccountKind.SOLIDARITY))
    return tx


def _credit_message(account: Account, floor: int):
    from sem.core.i18n import format_hours

    if account.kind is AccountKind.SOLIDARITY:
        return _l("The solidarity fund does not hold enough hours for this.")
    name = account.organisation.name if account.organisation else ""
    return _l("This would take %(org)s below its credit floor of %(floor)s (balance now: %(balance)s). "
              "Nothing was recorded.", org=name, floor=format_hours(floor),
              balance=format_hours(account.balance_minutes))


def _check_minutes(minutes: int, field_name: str = "minutes") -> int:
    return check_quarter_hours(minutes, maximum=MAX_MINUTES, field=field_name)


# --- what the other areas call -----------------------------------------------------------------


def allowance_used(org: Organisation, *, now: datetime | None = None) -> int:
    """Minutes of this calendar year's solidarity allowance already used by `org`."""
    now = (now or utcnow()).astimezone(BRUSSELS)
    year_start = datetime(now.year, 1, 1, tzinfo=BRUSSELS)
    # Read-only: a page showing the allowance must not create the fund's account.
    fund = db.session.scalar(sa.select(Account).where(Account.kind == AccountKind.SOLIDARITY,
                                                      Account.organisation_id.is_(None)))
    if fund is None:
        return 0
    used = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Entry.amount_minutes), 0))
        .join(LedgerTransaction, Entry.transaction_id == LedgerTransaction.id)
        .where(Entry.account_id == fund.id, LedgerTransaction.kind == TransactionKind.EXCHANGE,
               LedgerTransaction.recipient_id == org.id, LedgerTransaction.created_at >= year_start))
    return -used


def allowance_left(org: Organisation, *, now: datetime | None = None) -> int:
    if org.stage is not Stage.EMERGING:
        return 0
    return max(0, current_app.config["SOLIDARITY_ALLOWANCE_MINUTES"] - allowance_used(org, now=now))


def settle_exchange(*, provider: Organisation, recipient: Organisation, minutes: int, idempotency_key: str,
                    author: Person | None, competence_id: int | None = None, memo: str = "",
                    occurred_on: datetime | None = None, now: datetime | None = None) -> LedgerTransaction:
    """Confirmed hours: the provider earns them; the recipient pays them, except what its
    yearly solidarity allowance (emerging members) lets the fund pay. Exactly once per key."""
    _check_minutes(minutes)
    if (done := _by_key(idempotency_key)) is not None:
        return done
    provider_account, recipient_account = account_of(provider), account_of(recipient)
    fund = fund_account(AccountKind.SOLIDARITY) if recipient.stage is Stage.EMERGING else None
    # Lock everything this settlement may touch at once, in id order: no deadlock.
    locked = _lock([provider_account.id, recipient_account.id, *([fund.id] if fund else [])])
    legs = [(provider_account, minutes)]
    fund_share = 0
    if fund is not None:
        fund_share = min(minutes, allowance_left(recipient, now=now), max(0, locked[fund.id].balance_minutes))
        if fund_share:
            legs.append((fund, -fund_share))
    if minutes - fund_share:
        legs.append((recipient_account, -(minutes - fund_share)))
    return post_transaction(TransactionKind.EXCHANGE, legs, author=author, provider=provider, recipient=recipient,
                            competence_id=competence_id, memo=memo, idempotency_key=idempotency_key,
                            occurred_on=occurred_on, now=now)


def donate(org: Organisation, minutes: int, *, actor: Person, memo: str = "") -> LedgerTransaction:
    """A member gives some of its credit to the solidarity fund."""
    _check_minutes(minutes)
    return post_transaction(TransactionKind.DONATION,
                            [(account_of(org), -minutes), (fund_account(AccountKind.SOLIDARITY), minutes)],
                            author=actor, provider=org, memo=memo)


def grant(recipients: list[Organisation | None], minutes: int, *, actor: Person, reason: str,
          now: datetime | None = None) -> list:
    """Coordinators grant credit from the network account, to organisations (None: the fund)."""
    _check_minutes(minutes)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."), field="reason")
    if not recipients:
        raise DomainError(_l("Choose at least one organisation."), field="organisations")
    network = fund_account(AccountKind.NETWORK)
    done = []
    for org in recipients:
        target = account_of(org) if org is not None else fund_account(AccountKind.SOLIDARITY)
        done.append(post_transaction(TransactionKind.GRANT, [(network, -minutes), (target, minutes)], author=actor,
                                     recipient=org, reason=reason, now=now))
        record_event("ledger.granted", actor=actor, organisation=org, reason=reason, minutes=minutes,
                     transaction_id=done[-1].id)
    return done


def reverse(tx: LedgerTransaction, *, actor: Person, reason: str) -> LedgerTransaction:
    """Correct a transaction by reversing it: a new transaction with the opposite entries."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give a reason."), field="reason")
    if tx.kind is TransactionKind.CORRECTION:
        raise Conflict(_l("A correction cannot be reversed: record a new transaction instead."))
    if db.session.scalar(sa.select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == tx.id)):
        raise Conflict(_l("This transaction has already been reversed."))
    legs = [(entry.account, -entry.amount_minutes) for entry in tx.entries]
    try:
        with db.session.begin_nested():
            correction = post_transaction(TransactionKind.CORRECTION, legs, author=actor, provider=tx.recipient,
                                          recipient=tx.provider, competence_id=tx.competence_id, reason=reason,
                                          reverses=tx)
    except IntegrityError:  # reversed at the same moment by someone else
        raise Conflict(_l("This transaction has already been reversed.")) from None
    record_event("ledger.reversed", actor=actor, reason=reason, transaction_id=tx.id, correction_id=correction.id)
    return correction


# --- verification --------------------------------------------------------------------------------


@dataclass
class Verification:
    transactions: int = 0
    entries: int = 0
    accounts: int = 0
    problems: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_transaction(self) -> int | None:
        ids = [tx_id for tx_id, _ in self.problems if tx_id is not None]
        return min(ids) if ids else None


def verify() -> Verification:
    """Recompute every balance and every hash link from the entries, and check that every
    transaction sums to zero. Reads only; streams the ledger in account order."""
    report = Verification()
    tx_columns = [LedgerTransaction.id, LedgerTransaction.kind, LedgerTransaction.created_at,
                  LedgerTransaction.occurred_on, LedgerTransaction.author_id, LedgerTransaction.provider_id,
                  LedgerTransaction.recipient_id, LedgerTransaction.competence_id, LedgerTransaction.minutes,
                  LedgerTransaction.memo, LedgerTransaction.reason, LedgerTransaction.idempotency_key,
                  LedgerTransaction.reverses_id]
    names = ["id", "kind", "created_at", "occurred_on", "author_id", "provider_id", "recipient_id",
             "competence_id", "minutes", "memo", "reason", "idempotency_key", "reverses_id"]
    accounts = {row.id: row for row in db.session.execute(
        sa.select(Account.id, Account.balance_minutes, Account.entry_count, Account.last_hash))}
    report.accounts = len(accounts)
    seen: dict[int, tuple[int, int, str]] = {}
    query = (sa.select(Entry.account_id, Entry.seq, Entry.amount_minutes, Entry.balance_after, Entry.prev_hash,
                       Entry.hash, *tx_columns)
             .join(LedgerTransaction, Entry.transaction_id == LedgerTransaction.id)
             .order_by(Entry.account_id, Entry.seq))
    for row in db.session.execute(query.execution_options(yield_per=20_000)):
        report.entries += 1
        balance, seq, last = seen.get(row.account_id, (0, 0, ""))
        tx = dict(zip(names, row[6:], strict=True))
        tx_id = tx["id"]
        tx["kind"] = tx["kind"].value
        tx["created_at"], tx["occurred_on"] = tx["created_at"].isoformat(), tx["occurred_on"].isoformat()
        if row.seq != seq + 1:
            report.problems.append((tx_id, f"account {row.account_id}: entry {row.seq} follows {seq}"))
        if row.prev_hash != last:
            report.problems.append((tx_id, f"account {row.account_id}: entry {row.seq} breaks the hash chain"))
        balance += row.amount_minutes
        if row.balance_after != balance:
            report.problems.append((tx_id, f"account {row.account_id}: entry {row.seq} says balance "
                                            f"{row.balance_after}, the entries give {balance}"))
        fields = {"account_id": row.account_id, "amount": row.amount_minutes, "balance_after": row.balance_after,
                  "seq": row.seq}
        if entry_hash(row.prev_hash, fields, tx) != row.hash:
            report.problems.append((tx_id, f"account {row.account_id}: entry {row.seq} does not match its hash"))
        seen[row.account_id] = (balance, row.seq, row.hash)
    for account_id, account in accounts.items():
        balance, count, last = seen.get(account_id, (0, 0, ""))
        if (account.balance_minutes, account.entry_count, account.last_hash) != (balance, count, last):
            first = db.session.scalar(
                sa.select(sa.func.max(Entry.transaction_id)).where(Entry.account_id == account_id))
            report.problems.append((first, f"account {account_id}: cached balance {account.balance_minutes}, "
                                           f"the entries give {balance}"))
    unbalanced = db.session.execute(
        sa.select(Entry.transaction_id, sa.func.sum(Entry.amount_minutes)).group_by(Entry.transaction_id)
        .having(sa.func.sum(Entry.amount_minutes) != 0)).all()
    for tx_id, total in unbalanced:
        report.problems.append((tx_id, f"transaction {tx_id} sums to {total}, not zero"))
    report.transactions = db.session.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction))
    orphans = db.session.scalars(sa.select(LedgerTransaction.id).where(
        ~sa.exists().where(Entry.transaction_id == LedgerTransaction.id))).all()
    for tx_id in orphans:
        report.problems.append((tx_id, f"transaction {tx_id} has no entries"))
    return report
