"""Checks benchmark: 1,000 and 10,000 HTTP monitors against a loopback server.

For each size, the real probe (``checker.probe.Probe``: APScheduler job per
monitor, concurrency bound, results onto Redis) runs every monitor at its
interval (60 s by default) for a short while against a small HTTP server on
127.0.0.1 in a separate process. Monitors point at ``localhost`` so each check
resolves the name, opens a fresh connection (and shakes hands with ``--tls``)
and times every phase, as in production.

Prints per size: checks per second sustained, the lag between each check's
scheduled start (the probe's stable slot: ``first_run`` offset + k x interval)
and its actual start (after the concurrency bound) at p50 and p99, and the
checker process's memory (RSS, peak while running). Then the rate of a bare
loop of the same requests (a fresh httpx client per request, same
concurrency, no scheduler, no runner) and of ``run_check`` in the same loop,
and the ratios between them.

Usage: .venv/bin/python -m benchmarks.checks [--sizes 1000,10000]
    [--interval 60] [--seconds 75] [--tls]
Keep runs short on a shared machine: each size runs ``--seconds`` plus setup.
"""

import argparse
import asyncio
import logging
import multiprocessing
import os
import socket
import ssl
import tempfile
import threading
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import psutil
from sqlmodel import Session

from checker.probe import Probe
from checker.runners import run_check
from isup_app.core.bootstrap import seed
from isup_app.core.db import make_engine, migrate
from isup_app.core.embedded_redis import EmbeddedRedis
from isup_app.core.models import Monitor, MonitorType

ORG = "org_bench"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    b"Connection: close\r\n\r\nok"
)


# --- the target: a tiny HTTP server in its own process ------------------------------


class _Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        if b"\r\n\r\n" in self.buffer:
            self.transport.write(RESPONSE)
            self.transport.close()


def _serve(port: int, cert_dir: str | None) -> None:
    context = None
    if cert_dir:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(f"{cert_dir}/cert.pem", f"{cert_dir}/key.pem")

    async def main():
        server = await asyncio.get_running_loop().create_server(
            _Answer, "127.0.0.1", port, ssl=context, backlog=4096
        )
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _make_certificate(directory: Path) -> str:
    from tests.checks.servers import issue

    leaf = issue("localhost", valid_for=timedelta(days=30))
    (directory / "cert.pem").write_text(leaf.pem)
    (directory / "key.pem").write_bytes(leaf.key_pem())
    return leaf.pem


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("benchmark target did not start")


# --- measuring --------------------------------------------------------------------


class Meter:
    """Wraps run_check: notes each start's lag behind its scheduled slot."""

    def __init__(self, interval: int):
        self.interval = interval
        self.lags: list[float] = []
        self.done = 0
        self.verdicts: dict[str, int] = {}

    def slot_lag(self, monitor_id: int, at: float) -> float:
        # The probe starts each monitor at a stable phase in its interval.
        offset = zlib.crc32(str(monitor_id).encode()) / 2**32 * self.interval
        return (at - offset) % self.interval

    async def __call__(self, monitor: Monitor, *, now: datetime | None = None):
        self.lags.append(self.slot_lag(monitor.id, time.time()))
        outcome = await run_check(monitor, now=now)
        self.done += 1
        key = outcome.verdict.value
        self.verdicts[key] = self.verdicts.get(key, 0) + 1
        return outcome


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / 2**20


def _add_monitors(engine, count: int, url: str, interval: int, ca: str | None):
    with Session(engine) as session:
        seed(session, ORG)
        session.bulk_save_objects(
            [
                Monitor(
                    organization_id=ORG,
                    name=f"bench {i}",
                    type=MonitorType.HTTP,
                    url=url,
                    interval_seconds=interval,
                    timeout_seconds=10,
                    regions=[],
                    ca_bundle=ca,
                )
                for i in range(count)
            ]
        )
        session.commit()


async def probe_run(count: int, url: str, args, redis_url: str, ca: str | None) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="isup-bench-"))
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    migrate(database_url)
    engine = make_engine(database_url)
    _add_monitors(engine, count, url, args.interval, ca)

    me = psutil.Process(os.getpid())
    meter = Meter(args.interval)
    probe = Probe(redis_url, engine, "local", run_check=meter, refresh_seconds=2.0)
    peak = 0.0
    loaded_at = time.perf_counter()
    await probe.start()
    setup = time.perf_counter() - loaded_at
    rss_loaded = _rss_mb(me)

    began = time.perf_counter()
    while time.perf_counter() - began < args.seconds:
        await asyncio.sleep(1)
        peak = max(peak, _rss_mb(me))
    elapsed = time.perf_counter() - began
    done = meter.done
    await probe.stop(grace=2)
    engine.dispose()

    return {
        "monitors": count,
        "setup_s": setup,
        "checks": done,
        "rate": done / elapsed,
        "demand": count / args.interval,
        "lag_p50_ms": _percentile(meter.lags, 50) * 1000,
        "lag_p99_ms": _percentile(meter.lags, 99) * 1000,
        "rss_loaded_mb": rss_loaded,
        "rss_peak_mb": peak,
        "verdicts": meter.verdicts,
    }


async def loop_rate(url: str, total: int, concurrency: int, ca: str | None, bare: bool):
    """Requests per second of a loop of the same requests, ``concurrency`` at
    once: bare httpx with a fresh client each, or run_check."""
    monitor = Monitor(
        id=1,
        organization_id=ORG,
        name="loop",
        type=MonitorType.HTTP,
        url=url,
        timeout_seconds=10,
        ca_bundle=ca,
    )
    # One context for all (building one per request would measure certifi).
    verify = (
        ssl.create_default_context(cadata=ca) if ca else ssl.create_default_context()
    )
    remaining = total
    failures = 0

    async def worker():
        nonlocal remaining, failures
        while remaining > 0:
            remaining -= 1
            if bare:
                async with httpx.AsyncClient(verify=verify, trust_env=False) as client:
                    response = await client.get(url)
                    failures += response.status_code != 200
            else:
                outcome = await run_check(monitor)
                failures += outcome.verdict.value != "up"

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - began), failures


async def main(args) -> None:
    logging.basicConfig(level=logging.WARNING)
    port = _free_port()
    cert_dir = tempfile.mkdtemp(prefix="isup-bench-tls-") if args.tls else None
    ca = _make_certificate(Path(cert_dir)) if cert_dir else None
    target = multiprocessing.get_context("fork").Process(
        target=_serve, args=(port, cert_dir), daemon=True
    )
    target.start()
    _wait_for(port)
    scheme = "https" if args.tls else "http"
    url = f"{scheme}://localhost:{port}/"
    cores = os.cpu_count()
    print(f"target {url} (separate process); {cores} cores; interval {args.interval}s")

    with EmbeddedRedis() as redis_server:
        for count in [int(s) for s in args.sizes.split(",")]:
            result = await probe_run(count, url, args, redis_server.url, ca)
            print(
                f"{result['monitors']:>6} monitors: "
                f"{result['rate']:.1f} checks/s sustained "
                f"(schedule asks {result['demand']:.1f}/s; {result['checks']} checks "
                f"in {args.seconds}s), start lag p50 {result['lag_p50_ms']:.1f} ms "
                f"p99 {result['lag_p99_ms']:.1f} ms, RSS {result['rss_loaded_mb']:.0f} "
                f"MB loaded / {result['rss_peak_mb']:.0f} MB peak, "
                f"probe start {result['setup_s']:.1f}s, verdicts {result['verdicts']}"
            )

    bare, bare_fail = await loop_rate(url, args.loop, args.concurrency, ca, True)
    ours, ours_fail = await loop_rate(url, args.loop, args.concurrency, ca, False)
    print(
        f"bare httpx loop ({args.concurrency} at once, fresh client each): "
        f"{bare:.0f} req/s ({bare_fail} failed)"
    )
    print(
        f"run_check loop (same): {ours:.0f} checks/s ({ours_fail} not up); "
        f"run_check / bare = {ours / bare:.2f}"
    )
    print(
        f"10,000 monitors at 60 s need {10_000 / 60:.0f} checks/s: "
        f"{ours / (10_000 / 60):.1f}x that at full speed"
    )
    target.terminate()
    target.join()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=75)
    parser.add_argument("--loop", type=int, default=3000, help="requests per loop")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--tls", action="store_true")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    cli()
