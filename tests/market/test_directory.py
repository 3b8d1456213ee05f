"""The directory: one search over organisations, offers and needs, in French and Dutch,
accent- and case-insensitive, with filters, counts and paging."""

import pytest

from sem.market.models import Mode, PostStatus, Urgency
from sem.members.models import OrgStatus, Stage


@pytest.fixture
def network(app, make, posts):
    doc = make.org(name="Centre de Documentation Alter Égo", commune="saint-gilles", languages=("fr",))
    buurthuis = make.org(name="Digitaal Buurthuis Molenbeek", commune="molenbeek", languages=("nl", "fr"))
    potager = make.org(name="Collectif Potager", stage=Stage.EMERGING, commune="bruxelles")
    hidden = make.org(name="Suspendue", status=OrgStatus.SUSPENDED)
    ids = {
        "research": posts.offer(doc, "doc-research", title="Veille sur l'éducation permanente",
                                description="Nos documentalistes cherchent pour vous."),
        "network": posts.offer(buurthuis, "it-network", title="Hulp bij netwerken en wifi",
                               description="Wij configureren routers en beveiligen jullie netwerk.",
                               languages=("nl",), mode=Mode.ON_SITE),
        "software": posts.offer(buurthuis, "it-free-software", title="Vrije software installeren",
                                languages=("nl", "fr"), mode=Mode.BOTH),
        "website": posts.need(potager, "it-website", title="Un site web pour notre potager",
                              urgency=Urgency.URGENT),
        "accounts": posts.need(potager, "acc-annual-accounts", title="Dépôt des comptes 2026"),
        "paused": posts.offer(doc, "doc-archives", title="Archivage paused", status=PostStatus.PAUSED),
        "suspended": posts.offer(hidden, "it-network", title="Réseau suspendu"),
    }
    return {"doc": doc, "buurthuis": buurthuis, "potager": potager, **ids}


def titles(client, **args) -> str:
    return client.get("/directory", query_string=args).get_data(as_text=True)


def test_search_ignores_accents_and_case(client, network):
    for q in ("education", "ÉDUCATION", "Éducation permanente", "EDUCATION PERMANENTE"):
        assert "Veille sur" in titles(client, q=q, kind="offer"), q


def test_french_and_dutch_words_are_stemmed(client, network):
    assert "Hulp bij netwerken" in titles(client, q="netwerk", kind="offer")
    assert "Veille sur" in titles(client, q="documentaliste", kind="offer")


def test_a_french_query_finds_a_dutch_post_by_its_competence(client, network):
    # "réseau" is the French label of the Dutch post's competence (Netwerk en wifi).
    html = titles(client, q="réseau", kind="offer")
    assert "Hulp bij netwerken" in html
    assert "Réseau suspendu" not in html  # suspended members are not listed


def test_every_word_must_match_and_results_are_ranked(client, network):
    html = titles(client, q="vrije software", kind="offer")
    assert "Vrije software installeren" in html and "Hulp bij netwerken" not in html


def test_counts_per_kind_and_tabs_keep_the_filters(client, network):
    html = titles(client, q="potager")
    assert 'kind=need' in html and "q=potager" in html
    html = titles(client, q="potager", kind="organisation")
    assert "Collectif Potager" in html


def test_filters_on_every_axis(client, network):
    assert "Hulp bij netwerken" in titles(client, kind="offer", commune="molenbeek")
    assert "Veille sur" not in titles(client, kind="offer", commune="molenbeek")
    assert "Un site web" in titles(client, kind="need", urgency="urgent")
    assert "Dépôt des comptes" not in titles(client, kind="need", urgency="urgent")
    assert "Un site web" in titles(client, kind="need", stage="emerging")
    remote = titles(client, kind="offer", mode="remote")
    assert "Vrije software" in remote and "Hulp bij netwerken" not in remote  # both counts as remote
    nl = titles(client, kind="offer", language="nl")
    assert "Hulp bij netwerken" in nl and "Veille sur" not in nl


def test_competence_and_domain_filters(app, client, network, posts):
    it_website = posts.competence("it-website")
    assert "Un site web" in titles(client, kind="need", competence=it_website)
    assert "Dépôt des comptes" not in titles(client, kind="need", competence=it_website)
    with app.app_context():
        from sem.catalogue.models import Competence
        from sem.extensions import db

        domain = db.session.get(Competence, it_website).domain_id
    html = titles(client, kind="offer", domain=domain)
    assert "Hulp bij netwerken" in html and "Vrije software" in html and "Veille sur" not in html
    orgs = titles(client, kind="organisation", domain=domain)
    assert "Digitaal Buurthuis" in orgs and "Alter" not in orgs


def test_sector_filter_uses_the_organisation_identity(app, client, network):
    from sem.catalogue.models import Term
    from sem.extensions import db
    from sem.members.models import Organisation

    with app.app_context():
        term = db.session.scalar(db.select(Term).where(Term.code == "digital"))
        organisation = db.session.get(Organisation, network["buurthuis"])
        organisation.terms.append(term)
        db.session.commit()
        term_id = term.id
    html = titles(client, kind="offer", sector=term_id)
    assert "Hulp bij netwerken" in html and "Veille sur" not in html


def test_paused_posts_are_not_listed(client, network):
    assert "Archivage paused" not in titles(client, kind="offer")


def test_garbage_filters_are_ignored_not_errors(client, network):
    response = client.get("/directory", query_string={"kind": "x", "competence": "abc", "stage": "giant",
                                                      "q": "\"*(", "page": "-3", "language": "xx"})
    assert response.status_code == 200


def test_paging_keeps_the_filters(client, make, posts):
    org = make.org()
    for n in range(25):
        posts.offer(org, title=f"Offre numéro {n}")
    page1 = titles(client, kind="offer", q="offre")
    assert "page=2" in page1 and "q=offre" in page1
    page2 = titles(client, kind="offer", q="offre", page=2)
    assert page2.count('class="post-item') == 5


def test_organisation_search_finds_names_and_descriptions(client, network):
    assert "Digitaal Buurthuis" in titles(client, q="buurthuis", kind="organisation")
    assert "Alter" in titles(client, q="alter ego", kind="organisation")


def test_reindex_rebuilds_the_search_index(app, client, network):
    from sem.extensions import db
    from sem.market.search import SearchDocument

    with app.app_context():
        db.session.execute(db.delete(SearchDocument))
        db.session.commit()
    assert "Hulp bij netwerken" not in titles(client, q="netwerk", kind="offer")
    result = app.test_cli_runner().invoke(args=["sem", "reindex"])
    assert result.exit_code == 0 and "Indexed 11" in result.output  # 4 organisations, 7 posts
    assert "Hulp bij netwerken" in titles(client, q="netwerk", kind="offer")
