"""The probe: every active monitor of this region, checked at its interval.

Each monitor is one APScheduler job on an interval trigger, so checks start
every interval, start to start. Its first run falls at a stable offset within
the interval (a hash of the monitor id), which spreads many monitors evenly and
keeps each one's rhythm across restarts. Every check runs in its own task,
bounded by ``checker_concurrency`` at once, so a slow target never delays the
others; a check still running when its next start comes is not doubled.

Each outcome goes onto ``bus.RESULTS_STREAM`` as a ``ResultMessage`` with a new
``check_id``. The probe keeps its own table of monitors: change events on
``bus.MONITOR_EVENTS`` reload one monitor at once, and a light re-read every
``monitor_refresh_seconds`` (comparing ``updated_at``) catches any event that
was missed. State written by the evaluator does not touch ``updated_at``, so it
never reschedules a monitor or restarts its count of retries.

Time comes from an injected clock; with any clock but the real one the probe
uses a ``ClockedScheduler`` that follows it, so a test can drive the whole
schedule on a fast-forwarded event loop.
"""

import asyncio
import contextlib
import json
import logging
import math
import uuid
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import redis
import redis.asyncio as aioredis
import sqlalchemy as sa
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import base as _apscheduler_base
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from isup_app.core import bus
from isup_app.core.models import Monitor, MonitorStatus
from isup_app.core.outcome import (
    CheckOutcome,
    Phase,
    ResultMessage,
    Verdict,
    utcnow,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
RunCheck = Callable[..., Awaitable[CheckOutcome]]

MIN_INTERVAL_SECONDS = 1
STOP_GRACE_SECONDS = 5.0
LOAD_CHUNK = 500


class ClockedScheduler(AsyncIOScheduler):
    """An AsyncIOScheduler that reads the time from an injected clock.

    APScheduler 3 asks ``datetime.now`` directly when it adds a job and when it
    looks for due jobs; both steps run synchronously on the event loop, so
    pointing its module's ``datetime`` at the clock for their duration is seen
    by nothing else. Use with an event loop whose time moves with the clock
    (a test's fast-forwarded loop).
    """

    def __init__(self, clock: Clock, **options):
        super().__init__(timezone=UTC, **options)
        self._clock = clock

    def _process_jobs(self):
        with _scheduler_time(self._clock):
            return super()._process_jobs()

    def _real_add_job(self, *args, **kwargs):
        with _scheduler_time(self._clock):
            return super()._real_add_job(*args, **kwargs)


@contextlib.contextmanager
def _scheduler_time(clock: Clock):
    class ClockDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock().astimezone(tz or UTC)

    original = _apscheduler_base.datetime
    _apscheduler_base.datetime = ClockDatetime
    try:
        yield
    finally:
        _apscheduler_base.datetime = original


def first_run(monitor_id: int, interval: float, now: datetime) -> datetime:
    """The monitor's next start on its own stable phase within the interval."""
    offset = zlib.crc32(str(monitor_id).encode()) / 2**32 * interval
    epoch = now.timestamp()
    cycles = math.ceil((epoch - offset) / interval)
    start = offset + cycles * interval
    return datetime.fromtimestamp(start, UTC).astimezone(now.tzinfo)


def should_run_here(monitor: Monitor, region: str) -> bool:
    regions = monitor.regions or []
    return monitor.status == MonitorStatus.ACTIVE and (not regions or region in regions)


class Probe:
    def __init__(
        self,
        redis_url: str,
        engine: Engine,
        region: str,
        *,
        concurrency: int = 2000,
        refresh_seconds: float = 2.0,
        clock: Clock = utcnow,
        scheduler: AsyncIOScheduler | None = None,
        run_check: RunCheck | None = None,
    ):
        self.redis_url = redis_url
        self.engine = engine
        self.region = region
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        if scheduler is None:
            scheduler = (
                AsyncIOScheduler(timezone=UTC)
                if clock is utcnow
                else ClockedScheduler(clock)
            )
        self.scheduler = scheduler
        self._run_check = run_check
        self._concurrency = concurrency
        self.monitors: dict[int, Monitor] = {}
        self._versions: dict[int, datetime | None] = {}
        self._fingerprint: tuple | None = None
        self._failures: dict[int, int] = {}
        self._checks: set[asyncio.Task] = set()
        self._running: dict[int, int] = {}
        self._tasks: list[asyncio.Task] = []
        self.redis: aioredis.Redis | None = None
        self.checks_started = 0

    # --- life cycle ---------------------------------------------------------

    async def start(self) -> None:
        if self._run_check is None:
            from checker.runners import run_check

            self._run_check = run_check
        self._semaphore = asyncio.Semaphore(self._concurrency)
        self.redis = bus.connect_async(self.redis_url)
        self.scheduler.start()
        # Subscribe before the first read, so that no change falls between.
        pubsub = await self._subscribe()
        self.refresh()
        self._tasks = [
            asyncio.create_task(self._listen(pubsub), name="probe-events"),
            asyncio.create_task(self._refresh_loop(), name="probe-refresh"),
        ]
        logger.info(
            "probe started region=%s monitors=%d", self.region, len(self.monitors)
        )

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop scheduling, let running checks finish (up to ``grace``
        seconds) so their results are not lost, then close."""
        if self.scheduler.running:
            # Let job coroutines already handed to the loop return (they only
            # start a check) rather than be cancelled by the shutdown.
            self.scheduler.pause()
            await asyncio.sleep(0)
            self.scheduler.shutdown(wait=False)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._checks:
            _, late = await asyncio.wait(set(self._checks), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self.redis is not None:
            await self.redis.aclose()
        logger.info("probe stopped region=%s", self.region)

    # --- the monitor table --------------------------------------------------

    def refresh(self) -> None:
        """Bring the table in line with the database: a cheap read of ids and
        ``updated_at``, then full rows only for what is new or changed.

        Every change to a monitor (status included) moves its ``updated_at``,
        so when the table's count and newest ``updated_at`` are as before,
        nothing is read at all.
        """
        with Session(self.engine) as session:
            fingerprint = tuple(
                session.exec(
                    select(sa.func.count(Monitor.id), sa.func.max(Monitor.updated_at))
                ).one()
            )
            if fingerprint == self._fingerprint:
                return
            rows = session.exec(
                select(Monitor.id, Monitor.updated_at).where(
                    Monitor.status == MonitorStatus.ACTIVE
                )
            ).all()
        seen = dict(rows)
        for monitor_id in set(self.monitors) - set(seen):
            self._forget(monitor_id, "gone")
        changed = [
            monitor_id
            for monitor_id, updated_at in seen.items()
            if monitor_id not in self._versions
            or self._versions[monitor_id] != updated_at
        ]
        for first in range(0, len(changed), LOAD_CHUNK):
            ids = changed[first : first + LOAD_CHUNK]
            with Session(self.engine) as session:
                loaded = {
                    m.id: m
                    for m in session.exec(select(Monitor).where(Monitor.id.in_(ids)))
                }
                session.expunge_all()
            for monitor_id in ids:
                self._take(monitor_id, loaded.get(monitor_id))
        self._fingerprint = fingerprint

    def reload(self, monitor_id: int) -> Monitor | None:
        """Read one monitor again and (re)schedule, keep or drop it."""
        with Session(self.engine) as session:
            monitor = session.get(Monitor, monitor_id)
            if monitor is not None:
                session.expunge(monitor)
        return self._take(monitor_id, monitor)

    def _take(self, monitor_id: int, monitor: Monitor | None) -> Monitor | None:
        if monitor is None or not should_run_here(monitor, self.region):
            # Remember inactive versions too, so the refresh does not re-read
            # a monitor of another region on every pass.
            if monitor is not None and monitor.status == MonitorStatus.ACTIVE:
                self._versions[monitor_id] = monitor.updated_at
            self._forget(monitor_id, "inactive")
            return None

        old = self.monitors.get(monitor_id)
        self.monitors[monitor_id] = monitor
        self._versions[monitor_id] = monitor.updated_at
        if old is None or old.interval_seconds != monitor.interval_seconds:
            self._schedule(monitor)
        return monitor

    def _schedule(self, monitor: Monitor) -> None:
        interval = max(monitor.interval_seconds, MIN_INTERVAL_SECONDS)
        start = first_run(monitor.id, interval, self.clock())
        self.scheduler.add_job(
            self._scheduled_check,
            IntervalTrigger(seconds=interval, start_date=start, timezone=UTC),
            args=[monitor.id],
            id=_job_id(monitor.id),
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        logger.debug(
            "monitor scheduled id=%s interval=%s first=%s",
            monitor.id,
            interval,
            start.isoformat(),
        )

    def _forget(self, monitor_id: int, why: str) -> None:
        if self.monitors.pop(monitor_id, None) is not None:
            logger.info(
                "monitor unscheduled id=%s why=%s region=%s",
                monitor_id,
                why,
                self.region,
            )
        if why == "gone":
            self._versions.pop(monitor_id, None)
        self._failures.pop(monitor_id, None)
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(_job_id(monitor_id))

    # --- change events and the safety net ------------------------------------

    async def _subscribe(self):
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(bus.MONITOR_EVENTS)
        return pubsub

    async def _listen(self, pubsub) -> None:
        while True:
            try:
                if pubsub is None:
                    pubsub = await self._subscribe()
                    # Anything announced while we were not subscribed.
                    self.refresh()
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._on_event(message.get("data"))
            except asyncio.CancelledError:
                raise
            except redis.RedisError as exc:
                logger.warning("probe events unavailable error=%s", exc)
                await asyncio.sleep(1.0)
            except Exception:
                logger.exception("probe event loop failed")
                await asyncio.sleep(1.0)
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
                    pubsub = None

    def _on_event(self, data) -> None:
        try:
            event = json.loads(data)
            monitor_id = int(event["monitor_id"])
            action = str(event.get("action", ""))
        except (TypeError, ValueError, KeyError):
            logger.warning("probe ignored event data=%r", data)
            return

        known = monitor_id in self.monitors
        monitor = self.reload(monitor_id)
        logger.debug("monitor event id=%s action=%s", monitor_id, action)
        if monitor is not None and (action == "check_now" or not known):
            self.check_soon(monitor_id, force=True)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                self.refresh()
            except Exception:
                logger.exception("probe refresh failed")

    # --- checks -------------------------------------------------------------

    def check_soon(self, monitor_id: int, *, force: bool = False) -> None:
        """Start one check in a task of its own. A scheduled start is skipped
        while the monitor's previous check is still running; ``force`` ("check
        now", a new monitor) runs it regardless."""
        if monitor_id in self._running and not force:
            logger.debug("check skipped, previous still running id=%s", monitor_id)
            return
        task = asyncio.create_task(self._check(monitor_id))
        self._checks.add(task)
        task.add_done_callback(self._checks.discard)

    async def _scheduled_check(self, monitor_id: int) -> None:
        # A coroutine, so APScheduler runs it on the loop (a plain function
        # would go to a thread); it returns at once: the check is a task of its
        # own, so the scheduler never waits on a target or on Redis.
        self.check_soon(monitor_id)

    async def _check(self, monitor_id: int) -> None:
        monitor = self.monitors.get(monitor_id)
        if monitor is None:
            return
        self._running[monitor_id] = self._running.get(monitor_id, 0) + 1
        try:
            async with self._semaphore:
                started = self.clock()
                self.checks_started += 1
                outcome = await self._outcome(monitor, started)
        finally:
            self._running[monitor_id] -= 1
            if not self._running[monitor_id]:
                del self._running[monitor_id]

        message = ResultMessage(
            check_id=uuid.uuid4().hex,
            monitor_id=monitor.id,
            organization_id=monitor.organization_id,
            region=self.region,
            scheduled_at=started,
            started_at=started,
            outcome=outcome,
        )
        try:
            await self.redis.xadd(bus.RESULTS_STREAM, message.to_fields())
        except redis.RedisError as exc:
            logger.error(
                "result lost monitor=%s check=%s error=%s",
                monitor.id,
                message.check_id,
                exc,
            )
            return
        self._after_result(monitor, outcome, started)

    async def _outcome(self, monitor: Monitor, started: datetime) -> CheckOutcome:
        try:
            return await self._run_check(monitor, now=started)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # run_check promises never to raise; if it does, say so as data.
            logger.exception("runner raised monitor=%s", monitor.id)
            return CheckOutcome(
                verdict=Verdict.UNKNOWN,
                reason=f"internal error in the checker: {exc!r}",
                phase=Phase.CONFIG,
            )

    def _after_result(
        self, monitor: Monitor, outcome: CheckOutcome, started: datetime
    ) -> None:
        """While a failing monitor still has retries left, its next check comes
        after its retry interval rather than its regular one."""
        if outcome.verdict != Verdict.DOWN:
            self._failures.pop(monitor.id, None)
            return
        failures = self._failures.get(monitor.id, 0) + 1
        self._failures[monitor.id] = failures
        retry = monitor.retry_interval_seconds
        if not retry or failures > (monitor.retries or 0):
            return
        when = max(started + timedelta(seconds=retry), self.clock())
        with contextlib.suppress(JobLookupError):
            self.scheduler.modify_job(_job_id(monitor.id), next_run_time=when)


def _job_id(monitor_id: int) -> str:
    return f"monitor-{monitor_id}"
