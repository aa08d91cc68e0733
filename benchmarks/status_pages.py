"""Status page benchmark: a page of 20 components, cached and uncached.

Sets up a fresh SQLite database with 20 monitors and 90 days of history
(written through ``record_results``, a few checks a day, with some outages and
incidents), a status page showing all 20, and an embedded Redis. Then, for
each mode, starts the status page routes under uvicorn in a child process on a
free loopback port and loads them from this process with keep-alive httpx
clients in a few threads, for a bounded time:

- cached: Redis configured; the first request renders, the rest read Redis.
- uncached: no Redis; every request queries the database and renders.

Prints requests per second and p50/p99 latency for the HTML page and the
summary JSON in each mode, then the cached/uncached ratio of requests per
second for each path.

Usage: .venv/bin/python -m benchmarks.status_pages [--seconds 5] [--threads 4]
"""

import argparse
import multiprocessing
import secrets
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import Session

from isup_app.core import status_pages as sp
from isup_app.core.bootstrap import seed
from isup_app.core.db import make_engine, migrate
from isup_app.core.embedded_redis import EmbeddedRedis, free_port
from isup_app.core.history import record_results
from isup_app.core.models import (
    CheckResult,
    Incident,
    Monitor,
    MonitorState,
    MonitorType,
)

ORG = "org_bench"
COMPONENTS = 20
DAYS = 90
CHECKS_PER_DAY = 6


def build_database(url: str, now: datetime) -> None:
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed(session, ORG)
        start = (now - timedelta(days=DAYS - 1)).replace(hour=0, minute=0, second=0)
        monitors = []
        for n in range(COMPONENTS):
            monitor = Monitor(
                organization_id=ORG,
                name=f"monitor-{n}",
                type=MonitorType.HTTP,
                url=f"http://127.0.0.1:9/{n}",
                current_state=MonitorState.DOWN if n == 3 else MonitorState.UP,
                created_at=start - timedelta(days=1),
            )
            session.add(monitor)
            monitors.append(monitor)
        session.commit()
        rows = []
        for day in range(DAYS):
            for monitor in monitors:
                for check in range(CHECKS_PER_DAY):
                    at = start + timedelta(days=day, hours=4 * check)
                    down = (day * 7 + monitor.id) % 41 == 0 and check == 2
                    rows.append(
                        CheckResult(
                            check_id=secrets.token_hex(10),
                            monitor_id=monitor.id,
                            organization_id=ORG,
                            timestamp=at,
                            region="local",
                            status="down" if down else "up",
                            response_time_ms=100 + check,
                        )
                    )
                    if down:
                        session.add(
                            Incident(
                                monitor_id=monitor.id,
                                organization_id=ORG,
                                started_at=at,
                                ended_at=at + timedelta(hours=1),
                                cause="timeout",
                            )
                        )
            if len(rows) > 2000 or day == DAYS - 1:
                session.add_all(rows)
                session.flush()
                record_results(session, rows)
                session.commit()
                rows = []
        page = sp.create_status_page(session, ORG, slug="bench", name="Bench")
        sp.set_page_monitors(
            session,
            ORG,
            page.id,
            [(m.id, f"Component {i + 1}", i) for i, m in enumerate(monitors)],
        )
    engine.dispose()


def serve(database_url: str, redis_url: str, port: int) -> None:
    import logging

    import uvicorn

    from isup_app.api import build_api
    from isup_app.api.status_pages import StatusPagesRuntime
    from isup_app.core.settings import Settings

    logging.disable(logging.WARNING)
    settings = Settings(
        database_url=database_url, redis_url=redis_url, secret_key="bench"
    )
    api = build_api()
    api.state.status_pages = StatusPagesRuntime(
        make_engine(database_url),
        redis_url=redis_url,
        secret_key="bench",
        cache_seconds=60,
        settings=settings,
    )
    uvicorn.run(api, host="127.0.0.1", port=port, log_level="error", access_log=False)


def wait_ready(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/status/bench", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def load(url: str, seconds: float, threads: int) -> tuple[float, float, float, int]:
    """(requests per second, p50 ms, p99 ms, errors) over ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        mine = []
        with httpx.Client(timeout=10) as client:
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = client.get(url)
                mine.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return len(latencies) / elapsed, p50, p99, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="isup-bench-status-"))
    database_url = f"sqlite:///{workdir / 'isup.db'}"
    started = time.monotonic()
    build_database(database_url, datetime.now(UTC))
    print(
        f"database: {COMPONENTS} components x {DAYS} days x {CHECKS_PER_DAY} "
        f"checks/day built in {time.monotonic() - started:.1f}s"
    )

    context = multiprocessing.get_context("spawn")
    paths = ("/status/bench", "/status/bench/api/v2/summary.json")
    rates: dict[tuple[str, str], float] = {}
    with EmbeddedRedis() as redis_server:
        print(f"{'mode':<9} {'path':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for mode, redis_url in (("cached", redis_server.url), ("uncached", "")):
            port = free_port()
            server = context.Process(
                target=serve, args=(database_url, redis_url, port), daemon=True
            )
            server.start()
            try:
                base = f"http://127.0.0.1:{port}"
                wait_ready(base)
                for path in paths:
                    rps, p50, p99, errors = load(
                        base + path, args.seconds, args.threads
                    )
                    rates[mode, path] = rps
                    note = f"  ({errors} errors)" if errors else ""
                    figures = f"{rps:>8.0f} {p50:>8.1f} {p99:>8.1f}"
                    print(f"{mode:<9} {path:<34} {figures}{note}")
            finally:
                server.terminate()
                server.join(timeout=10)
    for path in paths:
        ratio = rates["cached", path] / rates["uncached", path]
        print(f"cached/uncached requests per second, {path}: {ratio:.1f}x")


if __name__ == "__main__":
    main()
