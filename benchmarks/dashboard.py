"""How fast a monitor's change reaches open dashboards, and what the web
backend costs while 100 of them are open.

The script prepares a migrated SQLite database (or the one named by
``--database``) with one signed-up account whose organization has 1,000
monitors, starts an embedded Redis, and runs the web backend as a real
process (``reflex run --env prod --backend-only`` on loopback, one worker, as
the launcher runs it without ``REFLEX_REDIS_URL``). It then opens the
dashboards: websocket clients that speak Reflex's socket.io protocol as a
browser tab does (engine.io 4 text frames on ``/_event``, the session cookie
in the handshake, the list's ``load`` event with the dashboard's route).

Changes are made as the evaluator makes them: a monitor's state, check time
and response time are written and committed, then ``bus.publish_change``
announces it on the organization's channel. Every monitor starts up and each
change turns one that has not changed yet down, so the list's count of down
monitors says how many changes a delta brings (the backend may bring several
in one delta). The latency of change k at one dashboard is from its publish
to the first delta whose down count reaches k; p50 and p95 are over every
(change, dashboard) pair. Each change also carries a unique response time,
and a change to a monitor on the shown page must arrive in that same delta,
which checks the pairing. The backend's memory is the resident set of its
whole process tree, sampled during the run.

    .venv/bin/python benchmarks/dashboard.py [--dashboards 100]
        [--monitors 1000] [--rate 2] [--seconds 60] [--database URL]
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402
from sqlmodel import Session, select  # noqa: E402
from wsproto import ConnectionType, WSConnection  # noqa: E402
from wsproto.events import (  # noqa: E402
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

from isup_app.core import accounts, auth, bus  # noqa: E402
from isup_app.core.bootstrap import seed  # noqa: E402
from isup_app.core.db import make_engine, migrate  # noqa: E402
from isup_app.core.embedded_redis import EmbeddedRedis, free_port  # noqa: E402
from isup_app.core.models import Monitor, MonitorState, MonitorType  # noqa: E402
from isup_app.core.settings import Settings  # noqa: E402

PREFIX = "42/_event,"
LIST_STATE = "monitor_list_state"
ROWS_VAR = "rows_rx_state_"
COUNTS_VAR = "counts_rx_state_"
# Response times of changes start here, so each one is a unique marker.
MARKER_BASE = 900_000
START_TIMEOUT = 300.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# --- the database -------------------------------------------------------------


def prepare(database_url: str, secret: str, monitors: int) -> tuple[str, str]:
    """A migrated database with one account and ``monitors`` monitors in its
    organization; answers (session cookie, organization id)."""
    migrate(database_url)
    engine = make_engine(database_url)
    settings = Settings(database_url=database_url, secret_key=secret)
    try:
        with Session(engine, expire_on_commit=False) as session:
            seed(session, "org_default")
            made = accounts.create_local_account(
                session,
                "bench@example.test",
                "correct horse battery staple",
                "Bench",
                default_org_id="org_default",
            )
            org = made.organization_id
            session.add_all(
                Monitor(
                    organization_id=org,
                    name=f"Monitor {n:04d}",
                    type=MonitorType.HTTP,
                    url=f"http://127.0.0.1:9/{n}",
                    current_state=MonitorState.UP,
                )
                for n in range(monitors)
            )
            session.commit()
            ids = session.exec(
                select(Monitor.id).where(Monitor.organization_id == org)
            ).all()
        cookie = auth.seal_local_session(made.user.id, settings)
    finally:
        engine.dispose()
    assert len(ids) == monitors
    return cookie, org


# --- the backend --------------------------------------------------------------


class Backend:
    """``reflex run --env prod --backend-only`` in a process group of its own."""

    def __init__(self, env: dict[str, str], port: int, log: Path):
        self.port = port
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "reflex",
                    "run",
                    "--env",
                    "prod",
                    "--backend-only",
                    "--backend-host",
                    "127.0.0.1",
                    "--backend-port",
                    str(port),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self) -> float:
        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT:
            if self.process.poll() is not None:
                raise RuntimeError(f"backend exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ping").status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"backend did not answer:\n{self.log.read_text()[-3000:]}")

    def rss_bytes(self) -> int:
        """Resident memory of the backend's whole process tree."""
        try:
            root = psutil.Process(self.process.pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for process in tree:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# --- a dashboard --------------------------------------------------------------


class Dashboard:
    """One browser tab's socket.io connection, over asyncio and wsproto."""

    def __init__(self, port: int, cookie: str):
        self.port = port
        self.cookie = cookie
        self.token = secrets.token_hex(8)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.frames: asyncio.Queue[str] = asyncio.Queue()
        self.deltas: list[float] = []  # arrival of each list delta after load
        # reached[k] is when the down count first reached k + 1: change k came
        self.reached: list[float] = []
        self.arrivals: dict[int, float] = {}  # marker -> monotonic time
        self.rows_seen = 0
        self.loaded = asyncio.Event()
        self.closed = asyncio.Event()
        self._parts: list[str] = []

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        target = f"/_event/?EIO=4&transport=websocket&token={self.token}"
        self._send(
            Request(
                host=f"127.0.0.1:{self.port}",
                target=target,
                extra_headers=[(b"cookie", f"isup_session={self.cookie}".encode())],
            )
        )
        await self.writer.drain()
        self.pump = asyncio.create_task(self._pump())
        opened = await asyncio.wait_for(self.frames.get(), 30)
        assert opened.startswith("0"), opened  # engine.io open
        self.send_text("40/_event,")
        joined = await asyncio.wait_for(self.frames.get(), 30)
        assert joined.startswith("40/_event"), joined
        self.handler = asyncio.create_task(self._handle())

    def _send(self, event) -> None:
        self.writer.write(self.ws.send(event))

    def send_text(self, text: str) -> None:
        self._send(Message(data=text))

    async def _pump(self) -> None:
        try:
            while data := await self.reader.read(262_144):
                self.ws.receive_data(data)
                for event in self.ws.events():
                    if isinstance(event, AcceptConnection):
                        continue
                    if isinstance(event, RejectConnection):
                        raise RuntimeError(f"websocket refused: {event.status_code}")
                    if isinstance(event, Ping):
                        self._send(event.response())
                    elif isinstance(event, TextMessage):
                        self._parts.append(event.data)
                        if event.message_finished:
                            self.frames.put_nowait("".join(self._parts))
                            self._parts = []
                    elif isinstance(event, CloseConnection):
                        return
                await self.writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.closed.set()
            self.frames.put_nowait("")

    async def _handle(self) -> None:
        """Note when each change's marker arrives; answer engine.io pings."""
        while frame := await self.frames.get():
            now = time.monotonic()
            if frame == "2":
                self.send_text("3")
                await self.writer.drain()
                continue
            if not frame.startswith(PREFIX) or LIST_STATE not in frame:
                continue
            _, update = json.loads(frame.removeprefix(PREFIX))
            delta = next(
                (
                    d
                    for name, d in update.get("delta", {}).items()
                    if name.endswith(LIST_STATE) and d
                ),
                None,
            )
            if delta is None:
                continue
            if not self.loaded.is_set():
                if ROWS_VAR in delta:
                    self.rows_seen = len(delta[ROWS_VAR])
                    self.loaded.set()
                continue
            self.deltas.append(now)
            down = delta.get(COUNTS_VAR, {}).get("down")
            if down is not None:
                self.reached.extend([now] * (down - len(self.reached)))
            # A cheap look for any marker: digits after the base's prefix.
            start = 0
            while (at := frame.find(f'"{MARKER_BASE // 1000}', start)) != -1:
                end = frame.find(" ms", at)
                start = at + 1
                if end == -1 or end - at > 8:
                    continue
                try:
                    marker = int(frame[at + 1 : end])
                except ValueError:
                    continue
                self.arrivals.setdefault(marker, now)

    async def load(self, state_name: str) -> None:
        event = {
            "name": f"{state_name}.load",
            "payload": {},
            "router_data": {
                "pathname": "/dashboard",
                "query": {},
                "asPath": "/dashboard",
            },
        }
        self.send_text(PREFIX + json.dumps(["event", event]))
        await self.writer.drain()

    async def close(self) -> None:
        for task in (self.handler, self.pump):
            task.cancel()
        try:
            self._send(CloseConnection(code=1000))
            await self.writer.drain()
        except Exception:  # the socket may be gone already
            pass
        self.writer.close()


# --- changes, as the evaluator makes them ---------------------------------------


def change(engine, redis, org: str, monitor_id: int, marker: int) -> float:
    """Turn one monitor (up so far) down, commit, publish; answers the time
    of the publish."""
    now = datetime.now(UTC)
    with Session(engine) as session:
        monitor = session.get(Monitor, monitor_id)
        previous = monitor.current_state
        assert previous == MonitorState.UP, "each change takes a monitor still up"
        state = MonitorState.DOWN
        monitor.current_state = state
        monitor.last_checked_at = now
        monitor.last_response_time_ms = marker
        session.add(monitor)
        session.commit()
    sent = time.monotonic()
    bus.publish_change(
        redis,
        org,
        monitor_id=monitor_id,
        state=state.value,
        previous_state=previous.value,
        changed=True,
        reason="benchmark",
        region="local",
        last_checked_at=now.isoformat(),
        response_time_ms=marker,
        status_code=200 if state == MonitorState.UP else 503,
        incident_id=None,
        incident_action=None,
    )
    return sent


async def run(args, port: int, cookie: str, org: str, engine, redis, backend):
    from isup_app.states.monitors import MonitorListState

    state_name = MonitorListState.get_full_name()
    dashboards = [Dashboard(port, cookie) for _ in range(args.dashboards)]
    started = time.monotonic()
    for batch in range(0, len(dashboards), 10):
        await asyncio.gather(*(d.connect() for d in dashboards[batch : batch + 10]))
    for dashboard in dashboards:
        await dashboard.load(state_name)
    await asyncio.wait_for(asyncio.gather(*(d.loaded.wait() for d in dashboards)), 120)
    print(
        f"opened {len(dashboards)} dashboards in {time.monotonic() - started:.1f} s, "
        f"each showing {dashboards[0].rows_seen} monitors; "
        f"backend RSS {backend.rss_bytes() / 1e6:.0f} MB",
        flush=True,
    )

    with Session(engine) as session:
        ids = list(
            session.exec(select(Monitor.id).where(Monitor.organization_id == org))
        )
    sent: dict[int, float] = {}
    rss: list[int] = []
    count = int(args.rate * args.seconds)
    chosen = random.sample(ids, count)
    loop = asyncio.get_running_loop()
    began = time.monotonic()
    for n in range(count):
        due = began + n / args.rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        marker = MARKER_BASE + n
        monitor_id = chosen[n]
        sent[marker] = await loop.run_in_executor(
            None, change, engine, redis, org, monitor_id, marker
        )
        if n % max(1, int(args.rate)) == 0:
            rss.append(backend.rss_bytes())
    # Let the last changes arrive.
    deadline = time.monotonic() + args.drain
    while time.monotonic() < deadline:
        if all(len(d.reached) >= count for d in dashboards):
            break
        await asyncio.sleep(0.2)
    rss.append(backend.rss_bytes())

    # The down count of a delta says which changes it brings; the changes to
    # monitors on the shown page carry their marker in a row of that very
    # delta, which checks the pairing.
    order = [sent[MARKER_BASE + n] for n in range(count)]
    latencies = [
        d.reached[k] - at
        for d in dashboards
        for k, at in enumerate(order[: len(d.reached)])
    ]
    pairs = [
        (d.reached[m - MARKER_BASE] if m - MARKER_BASE < len(d.reached) else None, at)
        for d in dashboards
        for m, at in d.arrivals.items()
    ]
    checked = len(pairs)
    agreed = sum(delta == at for delta, at in pairs)
    deltas = statistics.mean(len(d.deltas) for d in dashboards)
    missed = len(dashboards) * count - len(latencies)
    closed = sum(d.closed.is_set() for d in dashboards)
    for dashboard in dashboards:
        await dashboard.close()
    print(f"pairing checked by markers: {agreed} of {checked} deltas agree", flush=True)
    print(f"list deltas per dashboard: {deltas:.1f} for {count} changes", flush=True)
    return latencies, missed, closed, count, rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=100)
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=2.0, help="changes per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="changing for")
    parser.add_argument("--drain", type=float, default=15.0, help="wait after")
    parser.add_argument("--database", default="", help="database URL (default: temp)")
    args = parser.parse_args()
    if int(args.rate * args.seconds) > args.monitors:
        parser.error("each change takes a monitor of its own: raise --monitors")

    tmp = Path(tempfile.mkdtemp(prefix="isup-dashboard-bench-"))
    database_url = args.database or f"sqlite:///{tmp / 'isup.db'}"
    secret = secrets.token_urlsafe(48)
    redis_server = EmbeddedRedis(data_dir=tmp / "redis").start()
    backend = None
    try:
        cookie, org = prepare(database_url, secret, args.monitors)
        port = free_port()
        env = dict(os.environ)
        env.update(
            {
                "ISUP_DATABASE_URL": database_url,
                "ISUP_REDIS_URL": redis_server.url,
                "ISUP_SECRET_KEY": secret,
                "ISUP_DATA_DIR": str(tmp),
                "ISUP_PUBLIC_URL": f"http://127.0.0.1:{port}",
                "ISUP_LOG_LEVEL": "WARNING",
                "REFLEX_WEB_WORKDIR": ".web-test-bench-dashboard",
                "REFLEX_TELEMETRY_ENABLED": "false",
                "REFLEX_CHECK_LATEST_VERSION": "false",
            }
        )
        env.pop("REFLEX_REDIS_URL", None)
        env["PATH"] = os.pathsep.join(
            [str(Path(sys.executable).parent), env.get("PATH", "")]
        )
        backend = Backend(env, port, tmp / "backend.log")
        ready = backend.wait_ready()
        idle = backend.rss_bytes()
        print(f"backend ready in {ready:.1f} s, RSS {idle / 1e6:.0f} MB", flush=True)

        engine = make_engine(database_url)
        redis = bus.connect(redis_server.url)
        try:
            latencies, missed, closed, count, rss = asyncio.run(
                run(args, port, cookie, org, engine, redis, backend)
            )
        finally:
            redis.close()
            engine.dispose()
    finally:
        if backend is not None:
            backend.stop()
        redis_server.stop()

    print(
        f"\n{args.dashboards} dashboards, {args.monitors} monitors, "
        f"{count} changes at {args.rate:g}/s over {args.seconds:g} s"
    )
    if latencies:
        print(
            f"update latency (publish to websocket delta): "
            f"p50 {percentile(latencies, 0.50) * 1000:.0f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms, "
            f"mean {statistics.mean(latencies) * 1000:.0f} ms "
            f"over {len(latencies)} deliveries"
        )
    print(f"deliveries missed: {missed}; sockets closed by the server: {closed}")
    print(
        f"web backend RSS: idle {idle / 1e6:.0f} MB, during the run "
        f"median {statistics.median(rss) / 1e6:.0f} MB, peak {max(rss) / 1e6:.0f} MB"
    )
    return 0 if latencies and missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
