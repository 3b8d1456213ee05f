"""Writing to the outbox: a mail exists if and only if its transaction commits, once per
dedupe key, in the recipient's language; development backends print or write files."""

from email import message_from_bytes
from email.policy import default

import sqlalchemy as sa

from sem.extensions import db
from sem.mail.models import MailStatus, OutboxMessage
from sem.mail.services import Mail, send_mail, send_template
from tests.mail.conftest import deliver


class Fake:
    def __init__(self, name):
        self.name = name


def _statuses(app):
    with app.app_context():
        return db.session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.status)
                                  .order_by(OutboxMessage.id)).all()


def test_mail_is_written_in_the_transaction_and_kept_when_it_commits(app, ctx, outbox):
    send_mail(Mail(to="a@example.org", subject="s", text="t"))
    assert outbox == []  # not committed yet: nobody else sees it
    db.session.commit()
    assert [m.to for m in outbox] == ["a@example.org"]
    assert _statuses(app) == [("a@example.org", MailStatus.QUEUED)]


def test_mail_is_dropped_when_the_transaction_rolls_back(app, ctx, outbox):
    send_mail(Mail(to="b@example.org", subject="s", text="t"))
    db.session.rollback()
    db.session.commit()
    assert outbox == []
    assert deliver(app).claimed == 0


def test_a_dedupe_key_is_written_once(app, ctx, outbox):
    assert send_mail(Mail(to="a@example.org", subject="s", text="t"), dedupe_key="k:1") is not None
    db.session.commit()
    assert send_mail(Mail(to="a@example.org", subject="s", text="t"), dedupe_key="k:1") is None
    db.session.commit()
    assert len(outbox) == 1


def test_smtp_delivery_in_the_recipients_language(app, ctx, smtp_server, outbox):
    send_template("nl@example.org", "nl", "password_reset", "Reset", person=Fake("Lotte"),
                  link="http://sem.test/password/reset/x", hours=2)
    send_template("fr@example.org", "fr", "password_reset", "Reset", person=Fake("Inès"),
                  link="http://sem.test/password/reset/x", hours=2)
    db.session.commit()
    assert smtp_server.messages == []  # nothing leaves before the send-mail job
    report = deliver(app)
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    messages = smtp_server.by_recipient()
    nl, fr = messages["nl@example.org"], messages["fr@example.org"]
    assert "Hallo Lotte" in nl.get_body(("plain",)).get_content()
    assert "Bonjour Inès" in fr.get_body(("plain",)).get_content()
    assert 'lang="nl"' in nl.get_body(("html",)).get_content()
    assert nl["Message-ID"]
    assert {status for _to, status in _statuses(app)} == {MailStatus.SENT}
    assert deliver(app).claimed == 0  # sent is sent: a second run has nothing to do
    assert len(smtp_server.messages) == 2


def test_console_backend_prints_instead_of_sending(app, ctx, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")
    send_mail(Mail(to="c@example.org", subject="Sujet", text="Corps du message"))
    db.session.commit()
    assert deliver(app).sent == 1
    assert "Corps du message" in capsys.readouterr().err


def test_folder_backend_writes_eml_files(app, ctx, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "folder")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path / "mails"))
    send_mail(Mail(to="d@example.org", subject="Sujet", text="Dans un fichier", html="<p>Dans un fichier</p>"))
    db.session.commit()
    assert deliver(app).sent == 1
    [path] = (tmp_path / "mails").glob("*.eml")
    message = message_from_bytes(path.read_bytes(), policy=default)
    assert message["To"] == "d@example.org"
    assert message.get_body(("plain",)).get_content().strip() == "Dans un fichier"
