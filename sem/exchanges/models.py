"""Proposals (a need meets an offer), exchanges, hour declarations, disputes, feedback."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sem.core.db import UTCDateTime, enum_column, utcnow
from sem.extensions import db
from sem.market.models import Need, Offer
from sem.members.models import Organisation, Person


class ProposalOrigin(enum.Enum):
    PROVIDER = "provider"  # "I can help", on a need
    RECIPIENT = "recipient"  # "ask for help", on an offer
    MATCHING = "matching"  # proposed by the matcher


class ProposalStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"  # by both sides: an exchange started
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Proposal(db.Model):
    """One need and one offer. A pair is proposed once: a declined pair stays declined."""

    __tablename__ = "proposal"
    __table_args__ = (sa.UniqueConstraint("need_id", "offer_id", name="uq_proposal_need_offer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("need.id"), index=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id"), index=True)
    origin: Mapped[ProposalOrigin] = mapped_column(enum_column(ProposalOrigin, name="proposal_origin"))
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, name="proposal_status"), default=ProposalStatus.PENDING, index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    provider_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipient_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declined_by: Mapped[str] = mapped_column(sa.String(10), default="")  # "provider" or "recipient"
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Filled by the matcher: the named parts of the score, to explain the proposal.
    score_parts: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    need: Mapped[Need] = relationship()
    offer: Mapped[Offer] = relationship()
    created_by: Mapped[Person | None] = relationship()


class ExchangeStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class Exchange(db.Model):
    __tablename__ = "exchange"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"), unique=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("need.id"), index=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    competence_id: Mapped[int] = mapped_column(sa.ForeignKey("competence.id"))
    estimate_minutes: Mapped[int] = mapped_column()
    status: Mapped[ExchangeStatus] = mapped_column(
        enum_column(ExchangeStatus, name="exchange_status"), default=ExchangeStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))

    proposal: Mapped[Proposal] = relationship()
    need: Mapped[Need] = relationship()
    offer: Mapped[Offer] = relationship()
    provider: Mapped[Organisation] = relationship(foreign_keys=[provider_id])
    recipient: Mapped[Organisation] = relationship(foreign_keys=[recipient_id])
    declarations: Mapped[list["HourDeclaration"]] = relationship(
        back_populates="exchange", order_by="HourDeclaration.id")

    __table_args__ = (
        sa.CheckConstraint("provider_id <> recipient_id", name="parties"),
        sa.CheckConstraint("estimate_minutes > 0", name="estimate"),
    )


class DeclarationStatus(enum.Enum):
    DECLARED = "declared"  # waiting for the recipient
    CONFIRMED = "confirmed"  # settled in the ledger
    CONTESTED = "contested"  # a dispute is open
    CANCELLED = "cancelled"  # by a coordinator's resolution (or withdrawn by the provider)


class HourDeclaration(db.Model):
    __tablename__ = "hour_declaration"
    __table_args__ = (
        sa.CheckConstraint("minutes > 0 AND minutes % 15 = 0", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(sa.ForeignKey("exchange.id"), index=True)
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    worked_on: Mapped[date] = mapped_column(sa.Date)
    minutes: Mapped[int] = mapped_column()
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[DeclarationStatus] = mapped_column(
        enum_column(DeclarationStatus, name="declaration_status"), default=DeclarationStatus.DECLARED, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    auto_confirmed: Mapped[bool] = mapped_column(default=False)
    transaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_transaction.id"), unique=True)

    exchange: Mapped[Exchange] = relationship(back_populates="declarations")
    declared_by: Mapped[Person | None] = relationship(foreign_keys=[declared_by_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    dispute: Mapped["Dispute | None"] = relationship(back_populates="declaration")


class DisputeResolution(enum.Enum):
    CONFIRMED = "confirmed"
    ADJUSTED = "adjusted"
    CANCELLED = "cancelled"


class Dispute(db.Model):
    __tablename__ = "dispute"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(sa.ForeignKey("hour_declaration.id"), unique=True)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    recipient_statement: Mapped[str] = mapped_column(sa.Text)
    provider_statement: Mapped[str] = mapped_column(sa.Text, default="")
    resolution: Mapped[DisputeResolution | None] = mapped_column(
        enum_column(DisputeResolution, name="dispute_resolution"))
    resolved_minutes: Mapped[int | None] = mapped_column()
    resolution_reason: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    declaration: Mapped[HourDeclaration] = relationship(back_populates="dispute")
    opened_by: Mapped[Person | None] = relationship(foreign_keys=[opened_by_id])
    resolved_by: Mapped[Person | None] = relationship(foreign_keys=[resolved_by_id])

    __table_args__ = (
        sa.CheckConstraint("(resolution IS NULL) = (resolved_at IS NULL)", name="resolved"),
        sa.CheckConstraint("resolution IS NULL OR length(resolution_reason) > 0", name="reason"),
    )


class Feedback(db.Model):
    """A short thank-you or feedback note from one side of an exchange to the other."""

    __tablename__ = "exchange_feedback"
    __table_args__ = (sa.UniqueConstraint("exchange_id", "organisation_id", name="uq_feedback_exchange_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(sa.ForeignKey("exchange.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[Person | None] = relationship()
