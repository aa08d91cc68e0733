"""Targets on loopback and a running evaluator, for the checker's tests."""

import asyncio
import inspect
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy.engine import Engine

from checker.evaluator import Evaluator


class Target:
    """An HTTP server on 127.0.0.1 whose answer the test can change."""

    def __init__(self):
        self.status = 200
        self.requests = 0
        self.paths: list[str] = []
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                target.paths.append(self.path)
                target.requests += 1
                body = b"ok"
                self.send_response(target.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/health"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SilentServer:
    """Accepts connections and never answers (case C5's slow target)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self.thread.join()
        for conn in self._held:
            conn.close()
        self.sock.close()


@pytest.fixture
def target() -> Iterator[Target]:
    server = Target()
    yield server
    server.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


class RunningEvaluator:
    def __init__(self, redis_url: str, engine: Engine, **options):
        self.evaluator = Evaluator(redis_url, engine, **options)
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self.evaluator.run, args=(self.stop,), daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


@pytest.fixture
def run_evaluator(redis_url: str, engine: Engine):
    """Start evaluators in threads; all are stopped after the test."""
    started: list[RunningEvaluator] = []

    def start(**options) -> RunningEvaluator:
        running = RunningEvaluator(redis_url, engine, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close()


async def until(condition: Callable[[], object], timeout: float = 10.0):
    """Poll ``condition`` (plain or async) until it returns something truthy;
    return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.05)
