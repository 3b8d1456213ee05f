"""The weekly digest: one mail per subscribed person, in their language, with what matters
to their organisation this week; at most once a week; nothing to say, no mail."""

import re
from datetime import timedelta

import sqlalchemy as sa

from sem.core.db import utcnow
from sem.exchanges import services as exchanges
from sem.exchanges.models import HourDeclaration
from sem.extensions import db
from sem.mail.digest import build_digests, iso_week
from sem.mail.models import MailStatus, OutboxMessage
from sem.members.models import Person
from tests.conftest import login, post, tr
from tests.mail.conftest import deliver, run_job


def digests(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "digest")
                                  .order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return rows


def plain(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def email_of(app, person_id) -> str:
    with app.app_context():
        return db.session.get(Person, person_id).email


def test_each_person_gets_the_digest_in_their_language_over_smtp(app, flow, smtp_server):
    pair = flow.pair(provider_locale="fr", recipient_locale="nl")
    proposal = flow.proposal(pair)  # the provider offers its help; the recipient has to answer
    assert "2 digest(s) queued" in run_job(app, "digest")
    deliver(app)
    mails = smtp_server.by_recipient()
    assert set(mails) == {email_of(app, pair.provider_admin), email_of(app, pair.recipient_admin)}

    fr = mails[email_of(app, pair.provider_admin)]
    text = plain(fr)
    assert text.startswith("Bonjour Person")
    assert tr(app, "New needs you could answer", "fr") in text
    assert f"Réparer notre wifi · Maison de Quartier\n  http://sem.test/needs/{pair.need}" in text
    assert tr(app, "Proposals waiting for your answer", "fr") not in text  # the provider already accepted
    assert 'lang="fr"' in fr.get_body(("html",)).get_content()
    assert fr["Subject"] == tr(app, "SEM this week: %(org)s", "fr", org="Atelier Informatique")

    nl = mails[email_of(app, pair.recipient_admin)]
    text = plain(nl)
    html = nl.get_body(("html",)).get_content()
    assert text.startswith("Hallo Person")
    assert tr(app, "Proposals waiting for your answer", "nl") in text
    assert f"http://sem.test/proposals/{proposal}" in text and f'href="http://sem.test/proposals/{proposal}"' in html
    assert tr(app, "New offers that answer your needs", "nl") in text
    assert f"http://sem.test/offers/{pair.offer}" in text
    assert "0\u00a0u" in text  # the balance, in Dutch units
    assert 'lang="nl"' in html
    assert nl["List-Unsubscribe"].startswith("<http://sem.test/mail/unsubscribe/")
    # Mail clients read the header as it travels: a plain <URL>, never an encoded word.
    raw = next(env.content for env in smtp_server.messages if env.rcpt_tos[0] == email_of(app, pair.recipient_admin))
    assert re.search(rb"^List-Unsubscribe: <http://sem\.test/mail/unsubscribe/[^>\s]+>\r?$", raw, re.M)


def test_running_the_digest_twice_sends_it_once(app, flow, smtp_server):
    pair = flow.pair()
    flow.proposal(pair)
    run_job(app, "send-mail")  # the proposal's own notice
    smtp_server.messages.clear()
    run_job(app, "digest")
    assert "0 digest(s) queued" in run_job(app, "digest")
    run_job(app, "send-mail")
    run_job(app, "send-mail")
    assert sorted(smtp_server.recipients()) == sorted(
        [email_of(app, pair.provider_admin), email_of(app, pair.recipient_admin)])
    week = iso_week(utcnow())
    assert {row.dedupe_key for row in digests(app)} == {
        f"digest:{pair.provider_admin}:{week}", f"digest:{pair.recipient_admin}:{week}"}
    assert {row.status for row in digests(app)} == {MailStatus.SENT}


def test_nothing_new_means_no_digest(app, make, posts):
    quiet = make.org("Quiet organisation")
    posts.offer(quiet, "legal-statutes", title="Conseil juridique", created_ago=timedelta(days=30))
    assert "0 digest(s) queued, 1 person(s) with nothing new" in run_job(app, "digest")
    assert digests(app) == []


def test_a_person_who_turned_the_digest_off_gets_none(app, client, flow):
    pair = flow.pair()
    flow.proposal(pair)
    login(client, app, pair.recipient_admin)
    post(client, "/account/mail", {"digest": "never"})
    run_job(app, "digest")
    assert [row.person_id for row in digests(app)] == [pair.provider_admin]


def test_hours_to_confirm_balance_change_and_network_highlights(app, ctx, flow):
    pair = flow.pair()
    exchange = flow.exchange(pair)
    flow.declaration(pair, exchange, minutes=150)
    pending = flow.declaration(pair, exchange, minutes=60, note="Deuxième visite")
    first = db.session.scalars(sa.select(HourDeclaration).where(HourDeclaration.id != pending)).one()
    exchanges.confirm_declaration(first, actor=db.session.get(Person, pair.recipient_admin))
    db.session.commit()

    by_person = {d.person.id: d for d in build_digests()}
    recipient, provider = by_person[pair.recipient_admin], by_person[pair.provider_admin]
    assert [(item.id, item.minutes) for item in recipient.news.confirmations.items] == [(exchange, 60)]
    assert (provider.news.balance, provider.news.change) == (150, 150)
    assert (recipient.news.balance, recipient.news.change) == (-150, -150)
    assert (provider.highlights.minutes_exchanged, provider.highlights.exchanges) == (150, 1)
    assert provider.news.confirmations.total == 0 and not provider.empty


def test_notifications_kept_for_the_digest_are_listed_once(app, client, flow):
    pair = flow.pair()
    login(client, app, pair.recipient_admin)
    post(client, "/account/mail", {"proposal_new": "digest"})
    flow.proposal(pair)
    run_job(app, "digest")
    [digest] = [row for row in digests(app) if row.person_id == pair.recipient_admin]
    assert tr(app, "A proposal for “%(title)s”", title="Réparer notre wifi") in digest.text
    with app.app_context():
        statuses = db.session.scalars(sa.select(OutboxMessage.status).where(OutboxMessage.kind == "proposal_new"))
        assert list(statuses) == [MailStatus.DIGESTED]


def test_coordinators_preview_a_members_digest(app, client, make, flow):
    pair = flow.pair(recipient_locale="nl")
    flow.proposal(pair)
    login(client, app, make.coordinator())
    organisation_page = client.get(f"/coordination/organisations/{pair.recipient}").get_data(as_text=True)
    assert f'href="/coordination/digest/{pair.recipient_admin}"' in organisation_page
    page = client.get(f"/coordination/digest/{pair.recipient_admin}").get_data(as_text=True)
    assert "Hallo Person" in page and "Aide réseau" in page  # the plain text, in the member's language
    assert f'src="/coordination/digest/{pair.recipient_admin}/mail.html"' in page
    # The HTML part in its frame, styled inline as mail clients show it: styles allowed, nothing else.
    mail = client.get(f"/coordination/digest/{pair.recipient_admin}/mail.html")
    assert mail.status_code == 200 and "Hallo Person" in mail.get_data(as_text=True)
    assert 'style="' in mail.get_data(as_text=True)
    policy = mail.headers["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "default-src 'none'" in policy and "script" not in policy
    assert mail.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert digests(app) == []  # a preview queues nothing
