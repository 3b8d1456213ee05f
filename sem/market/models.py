"""Offers (competences an organisation gives) and needs (help it asks for)."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from sem.catalogue.models import Competence
from sem.catalogue.vocab import language_codes, language_mask
from sem.core.db import TimestampMixin, UTCDateTime, enum_column, utcnow
from sem.extensions import db
from sem.members.models import Organisation


class PostStatus(enum.Enum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    EXPIRED = "expired"


class Mode(enum.Enum):
    ON_SITE = "on_site"
    REMOTE = "remote"
    BOTH = "both"


class Urgency(enum.Enum):
    URGENT = "urgent"
    NORMAL = "normal"


class Post(TimestampMixin):
    """What offers and needs share: owner, competence, text, languages and lifecycle."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(140))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language_mask: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # When the owner was warned that the post is about to expire (reset on renewal).
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("organisation.id"), index=True)

    @declared_attr
    def competence_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("competence.id"))

    @declared_attr
    def status(cls) -> Mapped[PostStatus]:
        return mapped_column(enum_column(PostStatus, name="post_status"), default=PostStatus.OPEN)

    @declared_attr
    def organisation(cls) -> Mapped[Organisation]:
        return relationship(Organisation)

    @declared_attr
    def competence(cls) -> Mapped[Competence]:
        return relationship(Competence)

    @property
    def languages(self) -> list[str]:
        return language_codes(self.language_mask or 0)

    @languages.setter
    def languages(self, codes) -> None:
        self.language_mask = language_mask(codes)

    @property
    def is_open(self) -> bool:
        return self.status is PostStatus.OPEN

    @property
    def is_live(self) -> bool:
        """Open or paused: not yet closed or expired."""
        return self.status in (PostStatus.OPEN, PostStatus.PAUSED)


class Offer(Post, db.Model):
    __tablename__ = "offer"
    __table_args__ = (
        sa.Index("ix_offer_status_competence", "status", "competence_id"),
        sa.Index("ix_offer_status_created", "status", "created_at"),
        sa.CheckConstraint("monthly_capacity_minutes > 0 AND monthly_capacity_minutes <= 9600", name="capacity"),
        sa.CheckConstraint("language_mask > 0", name="languages"),
    )
    kind = "offer"

    mode: Mapped[Mode] = mapped_column(enum_column(Mode, name="offer_mode"), default=Mode.BOTH)
    monthly_capacity_minutes: Mapped[int] = mapped_column()
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    # A standing offer (a room, equipment) is asked once a year whether it still holds.
    standing: Mapped[bool] = mapped_column(default=False)


class Need(Post, db.Model):
    __tablename__ = "need"
    __table_args__ = (
        sa.Index("ix_need_status_competence", "status", "competence_id"),
        sa.Index("ix_need_status_created", "status", "created_at"),
        sa.CheckConstraint("estimated_minutes > 0 AND estimated_minutes <= 30000", name="estimate"),
        sa.CheckConstraint("language_mask > 0", name="languages"),
    )
    kind = "need"

    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, name="need_urgency"), default=Urgency.NORMAL)
    estimated_minutes: Mapped[int] = mapped_column()
    wished_by: Mapped[date | None] = mapped_column(sa.Date)
