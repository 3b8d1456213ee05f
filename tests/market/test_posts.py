"""Posting, editing and the lifecycle of offers and needs, through the pages."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from sem.core.db import utcnow
from sem.extensions import db
from sem.market.models import Mode, Need, Offer, PostStatus, Urgency
from sem.members.models import AuditEvent, OrgStatus
from tests.conftest import login, post


def need_form(competence, **overrides):
    data = {"competence_id": str(competence), "title": "Hulp bij onze website",
            "description": "<b>Onze</b> site is verouderd.", "languages": ["nl"], "urgency": "urgent",
            "estimated_hours": "6,5", "wished_by": (date.today() + timedelta(days=30)).isoformat()}
    data.update(overrides)
    return data


def offer_form(competence, **overrides):
    data = {"competence_id": str(competence), "title": "Installation de logiciels libres",
            "description": "Nous installons Linux.", "languages": ["fr", "nl"], "mode": "remote",
            "monthly_capacity": "8", "conditions": ""}
    data.update(overrides)
    return data


def test_member_posts_a_need_in_one_short_form(app, client, make, posts):
    org = make.org()
    login(client, app, make.admin_of(org))
    page = client.get("/needs/new").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="normal"', page)  # sensible defaults
    response = post(client, "/needs/new", need_form(posts.competence("it-website")))
    assert response.status_code == 302
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert need.organisation_id == org and need.urgency is Urgency.URGENT
        assert need.estimated_minutes == 390 and need.languages == ["nl"]
        assert need.status is PostStatus.OPEN
        lifetime = need.expires_at - need.created_at
        assert timedelta(days=90) < lifetime <= timedelta(days=app.config["NEED_LIFETIME_DAYS"])
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;b&gt;Onze&lt;/b&gt;" in html and "<b>Onze</b>" not in html


def test_member_offers_a_competence(app, client, make, posts):
    org = make.org()
    login(client, app, make.admin_of(org))
    response = post(client, "/offers/new", offer_form(posts.competence("it-free-software")))
    assert response.status_code == 302
    with app.app_context():
        offer = db.session.scalar(sa.select(Offer))
        assert offer.mode is Mode.REMOTE and offer.monthly_capacity_minutes == 480
        assert offer.languages == ["fr", "nl"] and not offer.standing


def test_standing_offer_lives_a_year(app, client, make, posts):
    org = make.org()
    login(client, app, make.admin_of(org))
    post(client, "/offers/new", offer_form(posts.competence("room-meeting"), standing="y"))
    with app.app_context():
        offer = db.session.scalar(sa.select(Offer))
        assert offer.standing and offer.expires_at - offer.created_at >= timedelta(days=364)


def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(app, client, make, posts):
    org = make.org()
    login(client, app, make.admin_of(org))
    competence = posts.competence("it-website")
    bad_needs = [
        {"estimated_hours": "0"}, {"estimated_hours": "-2"}, {"estimated_hours": "1.1"},
        {"estimated_hours": "501"}, {"estimated_hours": "abc"}, {"title": ""}, {"title": "x" * 141},
        {"languages": []}, {"competence_id": ""}, {"competence_id": "999999"},
        {"wished_by": (date.today() - timedelta(days=1)).isoformat()}, {"description": "x" * 4001},
    ]
    for bad in bad_needs:
        response = post(client, "/needs/new", need_form(competence, **bad))
        assert response.status_code == 400, bad
        assert 'aria-invalid="true"' in response.get_data(as_text=True), bad
    for bad in ({"monthly_capacity": "161"}, {"monthly_capacity": "0.1"}, {"mode": "teleport"}):
        assert post(client, "/offers/new", offer_form(competence, **bad)).status_code == 400, bad
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Offer)) == 0


def test_a_retired_competence_cannot_be_chosen_but_stays_on_its_posts(app, client, make, posts):
    org = make.org()
    need = posts.need(org, "it-website")
    with app.app_context():
        from sem.catalogue.models import Competence

        competence = db.session.get(Competence, posts.competence("it-website"))
        competence.retired = True
        db.session.commit()
    login(client, app, make.admin_of(org))
    assert post(client, "/needs/new", need_form(posts.competence("it-website"))).status_code == 400
    # Editing the existing need keeps its competence.
    response = post(client, f"/needs/{need}/edit", need_form(posts.competence("it-website"), title="Nouveau titre"))
    assert response.status_code == 302


def test_lifecycle_pause_resume_close_renew(app, client, make, posts):
    org = make.org()
    offer = posts.offer(org)
    login(client, app, make.admin_of(org))

    def status():
        with app.app_context():
            return db.session.get(Offer, offer).status

    post(client, f"/offers/{offer}/pause")
    assert status() is PostStatus.PAUSED
    assert app.test_client().get(f"/offers/{offer}").status_code == 403  # hidden from others
    post(client, f"/offers/{offer}/resume")
    assert status() is PostStatus.OPEN
    post(client, f"/offers/{offer}/close")
    assert status() is PostStatus.CLOSED
    assert client.get(f"/offers/{offer}/edit").status_code == 200
    assert post(client, f"/offers/{offer}/edit", offer_form(posts.competence("it-network"))).status_code == 409
    post(client, f"/offers/{offer}/renew")
    assert status() is PostStatus.OPEN


def test_only_the_owner_or_a_coordinator_changes_a_post(app, client, make, posts):
    org, other = make.org(), make.org()
    need = posts.need(org)
    login(client, app, make.admin_of(other))
    assert post(client, f"/needs/{need}/close").status_code == 403
    assert client.get(f"/needs/{need}/edit").status_code == 403
    assert client.get(f"/needs/{need}").status_code == 200  # open posts are public
    coordinator = app.test_client()
    login(coordinator, app, make.coordinator())
    assert post(coordinator, f"/needs/{need}/close").status_code == 302
    with app.app_context():
        assert db.session.get(Need, need).status is PostStatus.CLOSED
        assert db.session.scalar(sa.select(AuditEvent.action)) == "need.closed"


def test_pending_or_suspended_organisations_cannot_post(app, client, make, posts):
    for status in (OrgStatus.PENDING, OrgStatus.SUSPENDED):
        org = make.org(status=status)
        member = app.test_client()
        login(member, app, make.admin_of(org))
        assert member.get("/needs/new").status_code == 403
        assert post(member, "/needs/new", need_form(posts.competence("it-website"))).status_code == 403


def test_posts_of_a_suspended_organisation_disappear_from_public_view(app, client, make, posts):
    org = make.org()
    offer = posts.offer(org)
    with app.app_context():
        from sem.members.models import Organisation

        db.session.get(Organisation, org).status = OrgStatus.SUSPENDED
        db.session.commit()
    assert client.get(f"/offers/{offer}").status_code == 403


def test_home_shows_own_posts_and_those_that_fit(app, client, make, posts):
    me, them, far = make.org(), make.org(name="Les Voisins"), make.org(name="Loin")
    posts.offer(me, "it-network", title="Notre aide réseau")
    posts.need(me, "acc-bookkeeping", title="Notre besoin compta")
    posts.need(them, "it-network", title="Leur besoin réseau")
    posts.offer(them, "acc-bookkeeping", title="Leur offre compta")
    posts.need(far, "it-network", title="Besoin en néerlandais", languages=("nl",))  # no shared language
    posts.offer(far, "legal-statutes", title="Statuts")  # not a competence we need
    login(client, app, make.admin_of(me))
    html = client.get("/home").get_data(as_text=True)
    for title in ("Notre aide réseau", "Notre besoin compta", "Leur besoin réseau", "Leur offre compta"):
        assert title in html
    assert "Besoin en néerlandais" not in html and "Statuts" not in html


def test_profile_shows_what_an_organisation_offers_and_needs(app, client, make, posts):
    org = make.org(name="Atelier")
    posts.offer(org, title="Graphisme solidaire", code="com-graphic-design")
    posts.need(org, title="Besoin caché", status=PostStatus.PAUSED)
    html = client.get(f"/organisations/{org}").get_data(as_text=True)
    assert "Graphisme solidaire" in html and "Besoin caché" not in html


def test_expiry_warns_once_then_expires_and_the_link_renews(app, client, make, posts, outbox):
    from sem.market import services as market
    from tests.conftest import link_path

    org = make.org()
    make.person(org)  # a plain member is not warned
    soon = posts.need(org, title="Bientôt fini", expires_in=timedelta(days=3))
    later = posts.offer(org, title="Encore longtemps", expires_in=timedelta(days=60))
    runner = app.test_cli_runner()
    assert "1 post(s) warned" in runner.invoke(args=["sem", "run-job", "expire"]).output
    assert len(outbox) == 1 and "Bientôt fini" in outbox[0].subject
    runner.invoke(args=["sem", "run-job", "expire"])
    assert len(outbox) == 1  # once

    path = link_path(outbox[0], "/renew/")
    assert client.get(path).status_code == 200
    assert post(client, path).status_code == 302
    with app.app_context():
        need = db.session.get(Need, soon)
        assert need.expires_at > utcnow() + timedelta(days=80) and need.warned_at is None

    with app.test_request_context():
        count = market.expire_posts(now=utcnow() + timedelta(days=200))
        db.session.commit()
    assert count == 2
    with app.app_context():
        assert db.session.get(Offer, later).status is PostStatus.EXPIRED
