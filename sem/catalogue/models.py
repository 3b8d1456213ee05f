"""The catalogue: the identity vocabularies (what an organisation does, how, for whom) and
the two-level competence catalogue (domain → competence). Coordinators manage both."""

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sem.core.db import TimestampMixin, enum_column
from sem.core.i18n import current_locale
from sem.core.i18n import label as localised_label
from sem.extensions import db


class TermKind(enum.Enum):
    SECTOR = "sector"
    METHOD = "method"
    PUBLIC = "public"


class Labelled:
    """French, Dutch and English labels; `label` is the one for the page's language."""

    label_fr: Mapped[str] = mapped_column(sa.String(120))
    label_nl: Mapped[str] = mapped_column(sa.String(120))
    label_en: Mapped[str] = mapped_column(sa.String(120))
    retired: Mapped[bool] = mapped_column(default=False)

    @property
    def label(self) -> str:
        return localised_label(self)

    @property
    def labels(self) -> dict[str, str]:
        return {"fr": self.label_fr, "nl": self.label_nl, "en": self.label_en}


class Described:
    """A short description in French, Dutch and English (may be empty)."""

    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    description_nl: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def description(self) -> str:
        return getattr(self, f"description_{current_locale()}", "") or self.description_fr


class Term(Labelled, TimestampMixin, db.Model):
    """One entry of a vocabulary.

    Retired terms stay attached to the organisations that chose them but are no longer
    offered in forms.
    """

    __tablename__ = "term"
    __table_args__ = (sa.UniqueConstraint("kind", "code", name="uq_term_kind_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TermKind] = mapped_column(enum_column(TermKind, name="term_kind"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))

    def __repr__(self) -> str:
        return f"<Term {self.kind.value}:{self.code}>"


class Domain(Labelled, Described, TimestampMixin, db.Model):
    """The first level of the competence catalogue (IT support, accounting…)."""

    __tablename__ = "competence_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    competences: Mapped[list["Competence"]] = relationship(
        back_populates="domain", order_by="(Competence.position, Competence.id)")

    def __repr__(self) -> str:
        return f"<Domain {self.code}>"


class Competence(Labelled, Described, TimestampMixin, db.Model):
    """What an offer gives and a need asks for. A retired competence stays on the posts that
    use it; a merged one has had its posts moved to `merged_into`."""

    __tablename__ = "competence"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("competence_domain.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("competence.id"))

    domain: Mapped[Domain] = relationship(back_populates="competences")
    merged_into: Mapped["Competence | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Competence {self.code}>"
