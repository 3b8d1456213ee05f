"""The charter: versioned, accepted on applying, accepted again after a new version."""

import sqlalchemy as sa

from sem.extensions import db
from sem.members.models import CharterVersion
from tests.conftest import login, post


def test_new_charter_version_blocks_acting_until_an_admin_accepts(app, client, make, outbox):
    make.charter()
    org = make.org()
    admin = make.admin_of(org)
    member = make.person(org)
    coordinator = app.test_client()
    login(coordinator, app, make.coordinator())
    response = post(coordinator, "/coordination/charter", {"text_fr": "Charte v2", "text_nl": "Charter v2"})
    assert response.status_code == 302
    assert [m.subject for m in outbox]  # the admin is told

    login(client, app, admin)
    page = client.get(f"/organisations/{org}").get_data(as_text=True)
    assert "/charter" in page
    assert post(client, f"/organisations/{org}/invitations", {"email": "x@example.org", "role": "member"}
                ).status_code == 403

    member_client = app.test_client()
    login(member_client, app, member)
    assert post(member_client, "/charter/accept").status_code == 403  # only an admin accepts

    assert post(client, "/charter/accept").status_code == 302
    assert post(client, f"/organisations/{org}/invitations", {"email": "x@example.org", "role": "member"}
                ).status_code == 302


def test_publishing_the_same_text_again_is_refused(app, client, make):
    make.charter(text_fr="Même", text_nl="Zelfde")
    login(client, app, make.coordinator())
    response = post(client, "/coordination/charter", {"text_fr": "Même", "text_nl": "Zelfde"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CharterVersion)) == 1


def test_charter_is_shown_in_the_page_language(app, client, make):
    make.charter(text_fr="Texte français", text_nl="Nederlandse tekst")
    assert "Nederlandse tekst" in client.get("/charter", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Texte français" in client.get("/charter", headers={"Accept-Language": "fr"}).get_data(as_text=True)
