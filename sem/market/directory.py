"""The directory: one search over organisations, offers and needs, with filters on every
identity axis, counts per kind and paging. Read-only; shared by the pages and the API."""

from dataclasses import dataclass, field, fields
from math import ceil

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from sem.catalogue.models import Competence
from sem.catalogue.vocab import LANGUAGE_BITS
from sem.extensions import db
from sem.market import search
from sem.market.models import Mode, Need, Offer, PostStatus, Urgency
from sem.members.models import Organisation, OrganisationLanguage, OrgStatus, Stage, organisation_term

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass
class Filters:
    """What a visitor asks the directory. Unknown or malformed values are ignored, never errors
    (a shared link keeps working after a vocabulary change)."""

    q: str = ""
    competence: int | None = None
    domain: int | None = None
    sector: int | None = None
    method: int | None = None
    public: int | None = None
    commune: str = ""
    language: str = ""
    stage: str = ""
    mode: str = ""
    urgency: str = ""
    organisation: int | None = None

    @classmethod
    def from_args(cls, args) -> "Filters":
        values = {}
        for f in fields(cls):
            raw = (args.get(f.name) or "").strip()
            if not raw:
                continue
            if f.default is None:  # the id filters
                if raw.isdigit() and len(raw) < 10:
                    values[f.name] = int(raw)
            else:
                values[f.name] = raw[:200]
        return cls(**values)

    def as_args(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    ranks: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def _org_filters(query, f: Filters, org_column):
    """Filters on the organisation behind a result: identity axes, commune, stage."""
    for term_id in (f.sector, f.method, f.public):
        if term_id:
            query = query.where(sa.exists().where(organisation_term.c.organisation_id == org_column,
                                                  organisation_term.c.term_id == term_id))
    if f.commune:
        query = query.where(Organisation.commune == f.commune)
    if f.stage in {s.value for s in Stage}:
        query = query.where(Organisation.stage == Stage(f.stage))
    if f.organisation:
        query = query.where(Organisation.id == f.organisation)
    return query


def _post_query(model, f: Filters):
    query = (sa.select(model).join(Organisation, model.organisation_id == Organisation.id)
             .where(model.status == PostStatus.OPEN, Organisation.status == OrgStatus.APPROVED))
    if f.competence:
        query = query.where(model.competence_id == f.competence)
    if f.domain:
        query = query.where(model.competence_id.in_(sa.select(Competence.id).where(Competence.domain_id == f.domain)))
    if f.language in LANGUAGE_BITS:
        query = query.where(model.language_mask.op("&")(LANGUAGE_BITS[f.language]) != 0)
    if model is Offer and f.mode in {m.value for m in Mode}:
        # Asking for remote help also finds offers that work both ways.
        query = query.where(model.mode.in_([Mode(f.mode), Mode.BOTH]) if f.mode != "both" else model.mode == Mode.BOTH)
    if model is Need and f.urgency in {u.value for u in Urgency}:
        query = query.where(model.urgency == Urgency(f.urgency))
    return _org_filters(query, f, Organisation.id)


def _organisation_query(f: Filters):
    query = sa.select(Organisation).where(Organisation.status == OrgStatus.APPROVED)
    if f.language in LANGUAGE_BITS:
        query = query.where(sa.exists().where(OrganisationLanguage.organisation_id == Organisation.id,
                                              OrganisationLanguage.language == f.language))
    # "Who does what": an organisation matches a competence when it offers it now.
    if f.competence or f.domain:
        offering = sa.select(Offer.organisation_id).where(Offer.status == PostStatus.OPEN)
        if f.competence:
            offering = offering.where(Offer.competence_id == f.competence)
        else:
            offering = offering.where(Offer.competence_id.in_(
                sa.select(Competence.id).where(Competence.domain_id == f.domain)))
        query = query.where(Organisation.id.in_(offering))
    return _org_filters(query, f, Organisation.id)


KIND_MODELS = {"offer": Offer, "need": Need, "organisation": Organisation}


def _query(kind: str, f: Filters):
    return _organisation_query(f) if kind == "organisation" else _post_query(KIND_MODELS[kind], f)


def _with_text(kind: str, query, f: Filters):
    """Restrict to documents matching the text, and return the rank column (or None)."""
    matches = search.matching(kind, f.q) if f.q else None
    if matches is None:
        return query, None
    model = KIND_MODELS[kind]
    return query.join(matches, matches.c.ref_id == model.id), matches.c.rank


def count(kind: str, f: Filters) -> int:
    query, _ = _with_text(kind, _query(kind, f), f)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def counts(f: Filters) -> dict[str, int]:
    """The number of results of every kind, in one query (which matches the text once)."""
    found = search.hits(f.q) if f.q else None
    columns = []
    for kind in search.KINDS:
        query = _query(kind, f)
        if found is not None:
            model = KIND_MODELS[kind]
            query = query.where(model.id.in_(sa.select(found.c.ref_id).where(found.c.kind == kind)))
        query = query.with_only_columns(sa.func.count(), maintain_column_froms=True)
        columns.append(query.scalar_subquery().label(kind))
    row = db.session.execute(sa.select(*columns)).one()
    return dict(zip(search.KINDS, row, strict=True))


def find(kind: str, f: Filters, *, page: int = 1, per_page: int = PAGE_SIZE, total: int | None = None) -> Page:
    """One page of results of `kind`, best match first (or newest, urgent needs first).
    `total`, when the caller has already counted, saves counting again."""
    page, per_page = max(1, page), max(1, min(per_page, MAX_PAGE_SIZE))
    model = KIND_MODELS[kind]
    query, rank = _with_text(kind, _query(kind, f), f)
    if total is None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))

    def order(columns, rank_column):
        keys = [] if rank_column is None else [rank_column]
        if model is Need:
            keys.append(sa.case((columns.urgency == Urgency.URGENT, 0), else_=1))
        keys.extend([columns.name, columns.id] if model is Organisation
                    else [columns.created_at.desc(), columns.id.desc()])
        return keys

    # The page's ids first, sorted on narrow rows; then only those rows get their joins.
    wanted = [model.id, model.created_at, *([Need.urgency] if model is Need else []),
              *([model.name] if model is Organisation else []), *([rank.label("rank")] if rank is not None else [])]
    top = (query.with_only_columns(*wanted, maintain_column_froms=True).order_by(*order(model, rank))
           .limit(per_page).offset((page - 1) * per_page).subquery("page_ids"))
    query = sa.select(model).join(top, top.c.id == model.id)
    if model is Organisation:
        query = query.options(selectinload(Organisation.terms), selectinload(Organisation.languages))
    else:
        query = query.options(joinedload(model.organisation),
                              joinedload(model.competence).joinedload(Competence.domain))
    items = db.session.scalars(query.order_by(*order(top.c, top.c.rank if rank is not None else None))).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)


# --- the directory page: one statement for the counts and the page's rows -----------------

# The columns a result card shows, per kind (and nothing else: no descriptions, no ORM objects).
_CARD_COLUMNS = {
    "offer": lambda: [Offer.id, Offer.title, Offer.organisation_id, Organisation.name.label("organisation_name"),
                      Offer.competence_id, Offer.language_mask, Offer.mode, Offer.monthly_capacity_minutes],
    "need": lambda: [Need.id, Need.title, Need.organisation_id, Organisation.name.label("organisation_name"),
                     Need.competence_id, Need.language_mask, Need.urgency, Need.estimated_minutes, Need.wished_by],
    "organisation": lambda: [Organisation.id, Organisation.name, Organisation.stage, Organisation.commune],
}


@dataclass
class Listing:
    """What the directory page shows: the counts of every kind and one page of `kind`."""

    counts: dict[str, int]
    page: Page


def listing(kind: str, f: Filters, *, page: int = 1, per_page: int = PAGE_SIZE) -> Listing:
    """The counts of every kind and one page of `kind` as plain rows (the card columns), in
    one statement: the full-text match runs once, for the counts and for the ranking. The
    same results in the same order as `counts` and `find`."""
    page, per_page = max(1, page), max(1, min(per_page, MAX_PAGE_SIZE))
    found = search.ranked_hits(f.q, kind) if f.q else None
    columns = []
    for each in search.KINDS:
        query = _query(each, f)
        if found is not None:
            query = query.where(KIND_MODELS[each].id.in_(sa.select(found.c.ref_id).where(found.c.kind == each)))
        query = query.with_only_columns(sa.func.count(), maintain_column_froms=True)
        columns.append(query.scalar_subquery().label(f"count_{each}"))
    totals = sa.select(*columns).subquery("totals")

    model = KIND_MODELS[kind]
    query = _query(kind, f)
    # (name, expression, descending): `find`'s order, the id breaking ties.
    keys = []
    if found is not None:
        query = query.join(found, sa.and_(found.c.kind == kind, found.c.ref_id == model.id))
        keys.append(("key_rank", found.c.rank, False))
    if model is Need:
        keys.append(("key_urgency", sa.case((Need.urgency == Urgency.URGENT, 0), else_=1), False))
    if model is Organisation:
        keys += [("key_name", Organisation.name, False), ("key_id", Organisation.id, False)]
    else:
        keys += [("key_created", model.created_at, True), ("key_id", model.id, True)]

    def order(column):
        return [column(name, expression).desc() if descending else column(name, expression)
                for name, expression, descending in keys]

    rows = (query.with_only_columns(*_CARD_COLUMNS[kind](), *(e.label(n) for n, e, _d in keys),
                                    maintain_column_froms=True)
            .order_by(*order(lambda name, expression: expression))
            .limit(per_page).offset((page - 1) * per_page).subquery("page_rows"))
    statement = (sa.select(totals, rows).select_from(totals.outerjoin(rows, sa.true()))
                 .order_by(*order(lambda name, expression: rows.c[name])))
    result = db.session.execute(statement).all()
    counts = {each: result[0]._mapping[f"count_{each}"] for each in search.KINDS}
    items = [row for row in result if row.id is not None]
    return Listing(counts=counts, page=Page(items=items, total=counts[kind], page=page, per_page=per_page))
