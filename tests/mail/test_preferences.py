"""Each person chooses, per kind of mail, at once / in the digest only / never, on the site
or with the signed link in every mail; some mails always go."""

import pytest
import sqlalchemy as sa

from sem.extensions import db
from sem.mail import services as mail
from sem.mail.models import Delivery, MailPreference, MailStatus, OutboxMessage
from sem.members.models import Person
from tests.conftest import link_path, login, post, tr


def preference(app, person_id, kind):
    with app.app_context():
        return db.session.scalar(sa.select(MailPreference.delivery).where(
            MailPreference.person_id == person_id, MailPreference.kind == kind))


def email_of(app, person_id) -> str:
    with app.app_context():
        return db.session.get(Person, person_id).email


def test_a_person_who_opts_out_gets_no_such_mail(app, client, flow, outbox):
    pair = flow.pair()
    login(client, app, pair.recipient_admin)
    response = post(client, "/account/mail", {"proposal_new": "never"})
    assert response.status_code == 302
    assert preference(app, pair.recipient_admin, "proposal_new") is Delivery.NEVER
    outbox.clear()
    flow.proposal(pair)  # the provider proposes: the recipient would be told
    assert email_of(app, pair.recipient_admin) not in {m.to for m in outbox}
    with app.app_context():  # and nothing is kept for it either
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.person_id == pair.recipient_admin)) == 0


def test_digest_only_keeps_the_notification_for_the_digest(app, client, flow, outbox):
    pair = flow.pair()
    login(client, app, pair.recipient_admin)
    post(client, "/account/mail", {"proposal_new": "digest"})
    outbox.clear()
    flow.proposal(pair)
    assert outbox == []
    with app.app_context():
        held = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == MailStatus.HELD)).all()
        assert [(row.person_id, row.kind) for row in held] == [(pair.recipient_admin, "proposal_new")]


def test_some_mails_cannot_be_turned_off(app, ctx, make, outbox):
    person_id = make.person(make.org())
    person = db.session.get(Person, person_id)
    with pytest.raises(mail.PreferenceError):
        mail.set_preference(person, "password_reset", Delivery.NEVER, actor=person)
    # even a stored refusal is ignored for them
    db.session.add(MailPreference(person_id=person.id, kind="password_reset", delivery=Delivery.NEVER))
    db.session.commit()
    mail.send_template(person.email, "fr", "password_reset", "Reset", person=person, link="http://sem.test/x",
                       hours=2)
    db.session.commit()
    [sent] = list(outbox)
    assert sent.to == person.email and "List-Unsubscribe" not in sent.headers
    assert "/account/mail" in sent.text  # the preferences link is still in the footer


def test_only_the_person_changes_their_preferences(app, ctx, make):
    org = make.org()
    person, other = (db.session.get(Person, make.person(org)) for _ in range(2))
    with pytest.raises(mail.PreferenceError):
        mail.set_preference(person, "proposal_new", Delivery.NEVER, actor=other)
    with pytest.raises(mail.PreferenceError):
        mail.set_preference(person, "digest", Delivery.DIGEST, actor=person)
    with pytest.raises(mail.PreferenceError):
        mail.set_preference(person, "application_new", Delivery.NEVER, actor=person)  # coordinators' kind


def test_preferences_page_refuses_an_unknown_choice_and_changes_nothing(app, client, make):
    person = make.person(make.org())
    login(client, app, person)
    page = client.get("/account/mail").get_data(as_text=True)
    assert tr(app, "In the weekly digest only") in page
    assert "application_new" not in page  # coordinators' kinds are not offered to members
    response = post(client, "/account/mail", {"proposal_new": "sometimes", "digest": "never"})
    assert response.status_code == 400
    assert preference(app, person, "digest") is None and preference(app, person, "proposal_new") is None
    response = post(client, "/account/mail", {"digest": "digest"})  # the digest cannot go into itself
    assert response.status_code == 400 and preference(app, person, "digest") is None


def test_coordinators_choose_for_application_mails(app, client, make):
    coordinator = make.coordinator()
    login(client, app, coordinator)
    assert "application_new" in client.get("/account/mail").get_data(as_text=True)
    post(client, "/account/mail", {"application_new": "never"})
    assert preference(app, coordinator, "application_new") is Delivery.NEVER


def test_the_signed_link_in_a_mail_unsubscribes_in_one_click(app, flow, outbox):
    pair = flow.pair()
    flow.proposal(pair)
    recipient = email_of(app, pair.recipient_admin)
    [notice] = [m for m in outbox if m.to == recipient]
    path = link_path(notice, "/mail/unsubscribe/")
    assert notice.headers["List-Unsubscribe"] == f"<http://sem.test{path}>"
    assert notice.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert path in notice.html

    visitor = app.test_client()  # nobody logged in, no CSRF token: the signature is the permission
    page = visitor.get(path)
    assert page.status_code == 200 and recipient in page.get_data(as_text=True)
    assert preference(app, pair.recipient_admin, "proposal_new") is None  # opening the link changes nothing
    assert visitor.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert preference(app, pair.recipient_admin, "proposal_new") is Delivery.NEVER
    assert preference(app, pair.provider_admin, "proposal_new") is None


def test_a_forged_or_altered_unsubscribe_link_is_refused(app, client, make):
    person = make.person(make.org())
    with app.test_request_context():
        token = mail.unsubscribe_token(person, "proposal_new")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, "not-a-token"):
        assert client.get(f"/mail/unsubscribe/{bad}").status_code == 400
        assert client.post(f"/mail/unsubscribe/{bad}").status_code == 400
    assert preference(app, person, "proposal_new") is None


def test_digest_only_without_a_digest_arrives_at_once(app, client, flow, outbox):
    pair = flow.pair()
    login(client, app, pair.recipient_admin)
    post(client, "/account/mail", {"proposal_new": "digest", "digest": "never"})
    outbox.clear()
    flow.proposal(pair)
    assert email_of(app, pair.recipient_admin) in {m.to for m in outbox}
