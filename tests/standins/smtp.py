"""An SMTP sink: aiosmtpd's Controller on a chosen free loopback port
(aiosmtpd cannot be told port 0). Addresses in ``rejected`` get 550."""

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: "SMTPSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address.lower() in self.sink.rejected:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.sink.arrived:
            self.sink.messages.append(
                message_from_bytes(envelope.content, policy=policy.default)
            )
            self.sink.arrived.notify_all()
        return "250 Message accepted for delivery"


class SMTPSink:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.rejected: set[str] = set()
        self.arrived = threading.Condition()
        self.port = free_port()
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port
        )

    def start(self) -> "SMTPSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
        # The Controller makes its own event loop and leaves it open.
        self.controller.loop.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
            return list(self.messages)
