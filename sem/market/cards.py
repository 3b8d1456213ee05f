"""What the directory page shows, as plain strings in the page's language: the filters'
choices and one card per result. Built from the catalogue's labels (read once per page with
three narrow queries) and the directory's rows, without ORM objects: a card costs a few
dictionary look-ups, not a Babel call and two `url_for` per line.

Formatting goes through the same functions as the templates' filters (`hours`, `date`,
`_()`), memoised per locale and value, so the page reads exactly as before."""

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext
from markupsafe import Markup

from sem.catalogue.models import Competence, Domain, Term, TermKind
from sem.catalogue.services import _sort_key
from sem.catalogue.vocab import COMMUNES, LANGUAGES, language_codes
from sem.core.i18n import format_date, format_hours
from sem.extensions import db
from sem.market.labels import MODE_LABELS, URGENCY_LABELS
from sem.market.models import Urgency
from sem.members.labels import STAGE_LABELS
from sem.members.models import organisation_term


class Option(NamedTuple):
    id: int
    label: str


@dataclass(frozen=True)
class Card:
    kind: str
    url: str
    title: str
    path: str = ""            # "Domain › Competence" (posts)
    urgent: bool = False
    organisation_url: str = ""
    organisation_name: str = ""
    facts: Markup = Markup()  # capacity and mode, or estimate and date (posts)
    languages: Markup = Markup()
    stage: object = None      # organisations
    commune: str = ""
    sectors: str = ""


def _label(row, prefix: str, locale: str) -> str:
    # sem.core.i18n.label, on a row: the page's language, else French.
    return row._mapping[f"{prefix}label_{locale}"] or row._mapping[f"{prefix}label_fr"]


class Catalogue:
    """Domains, competences and terms in one locale: the filters' choices and the labels
    the cards show."""

    def __init__(self, locale: str):
        self.locale = locale
        domains = db.session.execute(sa.select(
            Domain.id, Domain.position, Domain.retired, Domain.label_fr, Domain.label_nl, Domain.label_en)).all()
        competences = db.session.execute(sa.select(
            Competence.id, Competence.domain_id, Competence.retired,
            Competence.label_fr, Competence.label_nl, Competence.label_en)).all()
        terms = db.session.execute(sa.select(
            Term.id, Term.kind, Term.retired, Term.label_fr, Term.label_nl, Term.label_en)).all()
        domain_label = {d.id: _label(d, "", locale) for d in domains}
        self.paths = {c.id: f"{domain_label[c.domain_id]} › {_label(c, '', locale)}" for c in competences}
        self.term_labels = {t.id: _label(t, "", locale) for t in terms}
        # The filters: domains in use by position; competences a new post may choose, grouped
        # by domain, both sorted in the locale (as catalogue.competence_choices); live terms.
        self.domains = [Option(d.id, domain_label[d.id]) for d in sorted(domains, key=lambda d: d.position)
                        if not d.retired]
        retired_domains = {d.id for d in domains if d.retired}
        by_domain: dict[int, list] = {}
        for c in competences:
            if not c.retired and c.domain_id not in retired_domains:
                by_domain.setdefault(c.domain_id, []).append(c)
        domain_rows = {d.id: d for d in domains}

        def in_locale(rows):
            return sorted(rows, key=lambda r: (_sort_key(r._mapping[f"label_{locale}"] or r.label_fr), r.id))

        self.competences = [(domain_label[d.id], [(c.id, _label(c, "", locale)) for c in in_locale(by_domain[d.id])])
                            for d in in_locale([domain_rows[i] for i in by_domain])]
        self.terms = {kind: [] for kind in TermKind}
        for t in sorted((t for t in terms if not t.retired),
                        key=lambda t: (_sort_key(t._mapping[f"label_{locale}"]), t.id)):
            self.terms[t.kind].append(Option(t.id, _label(t, "", locale)))
        # The fixed lists (vocab.Choice.label and the value labels, in this locale).
        self.communes = [(c.code, getattr(c, f"label_{locale}", c.label_fr)) for c in COMMUNES]
        self.languages = [(c.code, getattr(c, f"label_{locale}", c.label_fr)) for c in LANGUAGES]
        self.stages = [(s.value, str(text)) for s, text in STAGE_LABELS.items()]
        self.modes = [(m.value, str(text)) for m, text in MODE_LABELS.items()]
        self.urgencies = [(u.value, str(text)) for u, text in URGENCY_LABELS.items()]


_OPTION = Markup('<option value="{}" {}>{}</option>')


def options(choices, selected) -> Markup:
    """The <option>s of a filter, as the template's loop wrote them: (value, label) pairs."""
    return Markup("").join(_OPTION.format(value, "selected" if value == selected else "", label)
                           for value, label in choices)


@lru_cache(maxsize=4096)
def _hours(locale: str, minutes: int) -> str:
    return format_hours(minutes)


@lru_cache(maxsize=4096)
def _date(locale: str, value) -> str:
    return format_date(value, "medium")


@lru_cache(maxsize=256)
def _languages(locale: str, mask: int) -> Markup:
    # As the post macro: each language as <abbr title="its name">CODE</abbr>, space-separated.
    names = {c.code: getattr(c, f"label_{locale}", c.label_fr) for c in LANGUAGES}
    return Markup(" ").join(Markup('<abbr title="{}">{}</abbr>').format(names.get(code, code), code.upper())
                            for code in language_codes(mask))


_PLACEHOLDER = 987654321


def _url_pattern(endpoint: str, id_name: str, **values) -> str:
    """`url_for` once per page, with a placeholder for the id: '/offers/{}'."""
    return url_for(endpoint, **values, **{id_name: _PLACEHOLDER}).replace(str(_PLACEHOLDER), "{}")


def post_cards(kind: str, rows, catalogue: Catalogue) -> list[Card]:
    locale = catalogue.locale
    post_url = _url_pattern("market.post", "post_id", kinds=f"{kind}s")
    org_url = _url_pattern("members.organisation", "org_id")
    cards = []
    if kind == "offer":
        # As Jinja's `_()` does: the translation is markup, the values are escaped into it.
        a_month = Markup(gettext("%(hours)s a month"))  # noqa: S704
        modes = {mode: str(text) for mode, text in MODE_LABELS.items()}
        for row in rows:
            facts = (a_month % {"hours": _hours(locale, row.monthly_capacity_minutes)}
                     + Markup(" · ") + modes[row.mode])
            cards.append(_post_card(kind, row, catalogue, post_url, org_url, facts, locale))
    else:
        about, by = Markup(gettext("about %(hours)s")), Markup(gettext("by %(date)s"))  # noqa: S704
        for row in rows:
            facts = about % {"hours": _hours(locale, row.estimated_minutes)}
            if row.wished_by:
                facts += Markup(" · ") + by % {"date": _date(locale, row.wished_by)}
            cards.append(_post_card(kind, row, catalogue, post_url, org_url, facts, locale,
                                    urgent=row.urgency is Urgency.URGENT))
    return cards


def _post_card(kind, row, catalogue, post_url, org_url, facts, locale, urgent=False) -> Card:
    return Card(kind=kind, url=post_url.format(row.id), title=row.title, path=catalogue.paths[row.competence_id],
                urgent=urgent, organisation_url=org_url.format(row.organisation_id),
                organisation_name=row.organisation_name, facts=facts, languages=_languages(locale, row.language_mask))


def organisation_cards(rows, catalogue: Catalogue) -> list[Card]:
    """Organisations with their sectors (one query for the page), by term id as Organisation.sectors."""
    ids = [row.id for row in rows]
    sectors: dict[int, list[str]] = {}
    if ids:
        links = db.session.execute(
            sa.select(organisation_term.c.organisation_id, organisation_term.c.term_id)
            .join(Term, Term.id == organisation_term.c.term_id)
            .where(organisation_term.c.organisation_id.in_(ids), Term.kind == TermKind.SECTOR)
            .order_by(organisation_term.c.organisation_id, organisation_term.c.term_id))
        for org_id, term_id in links:
            sectors.setdefault(org_id, []).append(catalogue.term_labels[term_id])
    url = _url_pattern("members.organisation", "org_id")
    communes = {c.code: getattr(c, f"label_{catalogue.locale}", c.label_fr) for c in COMMUNES}
    return [Card(kind="organisation", url=url.format(row.id), title=row.name, stage=row.stage,
                 commune=communes.get(row.commune, row.commune or ""), sectors=" · ".join(sectors.get(row.id, ())))
            for row in rows]

