"""The one sending function: mails leave after the commit, never after a rollback, and
reach a real SMTP server in the recipient's language."""

import socket
import time
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from sem.extensions import db
from sem.mail.services import Mail, send_mail, send_template, sent_messages


class StoreHandler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch):
    handler = StoreHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    yield handler
    controller.stop()


def test_mail_leaves_only_when_the_transaction_commits(app, ctx):
    send_mail(Mail(to="a@example.org", subject="s", text="t"))
    assert sent_messages() == []
    db.session.commit()
    assert [m.to for m in sent_messages()] == ["a@example.org"]


def test_mail_is_dropped_when_the_transaction_rolls_back(app, ctx):
    send_mail(Mail(to="b@example.org", subject="s", text="t"))
    db.session.rollback()
    db.session.commit()
    assert sent_messages() == []


def test_smtp_delivery_in_the_recipients_language(app, ctx, smtp_server):
    send_template("nl@example.org", "nl", "password_reset", "Reset", person=type("P", (), {"name": "Lotte"}),
                  link="http://sem.test/password/reset/x", hours=2)
    send_template("fr@example.org", "fr", "password_reset", "Reset", person=type("P", (), {"name": "Inès"}),
                  link="http://sem.test/password/reset/x", hours=2)
    db.session.commit()
    deadline = time.time() + 5
    while len(smtp_server.messages) < 2 and time.time() < deadline:
        time.sleep(0.05)
    messages = {env.rcpt_tos[0]: message_from_bytes(env.content, policy=default) for env in smtp_server.messages}
    nl, fr = messages["nl@example.org"], messages["fr@example.org"]
    assert "Hallo Lotte" in nl.get_body(("plain",)).get_content()
    assert "Bonjour Inès" in fr.get_body(("plain",)).get_content()
    assert 'lang="nl"' in nl.get_body(("html",)).get_content()


def test_console_backend_prints_instead_of_sending(app, ctx, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")
    send_mail(Mail(to="c@example.org", subject="Sujet", text="Corps du message"))
    db.session.commit()
    assert "Corps du message" in capsys.readouterr().err
