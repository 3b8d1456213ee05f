"""A real SMTP server on loopback (aiosmtpd), the exchange builders, and a way to run the
mail jobs as the scheduler does."""

import asyncio
import socket
import threading
import time
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from sem.extensions import db
from sem.mail.delivery import deliver_outbox
from tests.exchanges.conftest import Flow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StoreHandler:
    """Keeps what it accepts. `refuse` answers every DATA with that reply instead; `hold`
    names a recipient whose first RCPT hangs (a server that stops answering) and sets
    `holding` when it arrives."""

    def __init__(self):
        self.messages = []
        self.refuse: str | None = None
        self.hold: str | None = None
        self.holding = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
        if address == self.hold:
            self.hold = None
            self.holding.set()
            await asyncio.sleep(30)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            return self.refuse
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def received(self) -> list:
        return [message_from_bytes(env.content, policy=default) for env in self.messages]

    def recipients(self) -> list[str]:
        return [to for env in self.messages for to in env.rcpt_tos]

    def by_recipient(self) -> dict:
        return {env.rcpt_tos[0]: message_from_bytes(env.content, policy=default) for env in self.messages}


@pytest.fixture
def smtp_server(app, monkeypatch):
    handler = StoreHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    yield handler
    controller.stop()


@pytest.fixture
def smtp_down(app, monkeypatch):
    """An SMTP address where nothing listens (connection refused)."""
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())


def deliver(app, **kwargs):
    """Run the send-mail job once, as `flask sem run-job send-mail` does."""
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        report = deliver_outbox(**kwargs)
        db.session.commit()
        return report


def run_job(app, name: str) -> str:
    result = app.test_cli_runner().invoke(args=["sem", "run-job", name])
    assert result.exit_code == 0, result.output
    return result.output


def wait_for(predicate, seconds: float = 5) -> None:
    deadline = time.time() + seconds
    while not predicate():
        if time.time() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def flow(app, make, posts):
    return Flow(app, make, posts)
