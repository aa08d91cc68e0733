"""A small threaded HTTP server that the alert stand-ins build on.

Each stand-in answers like the service it stands for; every request is kept
in ``requests`` and those it accepted in ``delivered``. ``fail_next`` makes the
next answers errors, to test retries.
"""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data, **headers) -> "Reply":
        return cls(status, json.dumps(data).encode(), "application/json", headers)

    @classmethod
    def text(cls, status: int, text: str) -> "Reply":
        return cls(status, text.encode(), "text/plain; charset=utf-8")


class HTTPStandIn:
    def __init__(self, port: int = 0):
        self.port = port
        self.requests: list[Received] = []
        self.delivered: list[Received] = []
        self._forced: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None

    # --- to override -------------------------------------------------------

    def answer(self, request: Received) -> Reply:
        raise NotImplementedError

    # --- control -----------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, reply: Reply, times: int = 1) -> None:
        with self._lock:
            self._forced.extend([reply] * times)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until ``count`` requests were delivered (accepted)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.delivered) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            return list(self.delivered)

    def start(self) -> "HTTPStandIn":
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                reply = stand_in._handle(request)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _handle(self, request: Received) -> Reply:
        with self._lock:
            self.requests.append(request)
            forced = self._forced.popleft() if self._forced else None
        reply = forced or self.answer(request)
        if 200 <= reply.status < 300:
            with self._arrived:
                self.delivered.append(request)
                self._arrived.notify_all()
        return reply
