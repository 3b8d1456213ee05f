"""Admins invite colleagues, change roles and remove people; history stays readable."""

import sqlalchemy as sa
from flask_babel import force_locale

from sem.extensions import db
from sem.members import services as members
from sem.members.models import AuditEvent, Invitation, Person, Role
from tests.conftest import link_path, login, post


def _invite(client, org, email="Colleague@Example.org", role="member"):
    return post(client, f"/organisations/{org}/invitations", {"email": email, "role": role})


def _link_path(mail):
    return link_path(mail, "/invitation/")


def test_admin_invites_a_colleague_who_joins_by_the_link(app, client, make, outbox):
    org = make.org()
    login(client, app, make.admin_of(org))
    assert _invite(client, org).status_code == 302
    assert len(outbox) == 1 and outbox[0].to == "colleague@example.org"

    newcomer = app.test_client()
    path = _link_path(outbox[0])
    assert newcomer.get(path).status_code == 200
    response = post(newcomer, path, {"name": "Léa", "password": "long-enough-pw", "confirm": "long-enough-pw"})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.email == "colleague@example.org"))
        assert person.organisation_id == org and person.role is Role.MEMBER
    # The link works only once.
    assert newcomer.get(path).status_code == 400


def test_inviting_twice_sends_a_fresh_link_but_keeps_one_invitation(app, client, make, outbox):
    org = make.org()
    login(client, app, make.admin_of(org))
    _invite(client, org)
    _invite(client, org, role="admin")
    with app.app_context():
        invitations = db.session.scalars(sa.select(Invitation)).all()
        assert len(invitations) == 1 and invitations[0].role is Role.ADMIN
    assert len(outbox) == 2


def test_inviting_someone_with_an_account_is_refused(app, client, make, outbox):
    org = make.org()
    make.person(make.org(), email="taken@example.org")
    login(client, app, make.admin_of(org))
    _invite(client, org, email="taken@example.org")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert outbox == []


def test_withdrawn_invitation_link_no_longer_works(app, client, make, outbox):
    org = make.org()
    login(client, app, make.admin_of(org))
    _invite(client, org)
    with app.app_context():
        invitation_id = db.session.scalar(sa.select(Invitation.id))
    post(client, f"/invitations/{invitation_id}/revoke")
    assert app.test_client().get(_link_path(outbox[0])).status_code == 400


def test_expired_invitation_is_refused(app, ctx, make, monkeypatch):
    org = make.org()
    invitation = Invitation(organisation_id=org, email="late@example.org", role=Role.MEMBER)
    db.session.add(invitation)
    db.session.commit()
    token = members.invitation_token(invitation)
    monkeypatch.setitem(app.config, "INVITATION_MAX_AGE_DAYS", -1)
    try:
        members.invitation_from_token(token)
    except members.DomainError as error:
        with force_locale("en"):
            assert "expired" in str(error.message)
    else:
        raise AssertionError("an expired invitation was accepted")


def test_last_admin_cannot_step_down_or_be_removed(app, ctx, make):
    org = make.org()
    admin = db.session.get(Person, make.admin_of(org))
    coordinator = db.session.get(Person, make.coordinator())
    for action in (lambda: members.set_role(admin, Role.MEMBER, actor=coordinator),
                   lambda: members.remove_person(admin, actor=coordinator)):
        try:
            action()
        except members.DomainError:
            pass
        else:
            raise AssertionError("the last admin was demoted or removed")
    assert admin.active and admin.role is Role.ADMIN


def test_removed_person_keeps_their_name_in_the_history(app, client, make):
    org = make.org()
    colleague = make.person(org)
    login(client, app, make.admin_of(org))
    post(client, f"/people/{colleague}/role", {"role": "admin"})
    assert post(client, f"/people/{colleague}/remove").status_code == 302
    with app.app_context():
        person = db.session.get(Person, colleague)
        assert not person.active and person.removed_at is not None
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.person_id == colleague)
                                     .order_by(AuditEvent.id)).all()
        assert actions == ["person.role_changed", "person.removed"]
        name = person.name
    page = client.get(f"/organisations/{org}/people").get_data(as_text=True)
    assert name in page
    coordinator = app.test_client()
    login(coordinator, app, make.coordinator())
    assert coordinator.get(f"/coordination/organisations/{org}").status_code == 200


def test_removed_person_invited_again_gets_their_account_back(app, client, make, outbox):
    org = make.org()
    colleague = make.person(org, email="back@example.org")
    login(client, app, make.admin_of(org))
    post(client, f"/people/{colleague}/remove")
    _invite(client, org, email="back@example.org")
    response = post(app.test_client(), _link_path(outbox[-1]),
                    {"name": "Back Again", "password": "long-enough-pw", "confirm": "long-enough-pw"})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(Person, colleague)
        assert person.active and person.name == "Back Again"


def test_admin_edits_the_profile_and_the_change_is_logged(app, client, make):
    make.vocabularies()
    org = make.org()
    login(client, app, make.admin_of(org))
    assert client.get(f"/organisations/{org}/edit").status_code == 200
    response = post(client, f"/organisations/{org}/edit", {
        "name": "Nouveau nom", "legal_form": "asbl", "commune": "jette", "contact_email": "hello@example.org",
        "languages": ["nl"], "description": "Texte"})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organisation.updated"))
        assert set(event.details["fields"]) >= {"name", "commune", "languages"}


def test_invitation_of_a_suspended_organisation_cannot_be_used(app, client, make, outbox):
    org = make.org()
    login(client, app, make.admin_of(org))
    _invite(client, org)
    with app.app_context():
        from sem.members.models import Organisation, OrgStatus

        db.session.get(Organisation, org).status = OrgStatus.SUSPENDED
        db.session.commit()
    newcomer = app.test_client()
    path = _link_path(outbox[0])
    assert newcomer.get(path).status_code == 400
    assert post(newcomer, path, {"name": "X", "password": "long-enough-pw", "confirm": "long-enough-pw"}
                ).status_code == 400


def test_opening_an_invitation_link_does_not_log_out_whoever_is_logged_in(app, client, make, outbox):
    org = make.org()
    login(client, app, make.admin_of(org))
    _invite(client, org)
    assert client.get(_link_path(outbox[0])).status_code == 200
    assert client.get("/account").status_code == 200  # still logged in
