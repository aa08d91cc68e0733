"""The evaluator: results stream in, rows and states out.

It reads ``bus.RESULTS_STREAM`` in the consumer group ``bus.EVALUATOR_GROUP``
(any number of evaluators can share it) and handles each batch in one
transaction: store the result rows (a ``check_id`` already stored is skipped,
so a redelivered entry counts once), decide each monitor's state, open or
resolve its incident, run the hooks of ``checker.hooks``, commit. Only then are
the entries acknowledged and the changes published on
``bus.changes_channel(org)``. A crash before the acknowledgement leaves the
entries pending: the same consumer re-reads its own pending entries when it
starts again, and any evaluator claims entries idle longer than
``claim_idle_ms`` from a consumer that is gone.

The message published per monitor and batch is a small JSON object::

    {"type": "monitor", "monitor_id": 7, "organization_id": "org_x",
     "state": "down", "previous_state": "up", "changed": true,
     "reason": "status 503, expected 200-299", "region": "local",
     "last_checked_at": "2026-12-03T20:01:02.123456+00:00",
     "response_time_ms": 41, "status_code": 503,
     "incident_id": 3, "incident_action": "opened"}
"""

import importlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import redis
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from checker import hooks as hook_lists
from checker.state import (
    GOOD_STATES,
    Notify,
    StateInput,
    after_notification,
    decide,
    effective_verdict,
    notification_due,
    region_quorum,
)
from isup_app.core import bus
from isup_app.core.maintenance import in_maintenance
from isup_app.core.models import (
    CheckResult,
    Incident,
    Monitor,
    MonitorState,
    MonitorStatus,
    ResolvedBy,
)
from isup_app.core.outcome import CheckOutcome, ResultMessage, Verdict

logger = logging.getLogger(__name__)

CLAIM_EVERY_SECONDS = 5.0
TRIM_EVERY_SECONDS = 60.0


@dataclass(slots=True)
class Transition:
    """What happened to one monitor because of one result (see checker.hooks)."""

    monitor_id: int
    organization_id: str
    old_state: MonitorState
    new_state: MonitorState
    at: datetime
    outcome: CheckOutcome
    region: str
    check_id: str
    reason: str
    notify: Notify | None = None
    incident: Incident | None = None
    incident_action: str | None = None

    @property
    def changed(self) -> bool:
        return self.old_state != self.new_state


@dataclass(slots=True)
class _Applied:
    """The last result applied to one monitor in a batch: what is published."""

    monitor: Monitor
    previous: MonitorState
    message: ResultMessage
    incident_id: int | None = None
    incident_action: str | None = None


def load_hooks(paths: list[str]) -> list[Callable]:
    """Import ``module:function`` or ``module.function`` paths."""
    loaded = []
    for path in paths:
        separator = ":" if ":" in path else "."
        module_name, attr = path.rsplit(separator, 1)
        loaded.append(getattr(importlib.import_module(module_name), attr))
    return loaded


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Evaluator:
    def __init__(
        self,
        redis_url: str,
        engine: Engine,
        *,
        consumer: str | None = None,
        batch_size: int = 200,
        claim_idle_ms: int = 30_000,
        block_ms: int = bus.BLOCK_MS,
        result_hooks: list[Callable] | None = None,
        transition_hooks: list[Callable] | None = None,
        after_commit_hooks: list[Callable] | None = None,
        regions: list[str] | None = None,
    ):
        self.redis = bus.connect(redis_url)
        self.engine = engine
        self.consumer = consumer or consumer_name()
        self.batch_size = batch_size
        self.claim_idle_ms = claim_idle_ms
        self.block_ms = min(block_ms, bus.BLOCK_MS)
        # Regions a monitor with an empty list is checked from.
        self.regions = list(regions or [])
        self.result_hooks = _hooks_or(result_hooks, hook_lists.RESULT_HOOKS)
        self.transition_hooks = _hooks_or(transition_hooks, hook_lists.TRANSITION_HOOKS)
        self.after_commit_hooks = _hooks_or(
            after_commit_hooks, hook_lists.AFTER_COMMIT_HOOKS
        )
        # Entries this consumer read but never acknowledged (a crash, a failed
        # transaction) are re-read before anything new.
        self._recheck_own = True
        self._last_claim = 0.0
        self._last_trim = time.monotonic()
        self._need_group = False
        bus.ensure_group(self.redis, bus.RESULTS_STREAM, bus.EVALUATOR_GROUP)

    # --- the loop -----------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        logger.info("evaluator started consumer=%s", self.consumer)
        while not stop.is_set():
            try:
                self.process_once()
            except redis.ConnectionError as exc:
                logger.warning("evaluator redis unavailable error=%s", exc)
                stop.wait(1.0)
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    self._failed(stop)
                    continue
                # The stream was deleted (a flushed Redis): start it again.
                logger.warning("evaluator group missing; creating it again")
                self._need_group = True
                stop.wait(0.1)
            except Exception:
                self._failed(stop)
        self.redis.close()
        logger.info("evaluator stopped consumer=%s", self.consumer)

    def _failed(self, stop: threading.Event) -> None:
        logger.exception("evaluator batch failed; it will be retried")
        self._recheck_own = True
        stop.wait(1.0)

    def process_once(self) -> int:
        """Read one batch (own pending, claimed, or new) and handle it; returns
        the number of stream entries handled."""
        if self._need_group:
            bus.ensure_group(self.redis, bus.RESULTS_STREAM, bus.EVALUATOR_GROUP)
            self._need_group = False
        entries = self._read()
        if entries:
            self.handle(entries)
        self._maybe_trim()
        return len(entries)

    def _read(self) -> list[tuple[str, dict | None]]:
        group, stream = bus.EVALUATOR_GROUP, bus.RESULTS_STREAM
        if self._recheck_own:
            own = self.redis.xreadgroup(
                group, self.consumer, {stream: "0"}, count=self.batch_size
            )
            entries = own[0][1] if own else []
            if entries:
                return entries
            self._recheck_own = False

        if time.monotonic() - self._last_claim >= CLAIM_EVERY_SECONDS:
            self._last_claim = time.monotonic()
            claimed = self.claim()
            if claimed:
                return claimed

        new = self.redis.xreadgroup(
            group,
            self.consumer,
            {stream: ">"},
            count=self.batch_size,
            block=self.block_ms,
        )
        return new[0][1] if new else []

    def claim(self) -> list[tuple[str, dict | None]]:
        """Take over entries another consumer read and left unacknowledged for
        longer than ``claim_idle_ms``."""
        reply = self.redis.xautoclaim(
            bus.RESULTS_STREAM,
            bus.EVALUATOR_GROUP,
            self.consumer,
            min_idle_time=self.claim_idle_ms,
            start_id="0-0",
            count=self.batch_size,
        )
        entries = reply[1]
        if entries:
            logger.info(
                "evaluator claimed entries count=%d consumer=%s",
                len(entries),
                self.consumer,
            )
        return entries

    # --- one batch ----------------------------------------------------------

    def handle(self, entries: list[tuple[str, dict | None]]) -> list[Transition]:
        ids = [entry_id for entry_id, _ in entries]
        messages = []
        for entry_id, fields in entries:
            if not fields:
                continue
            try:
                messages.append(ResultMessage.from_fields(fields))
            except (ValueError, KeyError, TypeError) as exc:
                logger.error(
                    "evaluator dropped bad entry id=%s error=%s", entry_id, exc
                )

        with Session(self.engine, expire_on_commit=False) as session:
            try:
                transitions, applied = self._apply(session, messages)
                session.commit()
            except Exception:
                session.rollback()
                raise

        if ids:
            self.redis.xack(bus.RESULTS_STREAM, bus.EVALUATOR_GROUP, *ids)
        self._publish(applied)
        self._after_commit(transitions)
        return transitions

    def _apply(
        self, session: Session, messages: list[ResultMessage]
    ) -> tuple[list[Transition], dict[int, _Applied]]:
        fresh = _new_messages(session, messages)
        monitor_ids = sorted({m.monitor_id for m in fresh})
        monitors = _lock_monitors(session, monitor_ids)
        open_incidents = _open_incidents(session, monitor_ids)

        rows = [_result_row(m, monitors.get(m.monitor_id)) for m in fresh]
        session.add_all(rows)
        session.flush()
        for hook in self.result_hooks:
            hook(session, rows)

        transitions: list[Transition] = []
        applied: dict[int, _Applied] = {}
        for message in sorted(fresh, key=lambda m: (m.monitor_id, m.started_at)):
            monitor = monitors.get(message.monitor_id)
            if monitor is None or monitor.status != MonitorStatus.ACTIVE:
                continue
            if monitor.last_checked_at and message.started_at < monitor.last_checked_at:
                # An older result arriving late (another region, a retry of a
                # batch) is stored but does not move the state backwards.
                continue
            previous = applied[monitor.id].previous if monitor.id in applied else None
            transition = self._decide(session, monitor, message, open_incidents)
            record = _Applied(
                monitor=monitor,
                previous=previous or transition.old_state,
                message=message,
            )
            if transition.incident_action or transition.changed or transition.notify:
                transitions.append(transition)
                for hook in self.transition_hooks:
                    hook(session, monitor, transition)
            if transition.incident is not None:
                record.incident_id = transition.incident.id
                record.incident_action = transition.incident_action
            elif monitor.id in applied:
                record.incident_id = applied[monitor.id].incident_id
                record.incident_action = applied[monitor.id].incident_action
            applied[monitor.id] = record
        return transitions, applied

    def _decide(
        self,
        session: Session,
        monitor: Monitor,
        message: ResultMessage,
        open_incidents: dict[int, Incident],
    ) -> Transition:
        at = message.started_at
        outcome = self._across_regions(session, monitor, message)
        decision = decide(StateInput.of(monitor), outcome, at)

        monitor.current_state = decision.state
        monitor.failure_count = decision.failure_count
        monitor.success_count = decision.success_count
        monitor.state_reason = (decision.reason or None) and decision.reason[:1000]
        monitor.last_checked_at = at
        monitor.last_response_time_ms = _ms(outcome.response_time_ms)
        monitor.last_status_code = outcome.status_code
        if decision.changed:
            monitor.last_state_change_at = at
            logger.info(
                "monitor state changed id=%s org=%s from=%s to=%s region=%s reason=%r",
                monitor.id,
                monitor.organization_id,
                decision.previous.value,
                decision.state.value,
                message.region,
                decision.reason,
            )

        transition = Transition(
            monitor_id=monitor.id,
            organization_id=monitor.organization_id,
            old_state=decision.previous,
            new_state=decision.state,
            at=at,
            outcome=outcome,
            region=message.region,
            check_id=message.check_id,
            reason=decision.reason,
            incident=open_incidents.get(monitor.id),
        )
        self._incident_and_notice(session, monitor, transition, open_incidents)
        session.add(monitor)
        return transition

    def _across_regions(
        self, session: Session, monitor: Monitor, message: ResultMessage
    ) -> CheckOutcome:
        """The outcome that stands for the monitor once the other regions'
        latest results (within two intervals) are counted."""
        regions = monitor.regions or self.regions
        if len(regions) <= 1:
            return message.outcome
        latest = _latest_by_region(session, monitor, message.started_at)
        latest[message.region] = effective_verdict(
            message.outcome, monitor.response_time_threshold
        )
        verdict, down = region_quorum(latest)
        if verdict is None or verdict == message.outcome.verdict:
            return message.outcome
        counted = sum(1 for v in latest.values() if v != Verdict.UNKNOWN)
        where = f"down in {', '.join(down)} ({len(down)} of {counted} regions)"
        reason = where
        if message.region in down and message.outcome.reason:
            reason = f"{where}: {message.outcome.reason}"
        return replace(message.outcome, verdict=verdict, reason=reason)

    def _incident_and_notice(
        self,
        session: Session,
        monitor: Monitor,
        transition: Transition,
        open_incidents: dict[int, Incident],
    ) -> None:
        """Open or resolve the incident and decide the message owed.

        Both are decided against the last notified state, so a change that
        happens inside a maintenance window and still holds when it ends is
        acted on then, once.
        """
        state, at = transition.new_state, transition.at
        due = notification_due(monitor.notified_state, state)
        if due is not None and in_maintenance(session, monitor, at):
            logger.info(
                "monitor change held for maintenance id=%s state=%s",
                monitor.id,
                state.value,
            )
            due = None

        if due == Notify.DOWN and monitor.id not in open_incidents:
            incident = _open_incident(session, monitor, transition)
            open_incidents[monitor.id] = incident
            transition.incident, transition.incident_action = incident, "opened"
        elif state in GOOD_STATES and monitor.id in open_incidents:
            incident = open_incidents.pop(monitor.id)
            _resolve_incident(incident, at)
            session.add(incident)
            transition.incident, transition.incident_action = incident, "resolved"
            logger.info(
                "incident resolved id=%s monitor=%s duration_s=%s",
                incident.id,
                monitor.id,
                incident.duration_seconds,
            )

        transition.notify = due
        monitor.notified_state = after_notification(monitor.notified_state, state, due)

    # --- after the commit ---------------------------------------------------

    def _publish(self, applied: dict[int, _Applied]) -> None:
        for record in applied.values():
            monitor, message = record.monitor, record.message
            change = {
                "type": "monitor",
                "monitor_id": monitor.id,
                "organization_id": monitor.organization_id,
                "state": MonitorState(monitor.current_state).value,
                "previous_state": record.previous.value,
                "changed": MonitorState(monitor.current_state) != record.previous,
                "reason": monitor.state_reason,
                "region": message.region,
                "last_checked_at": _iso(monitor.last_checked_at),
                "response_time_ms": monitor.last_response_time_ms,
                "status_code": monitor.last_status_code,
                "incident_id": record.incident_id,
                "incident_action": record.incident_action,
            }
            channel = bus.changes_channel(monitor.organization_id)
            try:
                self.redis.publish(channel, json.dumps(change))
            except redis.RedisError as exc:
                logger.warning(
                    "evaluator publish failed monitor=%s error=%s", monitor.id, exc
                )

    def _after_commit(self, transitions: list[Transition]) -> None:
        if not transitions:
            return
        for hook in self.after_commit_hooks:
            try:
                hook(self.redis, transitions)
            except Exception:
                logger.exception("after-commit hook failed hook=%r", hook)

    def _maybe_trim(self) -> None:
        """Drop stream entries every group member has acknowledged."""
        if time.monotonic() - self._last_trim < TRIM_EVERY_SECONDS:
            return
        self._last_trim = time.monotonic()
        floor = self._acknowledged_floor()
        if floor:
            self.redis.xtrim(bus.RESULTS_STREAM, minid=floor, approximate=False)

    def _acknowledged_floor(self) -> str | None:
        groups = self.redis.xinfo_groups(bus.RESULTS_STREAM)
        floors = []
        for group in groups:
            summary = self.redis.xpending(bus.RESULTS_STREAM, group["name"])
            if summary["pending"]:
                floors.append(summary["min"])
            else:
                floors.append(_next_id(group["last-delivered-id"]))
        return min(floors, key=_id_key) if floors else None


# --- helpers ------------------------------------------------------------------


def _hooks_or(given: list[Callable] | None, paths: list[str]) -> list[Callable]:
    return list(given) if given is not None else load_hooks(paths)


def _new_messages(
    session: Session, messages: list[ResultMessage]
) -> list[ResultMessage]:
    """The messages whose check is not stored yet, each once."""
    unique: dict[str, ResultMessage] = {}
    for message in messages:
        unique.setdefault(message.check_id, message)
    if not unique:
        return []
    stored = set(
        session.exec(
            select(CheckResult.check_id).where(CheckResult.check_id.in_(list(unique)))
        )
    )
    return [m for check_id, m in unique.items() if check_id not in stored]


def _lock_monitors(session: Session, ids: list[int]) -> dict[int, Monitor]:
    if not ids:
        return {}
    # Row locks (PostgreSQL) keep two evaluators from deciding one monitor at
    # once; ordered by id so that they never wait on each other in a circle.
    rows = session.exec(
        select(Monitor)
        .where(Monitor.id.in_(ids))
        .order_by(Monitor.id)
        .with_for_update()
    )
    return {monitor.id: monitor for monitor in rows}


def _open_incidents(session: Session, ids: list[int]) -> dict[int, Incident]:
    if not ids:
        return {}
    rows = session.exec(
        select(Incident).where(
            Incident.monitor_id.in_(ids), Incident.ended_at.is_(None)
        )
    )
    return {incident.monitor_id: incident for incident in rows}


def _open_incident(
    session: Session, monitor: Monitor, transition: Transition
) -> Incident:
    outcome = transition.outcome
    incident = Incident(
        monitor_id=monitor.id,
        organization_id=monitor.organization_id,
        started_at=transition.at,
        cause=(outcome.phase.value if outcome.phase else "unknown")[:64],
        error_message=(transition.reason or outcome.reason or None),
        affected_regions=_affected_regions(session, monitor, transition),
    )
    if incident.error_message:
        incident.error_message = incident.error_message[:2000]
    session.add(incident)
    session.flush()
    logger.info(
        "incident opened id=%s monitor=%s org=%s cause=%s",
        incident.id,
        monitor.id,
        monitor.organization_id,
        incident.cause,
    )
    return incident


def _latest_by_region(
    session: Session, monitor: Monitor, at: datetime
) -> dict[str, Verdict]:
    since = at - timedelta(seconds=2 * max(monitor.interval_seconds, 1))
    rows = session.exec(
        select(CheckResult.region, CheckResult.status)
        .where(
            CheckResult.monitor_id == monitor.id,
            CheckResult.timestamp >= since,
            CheckResult.timestamp <= at,
        )
        .order_by(CheckResult.timestamp)
    )
    return {region: Verdict(status) for region, status in rows}


def _affected_regions(
    session: Session, monitor: Monitor, transition: Transition
) -> list[str]:
    """The regions whose latest result, within two intervals, failed (this
    batch's rows are flushed, so the deciding result is among them)."""
    latest = _latest_by_region(session, monitor, transition.at)
    return sorted(r for r, verdict in latest.items() if verdict == Verdict.DOWN)


def _resolve_incident(incident: Incident, at: datetime) -> None:
    incident.ended_at = max(at, incident.started_at)
    incident.duration_seconds = int(
        (incident.ended_at - incident.started_at).total_seconds()
    )
    incident.resolved_by = ResolvedBy.AUTO


def _result_row(message: ResultMessage, monitor: Monitor | None) -> CheckResult:
    outcome = message.outcome
    threshold = monitor.response_time_threshold if monitor else None
    timings = outcome.timings
    details = {
        key: value
        for key, value in (
            ("seen", outcome.seen),
            ("expected", outcome.expected),
            ("final_url", outcome.final_url),
            ("excerpt", outcome.excerpt),
        )
        if value is not None
    }
    details.update(outcome.details or {})
    return CheckResult(
        check_id=message.check_id,
        monitor_id=message.monitor_id,
        organization_id=message.organization_id,
        timestamp=message.started_at,
        region=message.region[:32],
        status=effective_verdict(outcome, threshold).value,
        response_time_ms=_ms(outcome.response_time_ms) or 0,
        status_code=outcome.status_code,
        error_message=(outcome.reason or None) and outcome.reason[:2000],
        phase=outcome.phase.value if outcome.phase else None,
        dns_time_ms=_ms(timings.dns_ms),
        connect_time_ms=_ms(timings.connect_ms),
        tls_time_ms=_ms(timings.tls_ms),
        ttfb_ms=_ms(timings.ttfb_ms),
        ssl_expiry_date=outcome.ssl_expiry_date,
        ssl_issuer=(outcome.ssl_issuer or None) and outcome.ssl_issuer[:500],
        details=details or None,
    )


def _ms(value: float | None) -> int | None:
    return None if value is None else int(round(value))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _next_id(entry_id: str) -> str:
    ms, seq = _id_key(entry_id)
    return f"{ms}-{seq + 1}"
