"""The directory page's content cache is exact: a change to anything the directory shows is
seen by the very next request, in every language, and people who are logged in never get a
cached page."""

import pytest
import sqlalchemy as sa

from sem.extensions import db
from sem.market import directory_cache
from sem.market.models import Offer, PostStatus
from sem.members.models import Organisation, OrgStatus
from tests.conftest import login


def page(client, **args) -> str:
    return client.get("/directory", query_string=args).get_data(as_text=True)


def hits(app) -> int:
    return app.extensions["sem_directory_cache"].hits


def version(app) -> int:
    with app.app_context():
        return directory_cache.version()


@pytest.fixture
def offer(make, posts):
    org = make.org(name="Atelier Vélo Forest")
    return posts.offer(org, "it-network", title="Réparer les vélos du quartier")


def test_a_second_anonymous_request_comes_from_the_cache(app, client, offer):
    first = page(client, q="vélos", kind="offer")
    before = hits(app)
    assert page(client, q="vélos", kind="offer") == first
    assert hits(app) == before + 1


@pytest.mark.parametrize("change, shows, hides", [
    ("title", "Réparer les trottinettes", "Réparer les vélos"),
    ("pause", None, "Réparer les vélos"),
    ("suspend", None, "Réparer les vélos"),
    ("rename organisation", "Cyclo Forest", "Atelier Vélo Forest"),
])
def test_a_change_shows_on_the_next_request(app, client, offer, change, shows, hides):
    page(client, kind="offer")
    assert hides in page(client, kind="offer")  # now in the cache
    with app.app_context():
        post = db.session.get(Offer, offer)
        if change == "title":
            post.title = "Réparer les trottinettes"
        elif change == "pause":
            post.status = PostStatus.PAUSED
        elif change == "suspend":
            post.organisation.status = OrgStatus.SUSPENDED
        else:
            post.organisation.name = "Cyclo Forest"
        db.session.commit()
    html = page(client, kind="offer")
    assert hides not in html
    if shows:
        assert shows in html


def test_a_new_post_is_found_at_once(app, client, make, posts, offer):
    assert "Trottinettes partagées" not in page(client, q="trottinettes", kind="offer")
    posts.offer(make.org(), "it-network", title="Trottinettes partagées")
    assert "Trottinettes partagées" in page(client, q="trottinettes", kind="offer")


def test_a_catalogue_label_change_shows_at_once(app, client, posts, offer):
    from sem.catalogue.models import Competence

    assert "Câblage renommé" not in page(client, kind="offer")
    with app.app_context():
        db.session.get(Competence, posts.competence("it-network")).label_fr = "Câblage renommé"
        db.session.commit()
    assert "Câblage renommé" in page(client, kind="offer")


def test_each_language_has_its_own_page(client, offer):
    french = page(client, kind="offer", q="vélos")
    client.get("/directory", headers={"Accept-Language": "nl"})
    dutch = client.get("/directory", query_string={"kind": "offer", "q": "vélos"},
                       headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert 'lang="fr"' in french and 'lang="nl"' in dutch
    assert "Tous les domaines" in french and "Tous les domaines" not in dutch


def test_logged_in_people_are_not_served_from_the_cache(app, client, make, offer):
    login(client, app, make.person(make.org()))
    page(client, kind="offer")
    before = hits(app)
    page(client, kind="offer")
    assert hits(app) == before


def test_the_cache_can_be_turned_off(app, client, offer):
    app.config["DIRECTORY_CACHE"] = False
    try:
        page(client, kind="offer")
        before = hits(app)
        page(client, kind="offer")
        assert hits(app) == before
    finally:
        app.config["DIRECTORY_CACHE"] = True


@pytest.mark.parametrize("table", directory_cache.TABLES)
def test_every_change_to_a_directory_table_raises_the_version(app, posts, offer, table):
    """Every table the directory reads has its trigger (a migration that copies a table in
    SQLite batch mode would drop them: this catches it)."""
    from sem.catalogue.models import Term

    with app.app_context():
        org = db.session.get(Offer, offer).organisation
        org.terms.append(db.session.scalars(sa.select(Term).limit(1)).one())
        db.session.commit()
        posts.need(org.id, "it-network")
        column = db.metadata.tables[table].columns.keys()[-1]
        assert db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() > 0  # noqa: S608
        before = directory_cache.version()
        db.session.execute(sa.text(f"UPDATE {table} SET {column} = {column}"))  # noqa: S608 - our own names
        db.session.commit()
        assert directory_cache.version() > before


def test_a_deleted_organisation_raises_the_version(app, make):
    org = make.org(admin=False)
    before = version(app)
    with app.app_context():
        db.session.delete(db.session.get(Organisation, org))
        db.session.commit()
    assert version(app) > before


def test_a_rolled_back_change_does_not_raise_the_version(app, offer):
    before = version(app)
    with app.app_context():
        db.session.get(Offer, offer).title = "Jamais enregistré"
        db.session.flush()
        db.session.rollback()
    assert version(app) == before
