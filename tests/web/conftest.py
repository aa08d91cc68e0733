"""The web app under test: a loopback target server, the whole IsUp started
by its launcher on free ports, and Debian's Chromium through Playwright."""

import contextlib
import gc
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from isup_app.core.embedded_redis import EmbeddedRedis, free_port
from isup_app.core.settings import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "test-artifacts"
# The browser tests build the frontend for their own port in a directory of
# their own, so that a running ./scripts/start keeps its build (and, set
# through ISUP_TEST_WEB_DIR, so that two test runs side by side keep theirs).
TEST_WEB_DIR = os.environ.get("ISUP_TEST_WEB_DIR", ".web-test")
START_TIMEOUT = 600.0


class Target:
    """An HTTP server on 127.0.0.1 that answers 200 until closed."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.closed = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def target() -> Iterator[Target]:
    server = Target()
    yield server
    server.close()


class RunningIsUp:
    def __init__(self, process: subprocess.Popen, port: int, log: Path, seconds: float):
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.start_seconds = seconds


def _launcher_env(tmp: Path, redis_url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    tools = ROOT / ".tools" / "node_modules" / ".bin"
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(tools)])
    env["PATH"] += os.pathsep + os.environ.get("PATH", "")
    if "NPM_CONFIG_REGISTRY" not in env and shutil.which("npm"):
        registry = subprocess.run(
            ["npm", "config", "get", "registry"], capture_output=True, text=True
        ).stdout.strip()
        if registry:
            env["NPM_CONFIG_REGISTRY"] = registry
    env.update(
        {
            "ISUP_DATA_DIR": str(tmp),
            "ISUP_DATABASE_URL": f"sqlite:///{tmp / 'isup.db'}",
            "ISUP_REDIS_URL": redis_url,
            "ISUP_HOST": "127.0.0.1",
            "ISUP_PORT": str(port),
            "ISUP_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "ISUP_DEFAULT_ORG_ID": "org_default",
            "ISUP_MONITOR_REFRESH_SECONDS": "0.5",
            "REFLEX_WEB_WORKDIR": TEST_WEB_DIR,
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
        }
    )
    return env


@pytest.fixture(scope="module")
def isup(tmp_path_factory, redis_server: EmbeddedRedis) -> Iterator[RunningIsUp]:
    """The whole IsUp (migrations, checker, web app) as ``scripts/start`` runs
    it, built once for the module that uses it."""
    tmp = tmp_path_factory.mktemp("isup")
    port = free_port()
    log = tmp / "launcher.log"
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "isup_app.launch"],
            cwd=ROOT,
            env=_launcher_env(tmp, redis_server.url, port),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while "IsUp is running" not in log.read_text():
            if process.poll() is not None or time.monotonic() - started > START_TIMEOUT:
                pytest.fail(f"IsUp did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.5)
        yield RunningIsUp(process, port, log, time.monotonic() - started)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def browser():
    # Module-wide, not session-wide: Playwright's sync API allows one running
    # instance per thread, and other areas' browser tests start their own.
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


# --- the app in-process, spoken to over its real websocket ------------------

SECRET = "web-tests-" + "k" * 40


@pytest.fixture(scope="session")
def web_client(redis_server: EmbeddedRedis) -> Iterator:
    """The Reflex backend in this process (no frontend build), with its
    lifespan (the live listener) running against the test Redis. Session-wide:
    a Reflex app builds its ASGI app once per process."""
    from starlette.testclient import TestClient

    from isup_app.core.settings import get_settings

    saved = {k: os.environ.get(k) for k in ("ISUP_REDIS_URL", "ISUP_SECRET_KEY")}
    os.environ["ISUP_REDIS_URL"] = redis_server.url
    os.environ["ISUP_SECRET_KEY"] = SECRET
    os.environ["__REFLEX_SKIP_COMPILE"] = "true"
    get_settings.cache_clear()
    from isup_app.isup_app import app

    try:
        with _without_leftover_loop_warning():
            client = TestClient(app()).__enter__()
        try:
            yield client
        finally:
            client.__exit__(None, None, None)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


@contextlib.contextmanager
def _without_leftover_loop_warning():
    """looptime's hook asks the event loop policy for a loop in every test,
    which leaves a default loop that nobody closes once an earlier test ran;
    starting the app replaces it, and its collection later (a ResourceWarning,
    an error here) failed whichever web test came first. Collect it here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        yield
        gc.collect()


@pytest.fixture
def web(web_client, database_url: str, redis_url: str, monkeypatch):
    """``web_client`` pointed at this test's database."""
    from isup_app.core.db import reset_engine
    from isup_app.core.settings import get_settings

    monkeypatch.setenv("ISUP_DATABASE_URL", database_url)
    get_settings.cache_clear()
    reset_engine()
    yield web_client
    reset_engine()
    get_settings.cache_clear()
    # An event still in flight when the test ended may hold a connection of
    # this test's database; collect it now rather than in a later test, where
    # its ResourceWarning would fail whichever test ran then.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def session_cookie(session, email: str) -> tuple[str, str]:
    """A signed-up local account: (its session cookie value, its org id)."""
    from isup_app.core import accounts, auth
    from isup_app.core.settings import get_settings

    made = accounts.create_local_account(
        session,
        email,
        "correct horse battery staple",
        default_org_id="org_test",
    )
    return auth.seal_local_session(made.user.id, get_settings()), made.organization_id


class EventSocket:
    """A browser tab's side of Reflex's socket.io connection, by hand:
    engine.io 4 text frames over the app's real ``/_event`` websocket."""

    PREFIX = "42/_event,"

    def __init__(self, client, cookie: str | None, path: str = "/dashboard"):
        import queue
        import secrets

        self.token = secrets.token_hex(8)
        self.path = path
        headers = {"upgrade": "websocket", "connection": "Upgrade"}
        if cookie:
            headers["cookie"] = f"isup_session={cookie}"
        self._context = client.websocket_connect(
            f"/_event/?EIO=4&transport=websocket&token={self.token}",
            headers=headers,
        )
        self.ws = self._context.__enter__()
        self.ws.receive_text()  # engine.io open
        self.ws.send_text("40/_event,")
        self.ws.receive_text()  # namespace connected
        self.updates: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        import json

        while True:
            try:
                frame = self.ws.receive_text()
            except Exception:
                return
            if frame == "2":
                self.ws.send_text("3")
            elif frame.startswith(self.PREFIX):
                name, update = json.loads(frame.removeprefix(self.PREFIX))
                if name == "event":
                    self.updates.put(update)

    def send(self, state_cls, handler: str, **payload) -> None:
        import json

        event = {
            "name": f"{state_cls.get_full_name()}.{handler}",
            "payload": payload,
            "router_data": {"pathname": self.path, "query": {}, "asPath": self.path},
        }
        self.ws.send_text(self.PREFIX + json.dumps(["event", event]))

    def wait_for(self, state_cls, predicate, timeout: float = 5.0) -> dict:
        """The first delta of ``state_cls`` that ``predicate`` accepts."""
        import queue

        name = state_cls.get_full_name()
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                update = self.updates.get(timeout=left)
            except queue.Empty:
                break
            delta = update.get("delta", {}).get(name)
            if delta is not None and predicate(delta):
                return delta
        raise AssertionError(f"no matching update of {name} within {timeout} s")

    def events(self, timeout: float = 5.0) -> list[dict]:
        """Events the server asked this tab to run (redirects and the like)."""
        import queue

        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                update = self.updates.get(timeout=left)
            except queue.Empty:
                break
            if update.get("events"):
                return update["events"]
        return []

    def close(self) -> None:
        self._context.__exit__(None, None, None)
        self._reader.join(2)
