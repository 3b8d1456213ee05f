"""Managing the identity vocabularies and the competence catalogue (coordinators only)."""

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from sem.catalogue.models import Competence, Domain, Term, TermKind
from sem.core.errors import Conflict, DomainError
from sem.core.i18n import current_locale
from sem.extensions import db
from sem.market import search
from sem.market.models import Need, Offer, PostStatus
from sem.members.models import Person
from sem.members.services import record_event


def terms(kind: TermKind, *, include_retired: bool = False) -> list[Term]:
    query = sa.select(Term).where(Term.kind == kind)
    if not include_retired:
        query = query.where(Term.retired.is_(False))
    rows = list(db.session.scalars(query))
    locale = current_locale()
    return sorted(rows, key=lambda t: _sort_key(getattr(t, f"label_{locale}", t.label_fr)))


def terms_by_kind(*, include_retired: bool = False) -> dict[TermKind, list[Term]]:
    """`terms` of every kind, in one query."""
    query = sa.select(Term)
    if not include_retired:
        query = query.where(Term.retired.is_(False))
    by_kind: dict[TermKind, list[Term]] = {kind: [] for kind in TermKind}
    for term in db.session.scalars(query):
        by_kind[term.kind].append(term)
    locale = current_locale()
    return {kind: sorted(rows, key=lambda t: _sort_key(getattr(t, f"label_{locale}", t.label_fr)))
            for kind, rows in by_kind.items()}


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


# --- the competence catalogue (domain → competence) ------------------------------------------
#
# Coordinators add, rename, move, retire and merge entries; nothing is ever deleted, so every
# post keeps a valid competence. A retired entry (or any competence of a retired domain) stays
# on the posts that use it but is no longer offered in forms. A merged competence is retired
# for good: its posts have moved to `merged_into`.

DESCRIPTION_MAX = 500


def _descriptions(description_fr: str, description_nl: str, description_en: str) -> dict[str, str]:
    descriptions = {"description_fr": (description_fr or "").strip(),
                    "description_nl": (description_nl or "").strip(),
                    "description_en": (description_en or "").strip()}
    for key, value in descriptions.items():
        if len(value) > DESCRIPTION_MAX:
            raise DomainError(_l("At most %(n)d characters.", n=DESCRIPTION_MAX), field=key)
    return descriptions


def _check_unique_labels(model, labels: dict[str, str], own_id: int | None, message) -> None:
    """Labels are unique per level (all domains, or all competences), whatever the case, retired
    entries included: two entries that read the same could not be told apart in a list."""
    for key, value in labels.items():
        clash = db.session.scalar(
            sa.select(model.id).where(sa.func.lower(getattr(model, key)) == value.lower(), model.id != (own_id or 0))
        )
        if clash:
            raise Conflict(message, field=key)


def _unique_code(model, text: str) -> str:
    base = _slug(text)
    code, n = base, 1
    while db.session.scalar(sa.select(model.id).where(model.code == code)):
        n += 1
        code = f"{base[:55]}-{n}"
    return code


def _changes(entry, values: dict[str, str]) -> tuple[dict, dict]:
    """The (old, new) values of the fields `values` would change on `entry`."""
    old = {key: getattr(entry, key) for key, value in values.items() if getattr(entry, key) != value}
    return old, {key: values[key] for key in old}


def _snapshot(entry) -> dict[str, str]:
    """What the audit log keeps to name an entry: its code and its three labels."""
    return {"code": entry.code, **{f"label_{lang}": label for lang, label in entry.labels.items()}}


def _in_locale(entries):
    locale = current_locale()
    return sorted(entries, key=lambda e: (_sort_key(getattr(e, f"label_{locale}", "") or e.label_fr), e.id))


def catalogue_domains() -> list[Domain]:
    """Every domain with its competences (retired and merged ones included), in the page's language."""
    domains = db.session.scalars(
        sa.select(Domain).options(selectinload(Domain.competences).selectinload(Competence.merged_into))
    ).all()
    return _in_locale(domains)


def competences_of(domain: Domain) -> list[Competence]:
    return _in_locale(domain.competences)


def is_offered(competence: Competence) -> bool:
    """Whether a new post may choose this competence: neither it nor its domain is retired."""
    return not competence.retired and not competence.domain.retired


def open_post_counts() -> dict[int, tuple[int, int]]:
    """{competence id: (open offers, open needs)} for the competences that have any."""
    counts: dict[int, list[int]] = {}
    for position, model in enumerate((Offer, Need)):
        rows = db.session.execute(
            sa.select(model.competence_id, sa.func.count()).where(model.status == PostStatus.OPEN)
            .group_by(model.competence_id)
        )
        for competence_id, n in rows:
            counts.setdefault(competence_id, [0, 0])[position] = n
    return {competence_id: (offers, needs) for competence_id, (offers, needs) in counts.items()}


def post_counts(competence: Competence) -> tuple[int, int]:
    """(offers, needs) that use this competence, whatever their status."""
    offers, needs = (
        db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.competence_id == competence.id))
        for model in (Offer, Need)
    )
    return offers, needs


def competence_choices(include_ids=()) -> list[tuple[str, list[tuple[int, str]]]]:
    """Grouped choices for a form's select, in the page's language:
    [(domain label, [(competence id, competence label), ...]), ...].

    Retired competences, and those of retired domains, are left out unless their id is in
    `include_ids`: a post keeps its competence selectable even after it was retired."""
    keep = {int(i) for i in include_ids if i is not None}
    rows = db.session.scalars(sa.select(Competence).options(joinedload(Competence.domain))).all()
    by_domain: dict[Domain, list[Competence]] = {}
    for competence in rows:
        if is_offered(competence) or competence.id in keep:
            by_domain.setdefault(competence.domain, []).append(competence)
    return [(domain.label, [(c.id, c.label) for c in _in_locale(competences)])
            for domain, competences in ((d, by_domain[d]) for d in _in_locale(by_domain))]


def add_domain(*, label_fr: str, label_nl: str, label_en: str, description_fr: str = "", description_nl: str = "",
               description_en: str = "", actor: Person | None) -> Domain:
    labels = _labels(label_fr, label_nl, label_en)
    descriptions = _descriptions(description_fr, description_nl, description_en)
    _check_unique_labels(Domain, labels, None, _l("Another domain already has this label."))
    position = db.session.scalar(sa.select(sa.func.max(Domain.position))) or 0
    domain = Domain(code=_unique_code(Domain, labels["label_en"]), position=position + 1, **labels, **descriptions)
    db.session.add(domain)
    db.session.flush()
    record_event("catalogue.domain_added", actor=actor, **_snapshot(domain))
    return domain


def update_domain(domain: Domain, *, label_fr: str, label_nl: str, label_en: str, description_fr: str = "",
                  description_nl: str = "", description_en: str = "", actor: Person) -> None:
    """Rename a domain or change its descriptions; posts are reindexed under the new labels."""
    labels = _labels(label_fr, label_nl, label_en)
    descriptions = _descriptions(description_fr, description_nl, description_en)
    _check_unique_labels(Domain, labels, domain.id, _l("Another domain already has this label."))
    old, new = _changes(domain, {**labels, **descriptions})
    if not new:
        return
    for key, value in new.items():
        setattr(domain, key, value)
    db.session.flush()
    record_event("catalogue.domain_changed", actor=actor, **_snapshot(domain), old=old, new=new,
                 changed=_changed_parts(new))


def set_domain_retired(domain: Domain, retired: bool, *, actor: Person) -> None:
    """A retired domain's competences are no longer offered; nothing is deleted, and each
    competence keeps its own retired flag, so restoring the domain brings back exactly the
    competences that were in use."""
    if domain.retired is retired:
        return
    domain.retired = retired
    db.session.flush()
    record_event("catalogue.domain_retired" if retired else "catalogue.domain_restored", actor=actor,
                 **_snapshot(domain))


def _check_open_domain(domain: Domain | None, field: str) -> Domain:
    if domain is None:
        raise DomainError(_l("Choose a domain from the list."), field=field)
    if domain.retired:
        raise DomainError(_l("This domain is retired: restore it first."), field=field)
    return domain


def add_competence(domain: Domain, *, label_fr: str, label_nl: str, label_en: str, description_fr: str = "",
                   description_nl: str = "", description_en: str = "", actor: Person | None) -> Competence:
    _check_open_domain(domain, "domain_id")
    labels = _labels(label_fr, label_nl, label_en)
    descriptions = _descriptions(description_fr, description_nl, description_en)
    _check_unique_labels(Competence, labels, None, _l("Another competence already has this label."))
    position = db.session.scalar(sa.select(sa.func.max(Competence.position)).where(Competence.domain_id == domain.id))
    competence = Competence(domain=domain, code=_unique_code(Competence, labels["label_en"]),
                            position=(position or 0) + 1, **labels, **descriptions)
    db.session.add(competence)
    db.session.flush()
    record_event("catalogue.competence_added", actor=actor, **_snapshot(competence), domain=domain.code)
    return competence


def update_competence(competence: Competence, *, label_fr: str, label_nl: str, label_en: str,
                      description_fr: str = "", description_nl: str = "", description_en: str = "",
                      domain: Domain | None, actor: Person) -> None:
    """Rename a competence, change its descriptions, or move it to another (open) domain;
    `domain` is where it belongs afterwards (its current one to stay). Its posts follow it
    and are reindexed under the new labels."""
    labels = _labels(label_fr, label_nl, label_en)
    descriptions = _descriptions(description_fr, description_nl, description_en)
    if domain is None:
        raise DomainError(_l("Choose a domain from the list."), field="domain_id")
    _check_unique_labels(Competence, labels, competence.id, _l("Another competence already has this label."))
    old, new = _changes(competence, {**labels, **descriptions})
    if domain.id != competence.domain_id:
        _check_open_domain(domain, "domain_id")
        old["domain"], new["domain"] = competence.domain.code, domain.code
        position = db.session.scalar(
            sa.select(sa.func.max(Competence.position)).where(Competence.domain_id == domain.id))
        competence.domain, competence.position = domain, (position or 0) + 1
    if not new:
        return
    for key, value in new.items():
        if key != "domain":
            setattr(competence, key, value)
    db.session.flush()
    record_event("catalogue.competence_changed", actor=actor, **_snapshot(competence), old=old, new=new,
                 changed=_changed_parts(new))


def _changed_parts(new: dict) -> list[str]:
    parts = {"labels": "label_", "descriptions": "description_", "domain": "domain"}
    return [part for part, prefix in parts.items() if any(key.startswith(prefix) for key in new)]


def set_competence_retired(competence: Competence, retired: bool, *, actor: Person) -> None:
    """A retired competence stays on the posts that use it but is no longer offered."""
    if competence.retired is retired:
        return
    if not retired:
        if competence.merged_into_id is not None:
            raise Conflict(_l("A merged competence cannot be restored: its posts have moved to another one."))
        _check_open_domain(competence.domain, "domain_id")
    competence.retired = retired
    db.session.flush()
    record_event("catalogue.competence_retired" if retired else "catalogue.competence_restored", actor=actor,
                 **_snapshot(competence))


def merge_competences(source: Competence, target: Competence, *, actor: Person, reason: str = "") -> int:
    """Move every offer and need of `source` (whatever its status) to `target`, then retire
    `source` for good, pointing to `target`. Returns how many posts moved.

    The posts move in two UPDATE statements, not one by one; their search documents are then
    rewritten under the target's labels."""
    if target is None:
        raise DomainError(_l("Choose a competence from the list."), field="target_id")
    if source.id == target.id:
        raise DomainError(_l("A competence cannot be merged into itself."), field="target_id")
    if source.merged_into_id is not None:
        raise Conflict(_l("This competence is already merged into another one."))
    if not is_offered(target):
        raise DomainError(_l("Choose a competence that is in use: this one is retired."), field="target_id")
    moved = {}
    for model in (Offer, Need):
        ids = db.session.scalars(
            sa.update(model).where(model.competence_id == source.id).values(competence_id=target.id)
            .returning(model.id), execution_options={"synchronize_session": "fetch"}
        ).all()
        moved[model] = ids
        if ids:
            posts = db.session.scalars(sa.select(model).where(model.id.in_(ids))
                                       .execution_options(populate_existing=True)).all()
            search.reindex(db.session, posts)
    # Earlier merges into `source` now lead to `target`, so `merged_into` always names a live competence.
    db.session.execute(sa.update(Competence).where(Competence.merged_into_id == source.id)
                       .values(merged_into_id=target.id), execution_options={"synchronize_session": "fetch"})
    source.retired, source.merged_into = True, target
    db.session.flush()
    offers, needs = len(moved[Offer]), len(moved[Need])
    record_event("catalogue.competences_merged", actor=actor, reason=(reason or "").strip(),
                 source=_snapshot(source), target=_snapshot(target), offers=offers, needs=needs,
                 posts=offers + needs)
    return offers + needs
