"""Applying, deciding, suspending: the membership lifecycle, through the pages."""

import sqlalchemy as sa

from sem.extensions import db
from sem.members.models import AuditEvent, CharterAcceptance, Organisation, OrgStatus, Person, Role, Stage
from tests.conftest import PASSWORD, login, post


def application_form(**overrides):
    data = {
        "name": "Les Jardins de Cureghem", "legal_form": "asbl", "commune": "anderlecht",
        "stage": "emerging", "contact_email": "info@jardins.example.org", "website": "https://jardins.example.org",
        "description": "<script>alert(1)</script> Potagers partagés.", "languages": ["fr", "nl"],
        "person_name": "Amina Diallo", "email": "  Amina@Jardins.Example.org ", "password": "un-mot-de-passe",
        "confirm": "un-mot-de-passe", "accept_charter": "y",
    }
    data.update(overrides)
    return data


def test_organisation_applies_and_sees_its_pending_application(app, client, make, outbox):
    make.vocabularies()
    make.charter()
    coordinator = make.coordinator(locale="nl")
    response = post(client, "/apply", application_form(), headers={"Accept-Language": "fr"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/application")

    with app.app_context():
        org = db.session.scalar(sa.select(Organisation))
        person = org.people[0]
        assert org.status is OrgStatus.PENDING and org.stage is Stage.EMERGING
        assert org.language_codes == ["fr", "nl"]
        assert person.email == "amina@jardins.example.org"  # normalised
        assert person.role is Role.ADMIN and person.locale == "fr"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CharterAcceptance)) == 1
        assert db.session.scalar(sa.select(AuditEvent.action)) == "application.submitted"
        coordinator_email = db.session.get(Person, coordinator).email

    page = client.get("/application").get_data(as_text=True)
    assert "badge-pending" in page
    # The applicant is told in French, every coordinator in their own language.
    recipients = {m.to: m for m in outbox}
    assert set(recipients) == {"amina@jardins.example.org", coordinator_email}
    assert "candidature" in recipients["amina@jardins.example.org"].subject.lower()
    assert "aanvraag" in recipients[coordinator_email].subject.lower()
    assert "/coordination/organisations/" in recipients[coordinator_email].text


def test_html_in_a_description_is_shown_as_text(app, client, make):
    make.vocabularies()
    post(client, "/apply", application_form())
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
    html = client.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_application_without_charter_acceptance_is_refused_and_changes_nothing(app, client, make):
    make.charter()
    response = post(client, "/apply", application_form(accept_charter=""))
    assert response.status_code == 200
    assert "field-error" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_application_with_a_taken_email_or_name_is_refused(app, client, make):
    org = make.org(name="Les Jardins de Cureghem")
    make.person(org, email="amina@jardins.example.org")
    response = post(client, "/apply", application_form())
    assert response.status_code == 200
    response = post(client, "/apply", application_form(email="other@jardins.example.org",
                                                       name="les jardins de  CUREGHEM"))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1


def test_application_rejects_bad_choices(app, client, make):
    for bad in ({"commune": "paris"}, {"legal_form": "sarl"}, {"languages": []}, {"password": "short",
                                                                                  "confirm": "short"}):
        response = post(client, "/apply", application_form(**bad))
        assert response.status_code == 200, bad
        assert 'aria-invalid="true"' in response.get_data(as_text=True), bad
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_coordinator_approves_with_stage_and_admin_is_told(app, client, make, outbox):
    org = make.org(status=OrgStatus.PENDING, stage=Stage.EMERGING)
    login(client, app, make.coordinator())
    response = post(client, f"/coordination/organisations/{org}/approve", {"stage": "established", "reason": ""})
    assert response.status_code == 302
    with app.app_context():
        organisation = db.session.get(Organisation, org)
        assert organisation.status is OrgStatus.APPROVED and organisation.stage is Stage.ESTABLISHED
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["organisation.stage_changed", "application.approved"]
    assert len(outbox) == 1 and "/organisation" in outbox[0].text


def test_rejection_needs_a_reason_that_the_applicant_then_reads(app, client, make):
    org = make.org(status=OrgStatus.PENDING)
    login(client, app, make.coordinator())
    response = post(client, f"/coordination/organisations/{org}/reject", {"reason": "  "})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Organisation, org).status is OrgStatus.PENDING
    post(client, f"/coordination/organisations/{org}/reject", {"reason": "Hors du territoire du réseau."})
    with app.app_context():
        assert db.session.get(Organisation, org).status is OrgStatus.REJECTED

    applicant = make.admin_of(org)
    other = app.test_client()
    login(other, app, applicant)
    page = other.get("/application").get_data(as_text=True)
    assert "Hors du territoire du réseau." in page and "badge-rejected" in page


def test_deciding_twice_is_refused(app, client, make):
    org = make.org(status=OrgStatus.PENDING)
    login(client, app, make.coordinator())
    post(client, f"/coordination/organisations/{org}/approve", {"stage": "emerging"})
    response = post(client, f"/coordination/organisations/{org}/reject", {"reason": "Trop tard"})
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Organisation, org).status is OrgStatus.APPROVED


def test_suspended_organisation_logs_in_but_cannot_act_and_keeps_history(app, client, make):
    org = make.org()
    admin = make.admin_of(org)
    coordinator_client = app.test_client()
    login(coordinator_client, app, make.coordinator())
    post(coordinator_client, f"/coordination/organisations/{org}/suspend", {"reason": "Heures contestées"})

    login(client, app, admin)
    assert client.get(f"/organisations/{org}").status_code == 200
    assert client.get(f"/organisations/{org}/people").status_code == 200
    response = post(client, f"/organisations/{org}/invitations", {"email": "new@example.org", "role": "member"})
    assert response.status_code == 403

    post(coordinator_client, f"/coordination/organisations/{org}/reinstate", {"reason": "Litige réglé"})
    response = post(client, f"/organisations/{org}/invitations", {"email": "new@example.org", "role": "member"})
    assert response.status_code == 302
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.organisation_id == org).order_by(AuditEvent.id)).all()
        assert actions == ["organisation.suspended", "organisation.reinstated", "person.invited"]
    page = coordinator_client.get("/coordination/audit").get_data(as_text=True)
    assert "Heures contestées" in page and "Litige réglé" in page


def test_coordinator_changes_stage_with_a_reason(app, client, make):
    org = make.org(stage=Stage.EMERGING)
    login(client, app, make.coordinator())
    assert post(client, f"/coordination/organisations/{org}/stage", {"stage": "established"}).status_code == 400
    post(client, f"/coordination/organisations/{org}/stage", {"stage": "established", "reason": "A grandi"})
    with app.app_context():
        assert db.session.get(Organisation, org).stage is Stage.ESTABLISHED


def test_pending_applicant_lands_on_application_page(app, client, make):
    org = make.org(status=OrgStatus.PENDING)
    response = login(client, app, make.admin_of(org))
    assert response.headers["Location"].endswith("/application")
    assert PASSWORD  # the factory's password logs in


def test_coordinator_queue_lists_pending_applications_only(app, client, make):
    make.org(name="Attente", status=OrgStatus.PENDING)
    make.org(name="Déjà membre")
    login(client, app, make.coordinator())
    page = client.get("/coordination/applications").get_data(as_text=True)
    assert "Attente" in page and "Déjà membre" not in page
    members = client.get("/coordination/organisations?status=approved").get_data(as_text=True)
    assert "Déjà membre" in members and "Attente" not in members


def test_audit_log_reads_in_the_page_language(app, client, make):
    org = make.org(stage=Stage.EMERGING)
    coordinator = make.coordinator(locale="nl")
    login(client, app, coordinator)
    post(client, f"/coordination/organisations/{org}/stage", {"stage": "established", "reason": "Gegroeid"})
    page = client.get("/coordination/audit").get_data(as_text=True)
    assert "In opstart → Gevestigd" in page
