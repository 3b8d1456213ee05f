"""Coordinators manage the competence catalogue (domain → competence): add, rename, move,
retire and merge, without ever breaking a post."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sem.catalogue import services as catalogue
from sem.catalogue.models import Competence, Domain
from sem.core.db import utcnow
from sem.core.errors import DomainError
from sem.extensions import db
from sem.market.models import Need, Offer, PostStatus
from sem.market.search import SearchDocument
from sem.members.models import AuditEvent
from tests.conftest import login, post

CATALOGUE = "/coordination/competences/"
GARDENING = {"label_fr": "Jardinage", "label_nl": "Tuinieren", "label_en": "Gardening",
             "description_fr": "Potagers collectifs", "description_nl": "", "description_en": ""}


def _id(app, model, code: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(model.id).where(model.code == code))


def _add_posts(app, org: int, competence_id: int, *, offers=1, needs=1, status=PostStatus.OPEN) -> list[tuple]:
    """Offers and needs of `org` in a competence; returns [(model, id), ...]."""
    with app.app_context():
        posts = [Offer(organisation_id=org, competence_id=competence_id, title=f"Offer {i}", languages=["fr"],
                       monthly_capacity_minutes=600, expires_at=utcnow() + timedelta(days=30), status=status)
                 for i in range(offers)]
        posts += [Need(organisation_id=org, competence_id=competence_id, title=f"Need {i}", languages=["fr"],
                       estimated_minutes=120, expires_at=utcnow() + timedelta(days=30), status=status)
                  for i in range(needs)]
        db.session.add_all(posts)
        db.session.commit()
        return [(type(p), p.id) for p in posts]


def _actions(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _row(html: str, text: str) -> str:
    """The table row of a page that contains `text`."""
    return next(row for row in html.split("<tr")[1:] if text in row).split("</tr>")[0]


def _choice_ids(choices) -> set[int]:
    return {value for _group, options in choices for value, _label in options}


def test_coordinator_adds_a_domain_and_a_competence_then_renames_and_moves_it(app, client, make):
    make.vocabularies()
    login(client, app, make.coordinator())
    response = post(client, CATALOGUE, {"label_fr": "Jardins", "label_nl": "Tuinen", "label_en": "Gardens",
                                        "description_fr": "Tout ce qui pousse"})
    assert response.status_code == 302
    domain_id = _id(app, Domain, "gardens")
    assert response.headers["Location"].endswith(f"#domain-{domain_id}")
    assert post(client, f"{CATALOGUE}domains/{domain_id}/new", GARDENING).status_code == 302
    competence_id = _id(app, Competence, "gardening")
    with app.app_context():
        competence = db.session.get(Competence, competence_id)
        assert competence.domain_id == domain_id and competence.description_fr == "Potagers collectifs"
        assert not competence.retired

    # Renamed and moved to another domain in one go; the labels and the move are in the log.
    it_domain = _id(app, Domain, "it")
    response = post(client, f"{CATALOGUE}{competence_id}",
                    {**GARDENING, "label_en": "Vegetable gardening", "description_en": "Shared plots",
                     "domain_id": it_domain})
    assert response.status_code == 302
    with app.app_context():
        competence = db.session.get(Competence, competence_id)
        assert (competence.label_en, competence.description_en) == ("Vegetable gardening", "Shared plots")
        assert competence.domain_id == it_domain and competence.code == "gardening"
        changed = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "catalogue.competence_changed")).one()
        assert changed.details["changed"] == ["labels", "descriptions", "domain"]
        assert changed.details["old"]["domain"] == "gardens" and changed.details["new"]["domain"] == "it"

    post(client, f"{CATALOGUE}domains/{domain_id}", {"label_fr": "Jardins urbains", "label_nl": "Stadstuinen",
                                                      "label_en": "Urban gardens", "description_fr": ""})
    with app.app_context():
        domain = db.session.get(Domain, domain_id)
        assert domain.label_nl == "Stadstuinen" and domain.description_fr == ""
    assert _actions(app) == ["catalogue.domain_added", "catalogue.competence_added", "catalogue.competence_changed",
                             "catalogue.domain_changed"]


def test_saving_without_a_change_records_nothing(app, client, make):
    make.vocabularies()
    login(client, app, make.coordinator())
    website = _id(app, Competence, "it-website")
    with app.app_context():
        competence = db.session.get(Competence, website)
        same = {"label_fr": competence.label_fr, "label_nl": competence.label_nl, "label_en": competence.label_en,
                "domain_id": competence.domain_id}
    assert post(client, f"{CATALOGUE}{website}", same).status_code == 302
    assert _actions(app) == []


def test_catalogue_page_lists_domains_competences_open_posts_and_badges(app, client, make):
    make.vocabularies()
    org = make.org()
    website, hardware = _id(app, Competence, "it-website"), _id(app, Competence, "it-hardware")
    _add_posts(app, org, website, offers=2, needs=3)
    _add_posts(app, org, website, offers=4, needs=0, status=PostStatus.CLOSED)  # closed: not counted
    login(client, app, make.coordinator(locale="en"))
    post(client, f"{CATALOGUE}{hardware}/retire")
    html = client.get(CATALOGUE).get_data(as_text=True)
    assert "IT support" in html and "IT-ondersteuning" in html and "Support informatique" in html
    assert "retired" in _row(html, "Hardware en onderhoud")
    website_row = _row(html, "Site web")
    assert "<td>2</td>" in website_row and "<td>3</td>" in website_row and "retired" not in website_row
    assert 'aria-current="page">Competences' in html


def test_coordinator_retires_and_restores_a_competence(app, client, make):
    make.vocabularies()
    login(client, app, make.coordinator())
    website = _id(app, Competence, "it-website")
    assert post(client, f"{CATALOGUE}{website}/retire").status_code == 302
    with app.test_request_context():
        assert db.session.get(Competence, website).retired
        assert website not in _choice_ids(catalogue.competence_choices())
    post(client, f"{CATALOGUE}{website}/restore")
    with app.test_request_context():
        assert not db.session.get(Competence, website).retired
        assert website in _choice_ids(catalogue.competence_choices())
    assert _actions(app) == ["catalogue.competence_retired", "catalogue.competence_restored"]


def test_retiring_a_domain_hides_its_competences_but_deletes_nothing(app, client, make):
    make.vocabularies()
    org = make.org()
    it_domain, website, hardware = (_id(app, Domain, "it"), _id(app, Competence, "it-website"),
                                    _id(app, Competence, "it-hardware"))
    posts = _add_posts(app, org, website)
    login(client, app, make.coordinator())
    post(client, f"{CATALOGUE}{hardware}/retire")
    before = _count(app, Competence)
    assert post(client, f"{CATALOGUE}domains/{it_domain}/retire").status_code == 302
    with app.test_request_context():
        assert db.session.get(Domain, it_domain).retired
        offered = _choice_ids(catalogue.competence_choices())
        assert website not in offered and hardware not in offered
        assert website in _choice_ids(catalogue.competence_choices(include_ids=[website]))
        assert all(db.session.get(model, post_id).competence_id == website for model, post_id in posts)
    assert _count(app, Competence) == before
    # No new competence in a retired domain, and none restored into it.
    post(client, f"{CATALOGUE}domains/{it_domain}/new", GARDENING)
    post(client, f"{CATALOGUE}{hardware}/restore")
    with app.app_context():
        assert db.session.get(Competence, hardware).retired
    assert _count(app, Competence) == before
    # Restoring the domain brings back exactly the competences that were in use.
    post(client, f"{CATALOGUE}domains/{it_domain}/restore")
    with app.test_request_context():
        offered = _choice_ids(catalogue.competence_choices())
        assert website in offered and hardware not in offered
    assert _actions(app) == ["catalogue.competence_retired", "catalogue.domain_retired",
                             "catalogue.domain_restored"]


def test_merge_moves_every_post_and_leaves_one_audit_event(app, client, make):
    make.vocabularies()
    org = make.org()
    source, target = _id(app, Competence, "it-website"), _id(app, Competence, "com-graphic-design")
    moved = _add_posts(app, org, source, offers=2, needs=1)
    moved += _add_posts(app, org, source, offers=1, needs=0, status=PostStatus.EXPIRED)
    staying = _add_posts(app, org, _id(app, Competence, "it-hardware"))
    login(client, app, make.coordinator(locale="en"))
    page = client.get(f"{CATALOGUE}{source}/merge").get_data(as_text=True)
    assert f'value="{target}"' in page and f'value="{source}"' not in page

    response = post(client, f"{CATALOGUE}{source}/merge", {"target_id": target, "reason": "Same thing"})
    assert response.status_code == 302
    with app.app_context():
        assert all(db.session.get(model, post_id).competence_id == target for model, post_id in moved)
        assert all(db.session.get(model, post_id).competence_id != target for model, post_id in staying)
        merged = db.session.get(Competence, source)
        assert merged.retired and merged.merged_into_id == target
        event = db.session.scalars(sa.select(AuditEvent)).one()
        assert event.action == "catalogue.competences_merged" and event.reason == "Same thing"
        assert (event.details["offers"], event.details["needs"], event.details["posts"]) == (3, 1, 4)
        assert (event.details["source"]["code"], event.details["target"]["code"]) == ("it-website",
                                                                                      "com-graphic-design")
        # The moved posts are found under the target's words (here the Dutch "grafisch").
        offer_id = next(post_id for model, post_id in moved if model is Offer)
        terms = db.session.scalar(sa.select(SearchDocument.terms).where(
            SearchDocument.kind == "offer", SearchDocument.ref_id == offer_id))
        assert "grafisch" in terms.split()
    audit = client.get("/coordination/audit").get_data(as_text=True)
    assert "Competences merged" in audit and "Website → Graphic design: 4 posts moved" in audit
    assert "merged into Graphic design" in client.get(CATALOGUE).get_data(as_text=True)


def test_merge_refuses_itself_a_retired_target_and_a_merged_source(app, client, make):
    make.vocabularies()
    org = make.org()
    website, design, hardware, press = (_id(app, Competence, code) for code in
                                        ("it-website", "com-graphic-design", "it-hardware", "com-press"))
    posts = _add_posts(app, org, website)
    login(client, app, make.coordinator())
    post(client, f"{CATALOGUE}{hardware}/retire")
    for target in (website, hardware, "", "nonsense"):
        assert post(client, f"{CATALOGUE}{website}/merge", {"target_id": target}).status_code == 200
    with app.app_context():
        assert not db.session.get(Competence, website).retired
        assert all(db.session.get(model, post_id).competence_id == website for model, post_id in posts)
    assert _actions(app) == ["catalogue.competence_retired"]

    post(client, f"{CATALOGUE}{website}/merge", {"target_id": design})
    with app.test_request_context():
        website_row, design_row, press_row = (db.session.get(Competence, i) for i in (website, design, press))
        with pytest.raises(DomainError):  # merged already
            catalogue.merge_competences(website_row, press_row, actor=None)
        with pytest.raises(DomainError):  # into a merged one
            catalogue.merge_competences(press_row, website_row, actor=None)
        with pytest.raises(DomainError):  # a merged competence is retired for good
            catalogue.set_competence_retired(website_row, False, actor=None)
        db.session.rollback()
    # Merging the target further carries the earlier merge along.
    post(client, f"{CATALOGUE}{design}/merge", {"target_id": press})
    with app.app_context():
        assert db.session.get(Competence, website).merged_into_id == press
        assert all(db.session.get(model, post_id).competence_id == press for model, post_id in posts)


def test_duplicate_or_empty_labels_are_refused_and_nothing_changes(app, client, make):
    make.vocabularies()
    login(client, app, make.coordinator())
    it_domain, website = _id(app, Domain, "it"), _id(app, Competence, "it-website")
    domains, competences = _count(app, Domain), _count(app, Competence)
    refused = [
        post(client, CATALOGUE, {"label_fr": "COMPTABILITÉ ET FINANCES", "label_nl": "x", "label_en": "y"}),
        post(client, CATALOGUE, {"label_fr": "", "label_nl": "x", "label_en": "y"}),
        post(client, CATALOGUE, {"label_fr": "   ", "label_nl": "x", "label_en": "y"}),
        post(client, CATALOGUE, {"label_fr": "a", "label_nl": "b", "label_en": "c", "description_en": "x" * 501}),
        # Unique across the whole level: "Graphisme" exists in another domain.
        post(client, f"{CATALOGUE}domains/{it_domain}/new", {**GARDENING, "label_fr": "graphisme"}),
        post(client, f"{CATALOGUE}domains/{it_domain}/new", {**GARDENING, "label_en": ""}),
        post(client, f"{CATALOGUE}{website}", {"label_fr": "Réseau et wifi", "label_nl": "Website",
                                               "label_en": "Website", "domain_id": it_domain}),
        post(client, f"{CATALOGUE}{website}", {"label_fr": "Site web", "label_nl": "Website", "label_en": "Website",
                                               "domain_id": 999999}),
        post(client, f"{CATALOGUE}domains/{it_domain}", {"label_fr": "Support informatique",
                                                         "label_nl": "Boekhouding en financiën", "label_en": "IT"}),
    ]
    assert [r.status_code for r in refused] == [200] * len(refused)
    assert "Un autre domaine porte déjà ce libellé." in refused[0].get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Competence, website).label_fr == "Site web"
        assert db.session.get(Domain, it_domain).label_en == "IT support"
    assert (_count(app, Domain), _count(app, Competence), _actions(app)) == (domains, competences, [])


def test_codes_are_slugs_and_stay_unique(app, make):
    make.vocabularies()
    with app.test_request_context():
        domain = catalogue.add_domain(label_fr="Réseaux sociaux!", label_nl="Sociale netwerken",
                                      label_en="Social média", actor=None)
        assert domain.code == "social-media"
        first = catalogue.add_competence(domain, label_fr="Site", label_nl="Site", label_en="Website!", actor=None)
        second = catalogue.add_competence(domain, label_fr="Blog", label_nl="Blog", label_en="Website?", actor=None)
        assert (first.code, second.code) == ("website", "website-2")
        db.session.rollback()


def test_retired_competence_stays_on_its_posts_and_is_offered_only_to_them(app, client, make):
    make.vocabularies()
    org = make.org()
    website = _id(app, Competence, "it-website")
    posts = _add_posts(app, org, website)
    login(client, app, make.coordinator())
    post(client, f"{CATALOGUE}{website}/retire")
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert website not in _choice_ids(catalogue.competence_choices())
        choices = dict(catalogue.competence_choices(include_ids=[website, None]))
        assert (website, "Website") in choices["IT-ondersteuning"]
        assert all(db.session.get(model, post_id).competence_id == website for model, post_id in posts)


def test_choices_are_grouped_by_domain_in_the_page_language(app, make):
    make.vocabularies()
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        choices = catalogue.competence_choices()
        groups = [group for group, _options in choices]
        assert "IT-ondersteuning" in groups and groups == sorted(groups, key=str.lower)
        assert ("Vergaderzaal" in [label for _id, label in dict(choices)["Zalen en materiaal"]])


@pytest.mark.parametrize("url", [CATALOGUE, f"{CATALOGUE}domains/1", f"{CATALOGUE}1", f"{CATALOGUE}1/merge",
                                 f"{CATALOGUE}domains/1/new"])
def test_only_coordinators_manage_the_catalogue(app, client, make, url):
    make.vocabularies()
    assert client.get(url).status_code == 302  # to the login page
    org = make.org()
    login(client, app, make.admin_of(org))
    assert client.get(url).status_code == 403
    assert post(client, url, {**GARDENING, "domain_id": 1, "target_id": 2}).status_code == 403
    assert _actions(app) == []


def test_merge_reindexes_posts_already_loaded_in_the_session(app, make):
    make.vocabularies()
    org = make.org()
    source, target = _id(app, Competence, "it-website"), _id(app, Competence, "tr-interpreting")
    (_model, need_id), = _add_posts(app, org, source, offers=0, needs=1)
    with app.test_request_context():
        need = db.session.get(Need, need_id)
        assert need.competence.code == "it-website"  # loaded before the merge
        moved = catalogue.merge_competences(db.session.get(Competence, source), db.session.get(Competence, target),
                                            actor=None)
        db.session.commit()
        assert moved == 1 and need.competence.code == "tr-interpreting"
        terms = db.session.scalar(sa.select(SearchDocument.terms).where(
            SearchDocument.kind == "need", SearchDocument.ref_id == need_id)).split()
        assert "tolken" in terms and "website" not in terms
