"""The time-credit ledger: accounts, transactions and their entries, and floor rules.

Double entry: every transaction's entries sum to zero. Amounts are integer minutes.
Transactions and entries are append-only (database triggers refuse UPDATE and DELETE); a
correction is a new, reversing transaction. Each account's entries form a hash chain
(`seq`, `prev_hash`, `hash`); the account row caches the balance, the entry count and the
last hash, and `flask sem ledger verify` recomputes all of them.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sem.core.db import UTCDateTime, enum_column, utcnow
from sem.extensions import db
from sem.members.models import Organisation, Person, Stage


class AccountKind(enum.Enum):
    ORGANISATION = "organisation"
    SOLIDARITY = "solidarity"  # the solidarity fund
    NETWORK = "network"  # the source of coordinator grants


class TransactionKind(enum.Enum):
    EXCHANGE = "exchange"  # confirmed hours of an exchange
    DONATION = "donation"  # a member gives credit to the solidarity fund
    GRANT = "grant"  # a coordinator grants credit from the network account
    CORRECTION = "correction"  # reverses an earlier transaction
    IMPORT = "import"  # history imported from before SEM


class Account(db.Model):
    __tablename__ = "ledger_account"
    __table_args__ = (
        # One solidarity fund and one network account.
        sa.Index("uq_ledger_account_fund", "kind", unique=True, sqlite_where=sa.text("organisation_id IS NULL"),
                 postgresql_where=sa.text("organisation_id IS NULL")),
        sa.CheckConstraint("(kind = 'organisation') = (organisation_id IS NOT NULL)", name="owner"),
        sa.CheckConstraint("floor_minutes IS NULL OR balance_minutes >= floor_minutes", name="floor"),
        sa.CheckConstraint("entry_count >= 0", name="entry_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, name="account_kind"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), unique=True)
    # Caches, updated with every entry under a row lock, recomputed by `ledger verify`.
    balance_minutes: Mapped[int] = mapped_column(default=0)
    entry_count: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    # The lowest balance allowed, from the floor rules (None: no floor, the network account).
    floor_minutes: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()


class LedgerTransaction(db.Model):
    __tablename__ = "ledger_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TransactionKind] = mapped_column(enum_column(TransactionKind, name="transaction_kind"),
                                                  index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # When the hours were given (exchanges, imports); created_at is when they were recorded.
    occurred_on: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    # Who gave and who received, for the open ledger and reports (None for fund movements).
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    competence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("competence.id"), index=True)
    minutes: Mapped[int] = mapped_column()
    memo: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # One settlement per declaration (or grant batch line): a second attempt finds this row.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    # A correction reverses exactly one transaction, and a transaction is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_transaction.id"), unique=True)

    author: Mapped[Person | None] = relationship()
    provider: Mapped[Organisation | None] = relationship(foreign_keys=[provider_id])
    recipient: Mapped[Organisation | None] = relationship(foreign_keys=[recipient_id])
    entries: Mapped[list["Entry"]] = relationship(back_populates="transaction", order_by="Entry.id")
    reverses: Mapped["LedgerTransaction | None"] = relationship(remote_side=[id])

    __table_args__ = (
        sa.CheckConstraint("minutes > 0", name="minutes"),
        sa.CheckConstraint("(kind = 'correction') = (reverses_id IS NOT NULL)", name="correction"),
        sa.CheckConstraint("kind NOT IN ('grant', 'correction') OR length(reason) > 0", name="reason"),
        # By recipient (the open ledger's filter), and the year's exchanges one organisation
        # received, read by every settlement to an emerging organisation (its allowance).
        sa.Index("ix_ledger_transaction_allowance", "recipient_id", "kind", "created_at"),
    )


class Entry(db.Model):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "seq", name="uq_ledger_entry_account_seq"),
        sa.CheckConstraint("amount_minutes <> 0", name="amount"),
        sa.CheckConstraint("seq > 0", name="seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transaction.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_account.id"))
    amount_minutes: Mapped[int] = mapped_column()
    balance_after: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()


class FloorRule(db.Model):
    """A floor for a stage, or for one organisation (which wins). Never edited: the latest
    rule applies, the earlier ones are the history."""

    __tablename__ = "ledger_floor_rule"
    __table_args__ = (
        sa.CheckConstraint("(stage IS NULL) <> (organisation_id IS NULL)", name="target"),
        sa.CheckConstraint("floor_minutes <= 0", name="floor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[Stage | None] = mapped_column(enum_column(Stage, name="stage"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    floor_minutes: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    set_by: Mapped[Person | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
