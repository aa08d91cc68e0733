"""How long from the check result that decides a change to the alert arriving.

A real evaluator (with the alert hooks of ``checker.hooks``) and a real
notifier run in threads against a migrated SQLite database (or the PostgreSQL
named by ``--database``) and an embedded Redis; a webhook receiver on loopback
checks each signature. The script puts a result on the results stream, alternately
down and up for one monitor with no retries, and times each from the moment
the result enters the stream to the moment the signed alert reaches the
receiver.

    .venv/bin/python benchmarks/alerts.py [--count 40] [--database URL]
"""

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from checker.evaluator import Evaluator  # noqa: E402
from checker.notifier import Notifier  # noqa: E402
from isup_app.core import bus  # noqa: E402
from isup_app.core.bootstrap import seed  # noqa: E402
from isup_app.core.contacts import create_contact, set_monitor_contacts  # noqa: E402
from isup_app.core.db import make_engine, migrate  # noqa: E402
from isup_app.core.embedded_redis import EmbeddedRedis  # noqa: E402
from isup_app.core.models import Monitor, MonitorType  # noqa: E402
from isup_app.core.outcome import (  # noqa: E402
    CheckOutcome,
    Phase,
    ResultMessage,
    Verdict,
)
from isup_app.core.settings import Settings  # noqa: E402
from tests.standins.webhook import WebhookReceiver  # noqa: E402

ORG = "org_bench"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="changes to time")
    parser.add_argument("--database", default="", help="database URL (default: temp)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    tmp = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite:///{tmp.name}/bench.db"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed(session, ORG)

    settings = Settings(database_url=url, notify_sweep_seconds=1.0)
    receiver = WebhookReceiver().start()
    with EmbeddedRedis() as redis_server, Session(engine) as session:
        monitor = Monitor(
            organization_id=ORG,
            name=f"bench {uuid.uuid4().hex[:6]}",
            type=MonitorType.HTTP,
            url="http://127.0.0.1:9/",
            regions=["local"],
        )
        session.add(monitor)
        session.commit()
        contact = create_contact(
            session,
            ORG,
            name="receiver",
            type="webhook",
            config={"url": receiver.url + "/hook", "secret": receiver.secret},
            settings=settings,
        )
        set_monitor_contacts(session, monitor, [contact.id])

        stop = threading.Event()
        evaluator = Evaluator(redis_server.url, engine)
        notifier = Notifier(redis_server.url, engine, settings)
        threads = [
            threading.Thread(target=evaluator.run, args=(stop,), daemon=True),
            threading.Thread(target=notifier.run, args=(stop,), daemon=True),
        ]
        for thread in threads:
            thread.start()
        client = bus.connect(redis_server.url)

        start = datetime.now(UTC) - timedelta(hours=1)
        client.xadd(bus.RESULTS_STREAM, _result(monitor, Verdict.UP, start))
        time.sleep(0.5)
        latencies: dict[str, list[float]] = {"down": [], "up": []}
        for i in range(args.count):
            verdict = Verdict.DOWN if i % 2 == 0 else Verdict.UP
            at = start + timedelta(seconds=i + 1)
            expected = len(receiver.delivered) + 1
            sent = time.monotonic()
            client.xadd(bus.RESULTS_STREAM, _result(monitor, verdict, at))
            arrived = receiver.wait_for(expected, timeout=15)
            if len(arrived) < expected:
                print(f"alert {i} did not arrive within 15 s", file=sys.stderr)
                return 1
            latencies[verdict.value].append((arrived[-1].at - sent) * 1000)

        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        client.close()
    receiver.stop()
    engine.dispose()

    every = latencies["down"] + latencies["up"]
    database = "postgresql" if url.startswith("postgres") else "sqlite"
    print(f"result -> alert at the webhook receiver ({database}, {len(every)} changes)")
    for name, values in (("down", latencies["down"]), ("up", latencies["up"])):
        print(
            f"  {name:5} p50 {percentile(values, 0.5):7.1f} ms"
            f"  p95 {percentile(values, 0.95):7.1f} ms"
            f"  max {max(values):7.1f} ms"
        )
    print(
        f"  all   p50 {statistics.median(every):7.1f} ms"
        f"  p95 {percentile(every, 0.95):7.1f} ms"
    )
    if receiver.bad_signatures:
        print(f"  {receiver.bad_signatures} bad signatures", file=sys.stderr)
        return 1
    return 0


def _result(monitor: Monitor, verdict: Verdict, at: datetime) -> dict:
    down = verdict == Verdict.DOWN
    return ResultMessage(
        check_id=uuid.uuid4().hex,
        monitor_id=monitor.id,
        organization_id=monitor.organization_id,
        region="local",
        scheduled_at=at,
        started_at=at,
        outcome=CheckOutcome(
            verdict=verdict,
            reason="connection refused" if down else "",
            phase=Phase.CONNECT if down else None,
        ),
    ).to_fields()


if __name__ == "__main__":
    raise SystemExit(main())
