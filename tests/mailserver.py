"""A real SMTP server for the tests (aiosmtpd) on a free port: what it accepted, parsed
with the standard library's ``email``; recipients it refuses (5xx) or defers (4xx)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """What the server accepted; ``refuse`` and ``defer`` map an address to a reply."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.received: list[tuple[str, str, bytes]] = []  # (from, to, message)
        self.refuse: set[str] = set()  # answered 550
        self.defer: set[str] = set()  # answered 451
        self.changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        [recipient] = envelope.rcpt_tos
        if recipient in self.refuse:
            return "550 5.1.1 no such mailbox"
        if recipient in self.defer:
            return "451 4.3.0 try again later"
        with self.changed:
            self.received.append((envelope.mail_from, recipient, envelope.original_content))
            self.changed.notify_all()
        return "250 OK"

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        with self.changed:
            found = list(self.received)
        return [message_from_bytes(data, policy=policy.default)  # type: ignore[misc]
                for _f, rcpt, data in found if to is None or rcpt == to]

    def recipients(self) -> list[str]:
        with self.changed:
            return [rcpt for _f, rcpt, _d in self.received]

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.received) >= count, timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(inbox: Inbox | None = None, port: int | None = None
                ) -> Iterator[tuple[str, Inbox]]:
    """A running server: its smtp:// URL and its inbox."""
    inbox = inbox or Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()
