"""``python -m checker [--region R] [--role probe|evaluator|all]``

The probe runs on the asyncio loop of this process, the evaluator in a thread
beside it (its database and stream calls block). SIGTERM and SIGINT stop both:
the probe lets running checks finish and hand in their results, the evaluator
finishes its batch; anything read but not acknowledged is taken up again by the
next evaluator.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading

from checker.evaluator import Evaluator
from checker.probe import Probe
from isup_app.core.db import make_engine
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger("checker")

ROLES = ("probe", "evaluator", "all")


def parse_args(argv: list[str] | None, settings: Settings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m checker", description="IsUp's checker: probe and evaluator"
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
    # APScheduler logs every run at INFO; one line per check is DEBUG here.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


async def run(settings: Settings, redis_url: str, region: str, role: str) -> None:
    engine = make_engine(settings.database_url)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)

    evaluator_stop = threading.Event()
    evaluator_thread = None
    if role in ("evaluator", "all"):
        evaluator = Evaluator(redis_url, engine, batch_size=settings.result_batch_size)
        evaluator_thread = threading.Thread(
            target=evaluator.run, args=(evaluator_stop,), name="evaluator"
        )
        evaluator_thread.start()

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
    if evaluator_thread is not None:
        await asyncio.to_thread(evaluator_thread.join)
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
