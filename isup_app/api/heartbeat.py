"""Heartbeat ping addresses: ``/api/heartbeat/<token>`` and its signals.

A job calls its address when it finishes (GET, POST or HEAD), ``/start``
when it begins, ``/fail`` when it fails, or ``/<exit status>`` to let the
status decide (0 is success). The ping is recorded on the monitor; with Redis
configured it also goes onto the results stream at once (so the evaluator
decides without waiting for the next scheduled check) and the probes are told
to re-read the monitor.
"""

import logging
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session

from isup_app.core import bus
from isup_app.core.db import get_engine
from isup_app.core.models import Monitor, MonitorStatus
from isup_app.core.monitors import (
    PING_BODY_LIMIT,
    PING_FAIL,
    PING_START,
    PING_SUCCESS,
    failure_reason,
    is_failure_kind,
    ping_kind,
    record_ping,
)
from isup_app.core.outcome import CheckOutcome, Phase, ResultMessage, Verdict
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/heartbeat", tags=["heartbeat"])
METHODS = ["GET", "POST", "HEAD"]


def engine_dependency() -> Engine:
    return get_engine()


def settings_dependency() -> Settings:
    return get_settings()


async def _read_body(request: Request) -> bytes:
    """The first 10 KB of the body; the rest is read and dropped."""
    kept = bytearray()
    async for chunk in request.stream():
        if len(kept) < PING_BODY_LIMIT:
            kept.extend(chunk[: PING_BODY_LIMIT - len(kept)])
    return bytes(kept)


async def _receive(request: Request, token: str, kind: str, engine, settings):
    body = await _read_body(request)
    now = datetime.now(UTC)
    monitor = await run_in_threadpool(_record, engine, token, kind, body, now)
    if monitor is None:
        raise HTTPException(status_code=404, detail="not found")
    if settings.redis_url:
        await run_in_threadpool(_publish, settings, monitor, kind, now)
    logger.info("heartbeat ping monitor_id=%s kind=%s", monitor.id, kind)
    return PlainTextResponse("OK")


def _record(engine, token, kind, body, now) -> Monitor | None:
    with Session(engine, expire_on_commit=False) as session:
        return record_ping(session, token, kind, body, now=now)


def ping_outcome(kind: str) -> CheckOutcome | None:
    """What a ping says by itself; a start says nothing yet."""
    if kind == PING_START:
        return None
    if is_failure_kind(kind):
        return CheckOutcome(
            verdict=Verdict.DOWN,
            reason=failure_reason(kind),
            phase=Phase.HEARTBEAT,
            seen=kind,
        )
    return CheckOutcome(verdict=Verdict.UP, seen="ping received")


def _publish(settings: Settings, monitor: Monitor, kind: str, now: datetime) -> None:
    client = bus.connect(settings.redis_url)
    try:
        outcome = ping_outcome(kind)
        if outcome is not None and monitor.status == MonitorStatus.ACTIVE:
            message = ResultMessage(
                check_id=uuid.uuid4().hex,
                monitor_id=monitor.id,
                organization_id=monitor.organization_id,
                region=settings.region,
                scheduled_at=now,
                started_at=now,
                outcome=outcome,
            )
            client.xadd(bus.RESULTS_STREAM, message.to_fields())
        bus.announce_monitor_change(client, monitor.id, "pinged")
    finally:
        client.close()


@router.api_route("/{token}", methods=METHODS)
async def ping(
    token: str,
    request: Request,
    engine: Engine = Depends(engine_dependency),
    settings: Settings = Depends(settings_dependency),
):
    return await _receive(request, token, PING_SUCCESS, engine, settings)


@router.api_route("/{token}/start", methods=METHODS)
async def ping_start(
    token: str,
    request: Request,
    engine: Engine = Depends(engine_dependency),
    settings: Settings = Depends(settings_dependency),
):
    return await _receive(request, token, PING_START, engine, settings)


@router.api_route("/{token}/fail", methods=METHODS)
async def ping_fail(
    token: str,
    request: Request,
    engine: Engine = Depends(engine_dependency),
    settings: Settings = Depends(settings_dependency),
):
    return await _receive(request, token, PING_FAIL, engine, settings)


@router.api_route("/{token}/{exit_status}", methods=METHODS)
async def ping_exit_status(
    token: str,
    exit_status: str,
    request: Request,
    engine: Engine = Depends(engine_dependency),
    settings: Settings = Depends(settings_dependency),
):
    if not exit_status.isdigit() or int(exit_status) > 255:
        raise HTTPException(status_code=404, detail="not found")
    kind = ping_kind(exit_status=int(exit_status))
    return await _receive(request, token, kind, engine, settings)
