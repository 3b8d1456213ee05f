"""The coordinators' matching pages, and the explanation on the proposal page."""

import sqlalchemy as sa

from sem.exchanges.models import Proposal
from sem.extensions import db
from sem.matching.models import MatchingSettings, MatchRun
from sem.members.models import Person, Stage
from tests.conftest import login, post, tr


def world(make, posts):
    provider = make.org("Atelier Informatique", commune="ixelles")
    recipient = make.org("Jeune Collectif", stage=Stage.EMERGING, commune="etterbeek")
    return {"coordinator": make.coordinator(), "provider": provider, "recipient": recipient,
            "offer": posts.offer(provider, title="Installation de réseaux wifi"),
            "need": posts.need(recipient, title="Notre wifi ne marche plus")}


def test_a_coordinator_previews_then_runs_and_both_sides_see_why(app, client, make, posts):
    w = world(make, posts)
    login(client, app, w["coordinator"])
    assert client.get("/coordination/matching/").status_code == 200
    response = post(client, "/coordination/matching/preview")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Notre wifi ne marche plus" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0
    response = post(client, "/coordination/matching/run")
    assert response.status_code == 302
    with app.app_context():
        runs = db.session.scalars(sa.select(MatchRun).order_by(MatchRun.id)).all()
        assert [r.dry_run for r in runs] == [True, False]
        proposal_id = db.session.scalar(sa.select(Proposal.id))
    assert "Installation de réseaux wifi" in client.get(response.headers["Location"]).get_data(as_text=True)
    # The recipient, in Dutch, sees why it was proposed.
    recipient_admin = make.admin_of(w["recipient"])
    with app.app_context():
        db.session.get(Person, recipient_admin).locale = "nl"
        db.session.commit()
    other = app.test_client()
    login(other, app, recipient_admin)
    page = other.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert tr(app, "Why SEM proposed it", "nl") in page
    assert tr(app, "Reciprocity", "nl") in page and tr(app, "Nearby communes", "nl") in page


def test_settings_form_saves_and_refuses_bad_values(app, client, make, posts):
    w = world(make, posts)
    login(client, app, w["coordinator"])
    assert client.get("/coordination/matching/settings").status_code == 200
    data = {f"weight_{p}": "1" for p in ("competence", "text", "urgency", "reciprocity", "publics", "partnership",
                                          "proximity")}
    bad = post(client, "/coordination/matching/settings", {**data, "weight_text": "12", "proposals_per_need": "2",
                                                           "reason": "Test"})
    assert bad.status_code == 400
    empty = post(client, "/coordination/matching/settings", {**data, "proposals_per_need": "2", "reason": ""})
    assert empty.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchingSettings)) == 0
    ok = post(client, "/coordination/matching/settings", {**data, "proposals_per_need": "3", "reason": "Égalité"})
    assert ok.status_code == 302
    with app.app_context():
        row = db.session.scalar(sa.select(MatchingSettings))
        assert row.proposals_per_need == 3 and row.weights["text"] == 1


def test_a_coordinator_matches_a_need_by_hand_from_its_page(app, client, make, posts):
    w = world(make, posts)
    login(client, app, w["coordinator"])
    assert f"/coordination/matching/needs/{w['need']}" in client.get(f"/needs/{w['need']}").get_data(as_text=True)
    page = client.get(f"/coordination/matching/needs/{w['need']}").get_data(as_text=True)
    assert "Installation de réseaux wifi" in page
    response = post(client, f"/coordination/matching/needs/{w['need']}", {"offer_id": str(w["offer"])})
    assert response.status_code == 302 and "/proposals/" in response.headers["Location"]
    again = post(client, f"/coordination/matching/needs/{w['need']}", {"offer_id": str(w["offer"])})
    assert again.status_code == 400  # no longer a candidate: already proposed


def test_members_cannot_reach_the_matching_pages(app, client, make, posts):
    w = world(make, posts)
    login(client, app, make.admin_of(w["provider"]))
    assert client.get("/coordination/matching/").status_code == 403
    assert post(client, "/coordination/matching/run").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchRun)) == 0
