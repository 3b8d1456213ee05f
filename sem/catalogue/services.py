"""Managing the identity vocabularies (coordinators only)."""

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from sem.catalogue.models import Term, TermKind
from sem.core.errors import Conflict, DomainError
from sem.core.i18n import current_locale
from sem.extensions import db
from sem.members.models import Person
from sem.members.services import record_event


def terms(kind: TermKind, *, include_retired: bool = False) -> list[Term]:
    query = sa.select(Term).where(Term.kind == kind)
    if not include_retired:
        query = query.where(Term.retired.is_(False))
    rows = list(db.session.scalars(query))
    locale = current_locale()
    return sorted(rows, key=lambda t: _sort_key(getattr(t, f"label_{locale}", t.label_fr)))


def _sort_key(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _sort_key(text)).strip("-")[:60] or "term"


def _labels(label_fr: str, label_nl: str, label_en: str) -> dict[str, str]:
    labels = {"label_fr": (label_fr or "").strip(), "label_nl": (label_nl or "").strip(),
              "label_en": (label_en or "").strip()}
    for key, value in labels.items():
        if not value:
            raise DomainError(_l("This field is required."), field=key)
    return labels


def _check_unique(kind: TermKind, labels: dict[str, str], term_id: int | None) -> None:
    for key, value in labels.items():
        column = getattr(Term, key)
        clash = db.session.scalar(
            sa.select(Term.id).where(Term.kind == kind, sa.func.lower(column) == value.lower(),
                                     Term.id != (term_id or 0))
        )
        if clash:
            raise Conflict(_l("This label is already used in this list."), field=key)


def add_term(kind: TermKind, *, label_fr: str, label_nl: str, label_en: str, actor: Person | None,
             code: str | None = None) -> Term:
    labels = _labels(label_fr, label_nl, label_en)
    _check_unique(kind, labels, None)
    base = code or _slug(labels["label_en"])
    code, n = base, 1
    while db.session.scalar(sa.select(Term.id).where(Term.kind == kind, Term.code == code)):
        n += 1
        code = f"{base}-{n}"
    term = Term(kind=kind, code=code, **labels)
    db.session.add(term)
    db.session.flush()
    record_event("vocabulary.added", actor=actor, kind=kind.value, code=code, **labels)
    return term


def update_term(term: Term, *, label_fr: str, label_nl: str, label_en: str, actor: Person) -> None:
    labels = _labels(label_fr, label_nl, label_en)
    _check_unique(term.kind, labels, term.id)
    old = {key: getattr(term, key) for key in labels}
    if old == labels:
        return
    for key, value in labels.items():
        setattr(term, key, value)
    record_event("vocabulary.renamed", actor=actor, kind=term.kind.value, code=term.code, old=old, new=labels)


def set_term_retired(term: Term, retired: bool, *, actor: Person) -> None:
    """Retired terms stay on the organisations that have them but are no longer offered."""
    if term.retired is retired:
        return
    term.retired = retired
    record_event("vocabulary.retired" if retired else "vocabulary.restored", actor=actor,
                 kind=term.kind.value, code=term.code)
