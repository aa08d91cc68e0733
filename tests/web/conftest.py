"""The web app under test: a loopback target server, the whole IsUp started
by its launcher on free ports, and Debian's Chromium through Playwright."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
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
# their own, so that a running ./scripts/start keeps its build.
TEST_WEB_DIR = ".web-test"
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
    def __init__(self, process: subprocess.Popen, url: str, log: Path, seconds: float):
        self.process = process
        self.url = url
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
            "ISUP_DEFAULT_ORG_ID": "org_default",
            "ISUP_MONITOR_REFRESH_SECONDS": "0.5",
            "REFLEX_WEB_WORKDIR": TEST_WEB_DIR,
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
        }
    )
    return env


@pytest.fixture(scope="session")
def isup(tmp_path_factory, redis_server: EmbeddedRedis) -> Iterator[RunningIsUp]:
    """The whole IsUp (migrations, checker, web app) as ``scripts/start`` runs
    it, built once per test session."""
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
        yield RunningIsUp(
            process, f"http://127.0.0.1:{port}", log, time.monotonic() - started
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="session")
def browser():
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
