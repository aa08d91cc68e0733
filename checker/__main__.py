"""``python -m checker [--region R] [--role probe|evaluator|notifier|all]``

The probe runs on the asyncio loop of this process, the evaluator and the
notifier each in a thread beside it (their database and stream calls block).
``all`` (the default) runs the three, so one process checks, decides and
alerts. SIGTERM and SIGINT stop them: the probe lets running checks finish and
hand in their results, the evaluator finishes its batch, the notifier its
round; anything read but not acknowledged is taken up again on the next start.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading

from checker import notifier
from checker.evaluator import Evaluator
from checker.probe import Probe
from checker.retention import schedule_retention
from isup_app.core.db import make_engine
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger("checker")

ROLES = ("probe", "evaluator", "notifier", "all")


def parse_args(argv: list[str] | None, settings: Settings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m checker",
        description="IsUp's checker: probe, evaluator and notifier",
    )
    parser.add_argument(
        "--region", default=settings.region, help="region this probe reports as"
    )
    parser.add_argument(
        "--role", choices=ROLES, default="all", help="what this process runs"
    )
    return parser.parse_args(argv)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # APScheduler logs every run and httpx every request at INFO; one line
    # per check is DEBUG here.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def run(settings: Settings, redis_url: str, region: str, role: str) -> None:
    engine = make_engine(settings.database_url)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)

    evaluator_stop = threading.Event()
    evaluator_thread = None
    retention = None
    if role in ("evaluator", "all"):
        evaluator = Evaluator(redis_url, engine, batch_size=settings.result_batch_size)
        evaluator_thread = threading.Thread(
            target=evaluator.run, args=(evaluator_stop,), name="evaluator"
        )
        evaluator_thread.start()
        retention = schedule_retention(
            engine, settings.retention_interval_seconds, evaluator_stop
        )

    notifier_stop = threading.Event()
    notifier_thread = None
    if role in ("notifier", "all"):
        notifier_thread = notifier.start_in_thread(
            redis_url, engine, notifier_stop, settings=settings
        )

    probe = None
    if role in ("probe", "all"):
        probe = Probe(
            redis_url,
            engine,
            region,
            concurrency=settings.checker_concurrency,
            refresh_seconds=settings.monitor_refresh_seconds,
        )
        await probe.start()

    logger.info("checker running role=%s region=%s pid=%s", role, region, os.getpid())
    await stopping.wait()
    logger.info("checker stopping")

    if probe is not None:
        await probe.stop()
    evaluator_stop.set()
    notifier_stop.set()
    if retention is not None:
        # A retention run under way stops at its next chunk.
        await asyncio.to_thread(retention.shutdown)
    for thread in (evaluator_thread, notifier_thread):
        if thread is not None:
            await asyncio.to_thread(thread.join)
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    args = parse_args(argv, settings)
    configure_logging(settings.log_level)
    redis_url = os.environ.get("ISUP_REDIS_URL") or settings.redis_url
    if not redis_url:
        logger.error("ISUP_REDIS_URL is not set; the checker needs a Redis")
        return 2
    asyncio.run(run(settings, redis_url, args.region, args.role))
    return 0


if __name__ == "__main__":
    sys.exit(main())
