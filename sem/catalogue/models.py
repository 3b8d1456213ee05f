"""The identity vocabularies: what an organisation does (sectors), how it does it
(methods) and for whom (target publics). Coordinators manage them."""

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sem.core.db import TimestampMixin, enum_column
from sem.core.i18n import label as localised_label
from sem.extensions import db


class TermKind(enum.Enum):
    SECTOR = "sector"
    METHOD = "method"
    PUBLIC = "public"


class Term(TimestampMixin, db.Model):
    """One entry of a vocabulary, labelled in French, Dutch and English.

    Retired terms stay attached to the organisations that chose them but are no longer
    offered in forms.
    """

    __tablename__ = "term"
    __table_args__ = (sa.UniqueConstraint("kind", "code", name="uq_term_kind_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TermKind] = mapped_column(enum_column(TermKind, name="term_kind"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    label_fr: Mapped[str] = mapped_column(sa.String(120))
    label_nl: Mapped[str] = mapped_column(sa.String(120))
    label_en: Mapped[str] = mapped_column(sa.String(120))
    retired: Mapped[bool] = mapped_column(default=False)

    @property
    def label(self) -> str:
        return localised_label(self)

    def __repr__(self) -> str:
        return f"<Term {self.kind.value}:{self.code}>"
