"""Organisations, the people who act for them, the charter and the audit log."""

import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sem.catalogue.models import Term, TermKind
from sem.core.db import TimestampMixin, UTCDateTime, enum_column, utcnow
from sem.extensions import db


class Stage(enum.Enum):
    ESTABLISHED = "established"
    EMERGING = "emerging"


class OrgStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Role(enum.Enum):
    MEMBER = "member"
    ADMIN = "admin"


organisation_term = sa.Table(
    "organisation_term",
    db.metadata,
    sa.Column("organisation_id", sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("term_id", sa.ForeignKey("term.id"), primary_key=True, index=True),
)


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    legal_form: Mapped[str] = mapped_column(sa.String(30))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, name="stage"), default=Stage.EMERGING)
    status: Mapped[OrgStatus] = mapped_column(
        enum_column(OrgStatus, name="org_status"), default=OrgStatus.PENDING, index=True
    )
    commune: Mapped[str] = mapped_column(sa.String(40), index=True)
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    # The latest coordinator decision on the application or membership, shown to the applicant.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # When coordinators were last reminded of this pending application.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    terms: Mapped[list[Term]] = relationship(secondary=organisation_term, order_by=Term.id)
    people: Mapped[list["Person"]] = relationship(
        back_populates="organisation", order_by="Person.id"
    )
    languages: Mapped[list["OrganisationLanguage"]] = relationship(
        cascade="all, delete-orphan", order_by="OrganisationLanguage.language"
    )

    def terms_of(self, kind: TermKind) -> list[Term]:
        return [t for t in self.terms if t.kind is kind]

    @property
    def sectors(self) -> list[Term]:
        return self.terms_of(TermKind.SECTOR)

    @property
    def methods(self) -> list[Term]:
        return self.terms_of(TermKind.METHOD)

    @property
    def publics(self) -> list[Term]:
        return self.terms_of(TermKind.PUBLIC)

    @property
    def language_codes(self) -> list[str]:
        return [lang.language for lang in self.languages]

    @property
    def is_approved(self) -> bool:
        return self.status is OrgStatus.APPROVED

    @property
    def active_people(self) -> list["Person"]:
        return [p for p in self.people if p.active]

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class OrganisationLanguage(db.Model):
    __tablename__ = "organisation_language"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(sa.String(8), primary_key=True, index=True)


class Person(UserMixin, TimestampMixin, db.Model):
    """Someone who logs in. Belongs to at most one organisation; a network coordinator may
    belong to none. Removing a person deactivates it: its name stays in the history."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, name="role"), default=Role.MEMBER)
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(8), default="fr")
    active: Mapped[bool] = mapped_column(default=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship(back_populates="people")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive people
        return self.active

    @property
    def session_stamp(self) -> str:
        """Changes with the password, so a new password logs out every other session."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        return f"{self.id}:{self.session_stamp}"

    @property
    def is_admin(self) -> bool:
        return self.active and self.role is Role.ADMIN and self.organisation is not None

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email}>"


class Invitation(TimestampMixin, db.Model):
    """An admin invites a colleague; the signed link carries the invitation's id."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[Role] = mapped_column(enum_column(Role, name="role"), default=Role.MEMBER)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[Person | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class CharterVersion(db.Model):
    """The rules members accept. A new version asks every organisation to accept again."""

    __tablename__ = "charter_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    text_fr: Mapped[str] = mapped_column(sa.Text)
    text_nl: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))

    published_by: Mapped[Person | None] = relationship()

    def text_for(self, locale: str) -> str:
        return self.text_nl if locale == "nl" else self.text_fr


class CharterAcceptance(db.Model):
    __tablename__ = "charter_acceptance"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "charter_version_id", name="uq_charter_acceptance_org_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    charter_version_id: Mapped[int] = mapped_column(sa.ForeignKey("charter_version.id"))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    charter_version: Mapped[CharterVersion] = relationship()
    person: Mapped[Person | None] = relationship()


class AuditEvent(db.Model):
    """A trace of every coordinator action and membership change. Never edited."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[Person | None] = relationship(foreign_keys=[actor_id])
    organisation: Mapped[Organisation | None] = relationship()
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
