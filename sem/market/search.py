"""Full-text search over organisations, offers and needs, in French and Dutch.

Every searchable thing has one row in `search_document` whose `terms` hold its words,
lower-cased, without accents, and stemmed with both the French and the Dutch Snowball
stemmers (and competence labels in all three languages, so a French query finds a Dutch
post about the same competence). Queries go through the same folding and stemming, so
both backends see the same tokens: SQLite matches them with an FTS5 table, PostgreSQL with
a GIN index on a generated `to_tsvector('simple', terms)` column. The documents are kept up to date by a
flush listener, in the same transaction as the change.
"""

import re
import unicodedata
from functools import cache, lru_cache
from itertools import chain

import snowballstemmer
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload

from sem.extensions import db

KINDS = ("organisation", "offer", "need")
_WORD = re.compile(r"\w+", re.UNICODE)
_REINDEX = "sem_search_reindex"


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (sa.UniqueConstraint("kind", "ref_id", name="uq_search_document_kind_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    ref_id: Mapped[int] = mapped_column()
    terms: Mapped[str] = mapped_column(sa.Text)


# --- words --------------------------------------------------------------------------------


@cache
def _stemmers():
    return snowballstemmer.stemmer("french"), snowballstemmer.stemmer("dutch")


def fold(text: str) -> str:
    """Lower case, accents removed: 'Équipe' → 'equipe'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> tuple[str, ...]:
    """The forms a word is indexed and searched under: itself and its French and Dutch
    stems, each computed before and after removing accents (stemmers know accents).
    Cached: texts reuse few distinct words, and the stemmers are pure Python."""
    lower = word.lower()
    folded = fold(lower)
    forms = {folded}
    for stemmer in _stemmers():
        forms.add(fold(stemmer.stemWord(lower)))
        forms.add(stemmer.stemWord(folded))
    return tuple(sorted(form for form in forms if len(form) > 1 or form.isdigit()))


def index_terms(*texts: str) -> str:
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(text or ""):
            for form in word_forms(word):
                seen.setdefault(form, None)
    return " ".join(seen)


def query_words(query: str) -> list[list[str]]:
    """Each word of the query with its forms; a document must match every word (any form).
    Forms are matched as prefixes, so a form that starts with another of the same word adds
    nothing and is left out (each form costs a test on every candidate document)."""
    words = []
    for word in _WORD.findall(query or "")[:12]:
        forms = [f for f in word_forms(word) if f.isalnum()]
        forms = [f for f in forms if not any(other != f and f.startswith(other) for other in forms)]
        if forms:
            words.append(forms)
    return words


# --- documents ----------------------------------------------------------------------------


def _document_text(obj) -> str | None:
    """The words of one organisation or post, or None when it should not be indexed."""
    from sem.catalogue.vocab import COMMUNES, find
    from sem.members.models import Organisation

    if isinstance(obj, Organisation):
        commune = find(COMMUNES, obj.commune)
        term_labels = chain.from_iterable(t.labels.values() for t in obj.terms)
        return index_terms(obj.name, obj.description, *term_labels,
                           *(commune.label_fr, commune.label_nl) if commune else ())
    competence = obj.competence
    domain = competence.domain
    return index_terms(obj.title, obj.description, *competence.labels.values(), *domain.labels.values(),
                       obj.organisation.name)


def _kind_of(obj) -> str:
    from sem.members.models import Organisation

    return "organisation" if isinstance(obj, Organisation) else obj.kind


def reindex(session: Session, objects) -> None:
    """Write the search documents of these organisations and posts."""
    rows = [{"kind": _kind_of(obj), "ref_id": obj.id, "terms": _document_text(obj)} for obj in objects]
    if not rows:
        return
    for kind in KINDS:
        ids = [row["ref_id"] for row in rows if row["kind"] == kind]
        if ids:
            session.execute(sa.delete(SearchDocument).where(SearchDocument.kind == kind,
                                                            SearchDocument.ref_id.in_(ids)))
    session.execute(sa.insert(SearchDocument), rows)


def reindex_all(session: Session) -> int:
    """Rebuild every document (after a bulk import)."""
    from sem.catalogue.models import Competence
    from sem.market.models import Need, Offer
    from sem.members.models import Organisation

    session.execute(sa.delete(SearchDocument))
    loads = {Organisation: [selectinload(Organisation.terms)],
             Offer: [selectinload(Offer.organisation), selectinload(Offer.competence).selectinload(Competence.domain)],
             Need: [selectinload(Need.organisation), selectinload(Need.competence).selectinload(Competence.domain)]}
    count = 0
    for model, options in loads.items():
        ids = session.scalars(sa.select(model.id).order_by(model.id)).all()
        for start in range(0, len(ids), 500):
            chunk = session.scalars(sa.select(model).where(model.id.in_(ids[start:start + 500])).options(*options))
            objects = list(chunk)
            reindex(session, objects)
            count += len(objects)
    return count


def _affected(session: Session, obj):
    """The organisations and posts whose words change when `obj` changes."""
    from sem.catalogue.models import Competence, Domain, Term
    from sem.market.models import Need, Offer, Post
    from sem.members.models import Organisation, organisation_term

    if isinstance(obj, Organisation | Post):
        return [obj]
    if isinstance(obj, Term):
        return session.scalars(sa.select(Organisation).join(organisation_term).where(
            organisation_term.c.term_id == obj.id)).all()
    if isinstance(obj, Competence | Domain):
        posts = []
        for model in (Offer, Need):
            query = sa.select(model).join(Competence, model.competence_id == Competence.id)
            query = query.where(Competence.id == obj.id if isinstance(obj, Competence)
                                else Competence.domain_id == obj.id)
            posts.extend(session.scalars(query))
        return posts
    return []


def _words_changed(obj) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes()
               for name in ("label_fr", "label_nl", "label_en", "domain_id") if name in state.attrs)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context, instances) -> None:
    from sem.catalogue.models import Competence, Domain, Term
    from sem.market.models import Post
    from sem.members.models import Organisation

    changed = [obj for obj in chain(session.new, session.dirty) if isinstance(obj, Organisation | Post)]
    # A vocabulary or catalogue entry matters only when an existing one is renamed or moved:
    # a new one is on no document yet.
    changed += [obj for obj in session.dirty if isinstance(obj, Term | Competence | Domain)
                and _words_changed(obj)]
    if changed:
        session.info.setdefault(_REINDEX, []).extend(changed)


@event.listens_for(Session, "after_flush_postexec")
def _write(session: Session, flush_context) -> None:
    changed = session.info.pop(_REINDEX, None)
    if not changed:
        return
    targets = {}
    with session.no_autoflush:
        for obj in changed:
            for target in _affected(session, obj):
                targets[(_kind_of(target), target.id)] = target
        reindex(session, targets.values())


# --- matching -----------------------------------------------------------------------------


def hits(query: str):
    """A CTE of (kind, ref_id, doc_id) for every document that matches every word of
    `query`, whatever its kind, or None when the query has no words. Materialised: the
    full-text match runs once per statement, however many kinds the statement counts."""
    words = query_words(query)
    if not words:
        return None
    if db.engine.dialect.name == "postgresql":
        vector, query_ts = _postgres_match(words)
        return (sa.select(SearchDocument.kind.label("kind"), SearchDocument.ref_id.label("ref_id"),
                          SearchDocument.id.label("doc_id"))
                .where(vector.op("@@")(query_ts))
                .cte("search_hits").prefix_with("MATERIALIZED"))
    fts, match = _sqlite_match(words)
    matched = sa.select(fts.c.rowid).where(match)
    return (sa.select(SearchDocument.kind.label("kind"), SearchDocument.ref_id.label("ref_id"),
                      SearchDocument.id.label("doc_id"))
            .where(SearchDocument.id.in_(matched))
            .cte("search_hits").prefix_with("MATERIALIZED"))


def _tsquery(words):
    tsquery = " & ".join("(" + " | ".join(f"{form}:*" for form in forms) + ")" for forms in words)
    return sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery)


def _fts_query(words) -> str:
    return " AND ".join("(" + " OR ".join(f'"{form}"*' for form in forms) + ")" for forms in words)


def _postgres_match(words):
    """The stored, generated tsvector column (made by the migration, GIN-indexed) and the
    query of `words`."""
    return sa.literal_column("search_document.fts"), _tsquery(words)


def _sqlite_match(words):
    """The FTS5 table and its MATCH condition for `words`."""
    fts = sa.table("search_fts", sa.column("rowid"), sa.column("rank"))
    return fts, sa.text("search_fts MATCH :fts_query").bindparams(fts_query=_fts_query(words))


def matching(kind: str, query: str):
    """A selectable of (ref_id, rank) for the documents of `kind` that match every word of
    `query` (lower rank is better), or None when the query has no words."""
    words = query_words(query)
    if not words:
        return None
    if db.engine.dialect.name == "postgresql":
        vector, query_ts = _postgres_match(words)
        return (sa.select(SearchDocument.ref_id.label("ref_id"),
                          (-sa.func.ts_rank_cd(vector, query_ts)).label("rank"))
                .where(SearchDocument.kind == kind, vector.op("@@")(query_ts))
                .subquery())
    fts, match = _sqlite_match(words)
    # Materialised so that SQLite runs the full-text match once, not once per candidate row.
    found = (sa.select(fts.c.rowid.label("doc_id"), fts.c.rank.label("rank")).where(match)
             .cte(f"fts_{kind}").prefix_with("MATERIALIZED"))
    return (sa.select(SearchDocument.ref_id.label("ref_id"), found.c.rank.label("rank"))
            .join(found, found.c.doc_id == SearchDocument.id)
            .where(SearchDocument.kind == kind)
            .subquery())


def ranked_hits(query: str, kind: str):
    """A CTE of (kind, ref_id, rank) for every document of any kind that matches every word
    of `query`, ranked for `kind` (lower rank is better: the same rank as `matching`), or
    None when the query has no words. Materialised: one statement can count every kind and
    rank one of them while the full-text match runs once."""
    words = query_words(query)
    if not words:
        return None
    if db.engine.dialect.name == "postgresql":
        vector, query_ts = _postgres_match(words)
        # Ranking reads the whole vector again: only for the kind that is listed.
        rank = sa.case((SearchDocument.kind == kind, -sa.func.ts_rank_cd(vector, query_ts)))
        return (sa.select(SearchDocument.kind.label("kind"), SearchDocument.ref_id.label("ref_id"),
                          rank.label("rank"))
                .where(vector.op("@@")(query_ts))
                .cte("search_hits").prefix_with("MATERIALIZED"))
    fts, match = _sqlite_match(words)
    return (sa.select(SearchDocument.kind.label("kind"), SearchDocument.ref_id.label("ref_id"),
                      fts.c.rank.label("rank"))
            .select_from(fts).join(SearchDocument, SearchDocument.id == fts.c.rowid)
            .where(match)
            .cte("search_hits").prefix_with("MATERIALIZED"))
