"""The notifier: delivers the outbox, each alert once in effect.

Rows of ``notification_outbox`` are written in the transaction that decides
them. The notifier reads wake-ups from ``bus.NOTIFY_STREAM`` in the consumer
group ``bus.NOTIFIER_GROUP`` (``{"monitor_id": ...}`` from the evaluator,
``{"outbox_id": ...}`` from its own sweeper), and for each due row:

1. claims it: one conditional UPDATE sets a lease (``claimed_until``) and
   counts the attempt, so that two notifiers never send the same row at once;
2. sends it on the contact's channel;
3. records the attempt as a ``Notification`` row and moves the outbox row to
   ``sent``, ``failed`` (permanent, or out of attempts) or back to pending
   with a later ``next_attempt_at`` (backoff), in one transaction.

The sweeper, every ``notify_sweep_seconds`` and at start, queues reminders
and re-announces rows that are due but not announced, whose announcement was
lost (a crash after the commit), or whose lease ran out (a crash mid-send).
A restart at any moment therefore drops nothing; it can repeat a send only if
the process dies after a provider accepted the alert and before step 3
commits, and there providers that take an idempotency key (Resend) drop the
repeat, and webhook receivers see the same ``X-IsUp-Delivery`` value.
"""

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import redis
from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from checker.channels import Message, SendResult, deliver, http_client
from checker.incidents import queue_reminders
from isup_app.core import bus
from isup_app.core.models import AlertContact, Notification, NotificationOutbox
from isup_app.core.outcome import utcnow
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600
STREAM_MAXLEN = 10_000


@dataclass(slots=True)
class Claimed:
    outbox_id: int
    attempt: int
    kind: str
    contact_type: str
    config: dict
    message: Message


def backoff(settings: Settings, attempt: int, retry_after: float | None) -> float:
    """Seconds before attempt ``attempt + 1``: doubling from the base, capped;
    never sooner than the provider asked."""
    delay = settings.notify_backoff_seconds * 2 ** max(attempt - 1, 0)
    return min(max(delay, retry_after or 0), MAX_BACKOFF_SECONDS)


class Notifier:
    def __init__(
        self,
        redis_url: str,
        engine: Engine,
        settings: Settings | None = None,
        *,
        consumer: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        concurrency: int = 32,
        block_ms: int = bus.BLOCK_MS,
    ):
        self.redis = bus.connect(redis_url)
        self.engine = engine
        self.settings = settings or get_settings()
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.clock = clock
        self.concurrency = concurrency
        self.block_ms = min(block_ms, bus.BLOCK_MS)
        self._last_sweep = 0.0
        self._last_claim = time.monotonic()
        self._startup = True
        bus.ensure_group(self.redis, bus.NOTIFY_STREAM, bus.NOTIFIER_GROUP)

    # --- the loop -----------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set. Runs its own event loop; start it in
        a thread of its own."""
        asyncio.run(self._run(stop))

    async def _run(self, stop: threading.Event) -> None:
        logger.info("notifier started consumer=%s", self.consumer)
        async with http_client() as http:
            while not stop.is_set():
                try:
                    await self.process_once(http)
                except redis.ConnectionError as exc:
                    logger.warning("notifier redis unavailable error=%s", exc)
                    await asyncio.to_thread(stop.wait, 1.0)
                except Exception:
                    logger.exception("notifier round failed; it will be retried")
                    await asyncio.to_thread(stop.wait, 1.0)
        self.redis.close()
        logger.info("notifier stopped consumer=%s", self.consumer)

    async def process_once(self, http: httpx.AsyncClient) -> int:
        """One round: sweep if it is time, read wake-ups, deliver what they
        point at. Returns the number of outbox rows attempted."""
        if time.monotonic() - self._last_sweep >= self.settings.notify_sweep_seconds:
            self._last_sweep = time.monotonic()
            await asyncio.to_thread(self.sweep, self._startup)
            self._startup = False
        entries = await asyncio.to_thread(self._read)
        if not entries:
            return 0
        ids = await asyncio.to_thread(self._resolve, entries)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(outbox_id: int) -> bool:
            async with gate:
                return await self.deliver_one(outbox_id, http)

        attempted = await asyncio.gather(*(one(i) for i in ids))
        entry_ids = [entry_id for entry_id, _ in entries]
        await asyncio.to_thread(
            self.redis.xack, bus.NOTIFY_STREAM, bus.NOTIFIER_GROUP, *entry_ids
        )
        return sum(attempted)

    def _read(self) -> list[tuple[str, dict]]:
        stream, group = bus.NOTIFY_STREAM, bus.NOTIFIER_GROUP
        lease_ms = int(self.settings.notify_lease_seconds * 1000)
        if time.monotonic() - self._last_claim >= self.settings.notify_lease_seconds:
            # Wake-ups read by a notifier that died before acknowledging them.
            self._last_claim = time.monotonic()
            reply = self.redis.xautoclaim(
                stream, group, self.consumer, min_idle_time=lease_ms, count=100
            )
            if reply[1]:
                return [(i, f) for i, f in reply[1] if f is not None]
        reply = self.redis.xreadgroup(
            group, self.consumer, {stream: ">"}, count=100, block=self.block_ms
        )
        return reply[0][1] if reply else []

    def _resolve(self, entries: list[tuple[str, dict]]) -> list[int]:
        """The outbox rows the wake-ups point at, each once."""
        ids: dict[int, None] = {}
        monitor_ids = []
        for _, fields in entries:
            if fields.get("outbox_id"):
                ids[int(fields["outbox_id"])] = None
            elif fields.get("monitor_id"):
                monitor_ids.append(int(fields["monitor_id"]))
        if monitor_ids:
            with Session(self.engine) as session:
                rows = session.exec(
                    select(NotificationOutbox.id)
                    .where(
                        NotificationOutbox.monitor_id.in_(monitor_ids),
                        NotificationOutbox.status == "pending",
                    )
                    .order_by(NotificationOutbox.id)
                )
                ids.update(dict.fromkeys(rows))
        return list(ids)

    # --- one alert ----------------------------------------------------------

    async def deliver_one(self, outbox_id: int, http: httpx.AsyncClient) -> bool:
        claimed = await asyncio.to_thread(self._claim, outbox_id)
        if claimed is None:
            return False
        started = time.monotonic()
        result = await deliver(
            claimed.contact_type, claimed.config, claimed.message, self.settings, http
        )
        logger.info(
            "alert attempt outbox=%s type=%s channel=%s attempt=%d ok=%s "
            "permanent=%s ms=%d reason=%r",
            outbox_id,
            claimed.kind,
            claimed.contact_type,
            claimed.attempt,
            result.ok,
            result.permanent,
            (time.monotonic() - started) * 1000,
            result.reason,
        )
        await asyncio.to_thread(self._record, claimed, result)
        return True

    def _claim(self, outbox_id: int) -> Claimed | None:
        at = self.clock()
        lease = at + timedelta(seconds=self.settings.notify_lease_seconds)
        table = NotificationOutbox
        with Session(self.engine, expire_on_commit=False) as session:
            claimed = session.execute(
                update(table)
                .where(
                    table.id == outbox_id,
                    table.status == "pending",
                    table.next_attempt_at <= at,
                    or_(table.claimed_until.is_(None), table.claimed_until < at),
                )
                .values(claimed_until=lease, attempts=table.attempts + 1)
            )
            if claimed.rowcount != 1:
                session.rollback()
                return None
            row = session.get(NotificationOutbox, outbox_id)
            contact = session.get(AlertContact, row.contact_id)
            if contact is None:
                session.rollback()
                return None
            if not contact.is_verified or contact.disabled_reason:
                row.status = "skipped"
                row.last_error = (
                    f"contact stopped: {contact.disabled_reason}"
                    if contact.disabled_reason
                    else "contact not verified"
                )[:1000]
                row.claimed_until = None
                session.add(row)
                session.commit()
                return None
            session.commit()
            return Claimed(
                outbox_id=row.id,
                attempt=row.attempts,
                kind=row.type,
                contact_type=str(contact.type),
                config=dict(contact.config),
                message=Message.from_dict(row.message),
            )

    def _record(self, claimed: Claimed, result: SendResult) -> None:
        at = self.clock()
        settings = self.settings
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(NotificationOutbox, claimed.outbox_id)
            contact = session.get(AlertContact, row.contact_id)
            session.add(
                Notification(
                    incident_id=row.incident_id,
                    monitor_id=row.monitor_id,
                    contact_id=row.contact_id,
                    organization_id=row.organization_id,
                    type=row.type,
                    event_key=row.event_key,
                    attempt=claimed.attempt,
                    sent_at=at,
                    success=result.ok,
                    permanent=result.permanent,
                    error=result.reason or None,
                )
            )
            row.claimed_until = None
            if result.ok:
                row.status, row.sent_at, row.last_error = "sent", at, None
                contact.last_error = None
            elif result.permanent:
                row.status, row.last_error = "failed", result.reason
                contact.last_error = result.reason
                contact.disabled_reason = result.reason
                logger.warning(
                    "alert contact stopped by a permanent failure contact=%s reason=%r",
                    contact.id,
                    result.reason,
                )
            elif row.attempts >= settings.notify_max_attempts:
                row.status = "failed"
                row.last_error = (
                    f"gave up after {row.attempts} attempts: {result.reason}"
                )[:1000]
                contact.last_error = result.reason
            else:
                delay = backoff(settings, row.attempts, result.retry_after)
                row.next_attempt_at = at + timedelta(seconds=delay)
                row.enqueued_at = None
                row.last_error = result.reason
                contact.last_error = result.reason
            session.add(row)
            session.add(contact)
            session.commit()

    # --- the sweeper ----------------------------------------------------------

    def sweep(self, startup: bool = False) -> int:
        """Queue reminders, then announce every due row nobody is working on.
        At start-up, rows announced before are announced again too: the
        process that announced them may be this one's previous life."""
        at = self.clock()
        with Session(self.engine, expire_on_commit=False) as session:
            queue_reminders(session, at)
            session.commit()

        table = NotificationOutbox
        lost = at - timedelta(seconds=self.settings.notify_lease_seconds)
        conditions = [
            table.status == "pending",
            table.next_attempt_at <= at,
            or_(table.claimed_until.is_(None), table.claimed_until < at),
        ]
        if not startup:
            conditions.append(
                or_(table.enqueued_at.is_(None), table.enqueued_at < lost)
            )
        with Session(self.engine, expire_on_commit=False) as session:
            ids = list(
                session.exec(
                    select(table.id).where(*conditions).order_by(table.id).limit(1000)
                )
            )
            if not ids:
                return 0
            session.execute(
                update(table).where(table.id.in_(ids)).values(enqueued_at=at)
            )
            session.commit()
        pipe = self.redis.pipeline(transaction=False)
        for outbox_id in ids:
            pipe.xadd(
                bus.NOTIFY_STREAM,
                {"outbox_id": str(outbox_id)},
                maxlen=STREAM_MAXLEN,
                approximate=True,
            )
        pipe.execute()
        logger.debug("notifier swept count=%d startup=%s", len(ids), startup)
        return len(ids)


def start_in_thread(
    redis_url: str, engine: Engine, stop: threading.Event, **kwargs
) -> threading.Thread:
    """Run a notifier beside the evaluator: ``python -m checker`` calls this."""
    notifier = Notifier(redis_url, engine, **kwargs)
    thread = threading.Thread(
        target=notifier.run, args=(stop,), name="notifier", daemon=True
    )
    thread.start()
    return thread


def main() -> int:
    """``python -m checker.notifier``: a notifier on its own, for installs that
    run delivery apart from the evaluator (any number can run at once)."""
    import signal

    from checker.__main__ import configure_logging
    from isup_app.core.db import make_engine

    settings = get_settings()
    configure_logging(settings.log_level)
    if not settings.redis_url:
        logger.error("ISUP_REDIS_URL is not set; the notifier needs a Redis")
        return 2
    engine = make_engine(settings.database_url)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    Notifier(settings.redis_url, engine, settings).run(stop)
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
