"""The mail outbox and each person's notification preferences."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sem.core.db import UTCDateTime, enum_column, utcnow
from sem.extensions import db
from sem.members.models import Person


class MailStatus(enum.Enum):
    QUEUED = "queued"  # waiting for the sender (or for its next attempt)
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # given up: shown to coordinators, who may retry
    HELD = "held"  # the person wants this kind in the weekly digest only
    DIGESTED = "digested"  # a held notification that a digest has listed


class Delivery(enum.Enum):
    """How a person wants one kind of notification."""

    IMMEDIATELY = "immediately"
    DIGEST = "digest"
    NEVER = "never"


class OutboxMessage(db.Model):
    """One mail, written in the transaction that caused it and sent later by `send-mail`."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),
        sa.Index("ix_mail_outbox_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), default="")  # the template's name, or "" for a bare mail
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(8), default="fr")
    subject: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus, name="mail_status"), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    give_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # retries stop after this
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    person: Mapped[Person | None] = relationship()


class MailPreference(db.Model):
    """A person's choice for one kind of notification; no row means the default."""

    __tablename__ = "mail_preference"
    __table_args__ = (sa.UniqueConstraint("person_id", "kind", name="uq_mail_preference_person_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, name="mail_delivery"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
