"""Start IsUp on one machine: ``python -m isup_app.launch`` (``scripts/start``).

Prepares the data directory, the secret key, the database and the built-in
rows; starts an embedded Redis unless ``ISUP_REDIS_URL`` names one; then
starts the checker and the web app as children, each in a process group of
its own, waits until the app answers, and prints its address. Ctrl-C or
SIGTERM stops every process it started; so does any child that exits.
"""

import argparse
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlmodel import Session

from isup_app.core.bootstrap import seed
from isup_app.core.db import make_engine, migrate
from isup_app.core.embedded_redis import EmbeddedRedis
from isup_app.core.settings import ROOT, Settings, get_settings

logger = logging.getLogger("isup_app.launch")

STOP_GRACE_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 900.0
SECRET_FILE = "secret_key"


def say(message: str) -> None:
    print(f"isup: {message}", flush=True)


def secret_key(settings: Settings, data_dir: Path) -> str:
    """The configured key, else one made once and kept in the data directory."""
    if settings.secret_key:
        return settings.secret_key
    path = data_dir / SECRET_FILE
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def prepare_database(settings: Settings) -> None:
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            seed(session, settings.default_org_id)
    finally:
        engine.dispose()


def frontend_built() -> bool:
    web_dir = ROOT / os.environ.get("REFLEX_WEB_WORKDIR", ".web")
    return (web_dir / "build" / "client").is_dir()


class Launcher:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self.redis: EmbeddedRedis | None = None
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = threading.Event()

    @property
    def address(self) -> str:
        host = self.settings.host
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
        return f"http://{shown}:{self.settings.port}"

    def child_env(self, redis_url: str) -> dict[str, str]:
        env = dict(os.environ)
        env["ISUP_REDIS_URL"] = redis_url
        env["ISUP_SECRET_KEY"] = secret_key(self.settings, self.data_dir)
        env["ISUP_DATA_DIR"] = str(self.data_dir)
        # Links and sign-in redirects follow the port served, unless set.
        configured = "public_url" in self.settings.model_fields_set
        env["ISUP_PUBLIC_URL"] = (
            self.settings.public_url if configured else self.address
        )
        env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
        env.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
        return env

    def start_redis(self) -> str:
        if self.settings.redis_url:
            say("using the Redis at ISUP_REDIS_URL")
            return self.settings.redis_url
        redis_dir = self.data_dir / "redis"
        self.redis = EmbeddedRedis(data_dir=redis_dir).start()
        say(f"embedded Redis on 127.0.0.1:{self.redis.port}, data in {redis_dir}")
        return self.redis.url

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        # A session of its own: a terminal's Ctrl-C reaches only us, and we
        # stop each child's whole group (Reflex starts workers of its own).
        self.children[name] = subprocess.Popen(
            argv, cwd=ROOT, env=env, start_new_session=True
        )
        logger.info("started name=%s pid=%s", name, self.children[name].pid)

    def start(self) -> None:
        started = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        say("migrating the database")
        prepare_database(self.settings)
        env = self.child_env(self.start_redis())

        self.spawn("checker", [sys.executable, "-m", "checker"], env)
        if not frontend_built():
            say("building the web frontend: the first start takes 15-60 s or more")
        self.spawn(
            "web",
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--frontend-port",
                str(self.settings.port),
                "--backend-host",
                self.settings.host,
            ],
            env,
        )
        self.wait_ready()
        say(f"IsUp is running at {self.address}/dashboard")
        say(f"started in {time.monotonic() - started:.1f} s; Ctrl-C stops it")

    def wait_ready(self) -> None:
        """Until the backend answers and the built pages are served."""
        local = "127.0.0.1" if self.settings.host in ("0.0.0.0", "::") else None
        base = f"http://{local or self.settings.host}:{self.settings.port}"
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not self.stopping.is_set():
            self.check_children()
            if _answers(f"{base}/ping") and _answers(f"{base}/"):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the web app did not answer at {base}")
            self.stopping.wait(0.5)

    def check_children(self) -> None:
        for name, process in self.children.items():
            code = process.poll()
            if code is not None:
                raise RuntimeError(f"{name} exited with code {code}")

    def run_until_stopped(self) -> None:
        while not self.stopping.is_set():
            self.check_children()
            self.stopping.wait(0.5)

    def stop(self) -> None:
        """Stop every child group (TERM, then KILL after a grace), then Redis."""
        for name, process in self.children.items():
            if process.poll() is None:
                logger.info("stopping name=%s pid=%s", name, process.pid)
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in self.children.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        for process in self.children.values():
            # Workers may outlive their parent; the group goes either way.
            _signal_group(process, signal.SIGKILL)
        self.children.clear()
        if self.redis is not None:
            self.redis.stop()
            self.redis = None


def _answers(url: str) -> bool:
    try:
        response = httpx.get(url, timeout=2, follow_redirects=True)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/start", description=__doc__)
    parser.parse_args(argv)
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    launcher = Launcher(settings)

    def on_signal(signum, _frame):
        launcher.stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        launcher.start()
        launcher.run_until_stopped()
    except RuntimeError as exc:
        say(f"stopping: {exc}")
        code = 1
    finally:
        say("stopping every process IsUp started")
        launcher.stop()
    say("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
