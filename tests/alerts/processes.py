"""Real processes and a real target for the tests that kill and restart."""

import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from isup_app.core.settings import ROOT
from tests.standins.smtp import free_port


class Target:
    """An HTTP server that answers 200, and can be stopped and started again
    on the same port."""

    def __init__(self):
        self.port = free_port()
        self._server = None

    def start(self):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        ).start()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class Processes:
    """IsUp's background processes (by default the checker and a notifier of
    its own), started and killed together."""

    def __init__(
        self,
        env: dict,
        logs: Path,
        modules: tuple[str, ...] = ("checker", "checker.notifier"),
    ):
        self.env = env
        self.logs = logs
        self.modules = modules
        self.running: list[subprocess.Popen] = []
        self.lives = 0

    def start(self):
        self.lives += 1
        for module in self.modules:
            log = open(self.logs / f"{module}-{self.lives}.log", "wb")  # noqa: SIM115
            self.running.append(
                subprocess.Popen(
                    [sys.executable, "-m", module],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()

    def kill(self):
        for process in self.running:
            process.send_signal(signal.SIGKILL)
        for process in self.running:
            process.wait(timeout=10)
        self.running = []

    def stop(self):
        for process in self.running:
            process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running = []

    def output(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-3000:]}"
            for path in sorted(self.logs.glob("*.log"))
        )
