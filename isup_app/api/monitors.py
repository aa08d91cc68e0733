"""The monitors API, version 1: ``/api/v1/monitors`` for scripts and tools.

Every route needs the plan's ``isup.api`` feature (402 without it) and a
session cookie or an API key (``Authorization: Bearer isup_...``); reading
needs any role, changing needs member or higher (403). Monitors go through
the same validation and plan doors as the dashboard's forms: a bad field is
422 with ``{"errors": {field: message}}``, a plan limit 402 with the refusal.
Another organization's monitor, or a deleted one, is 404.

A monitor is answered as ``MonitorPublic``: never the credentials in its
URL, the values of its request headers or its CA bundle; its request body
and a heartbeat's token and ping address only to those who may change it.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from fastapi import APIRouter, Body, Depends, HTTPException, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from isup_app.api.billing import plan_error_detail, requires_feature
from isup_app.core import auth, bus, plans
from isup_app.core.db import get_engine
from isup_app.core.models import Monitor, MonitorType, RoleName
from isup_app.core.monitors import (
    MonitorInvalid,
    create_monitor,
    delete_monitor,
    display_url,
    get_monitor,
    list_monitors,
    set_paused,
    update_monitor,
)
from isup_app.core.settings import get_settings

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/monitors", tags=["monitors"])

api_identity = requires_feature(plans.API)

# The kind's own settings, by kind; the HTTP ones are shared with keyword.
_HTTP_SETTINGS = (
    "http_method",
    "expected_status_codes",
    "follow_redirects",
    "max_redirects",
    "verify_tls",
    "body_max_bytes",
)
KIND_SETTINGS: dict[MonitorType, tuple[str, ...]] = {
    MonitorType.HTTP: _HTTP_SETTINGS,
    MonitorType.KEYWORD: (
        *_HTTP_SETTINGS,
        "keyword",
        "keyword_type",
        "keyword_case_sensitive",
    ),
    MonitorType.PORT: ("port",),
    MonitorType.PING: ("ping_count",),
    MonitorType.SSL: ("port", "ssl_expiry_alert_days", "verify_tls"),
    MonitorType.DNS: ("dns_record_type", "dns_server", "dns_expected", "dns_match"),
    MonitorType.HEARTBEAT: (
        "heartbeat_grace_seconds",
        "last_ping_at",
        "last_ping_kind",
        "last_start_at",
    ),
}
_HAS_HEADERS = (MonitorType.HTTP, MonitorType.KEYWORD)
_HAS_CA_BUNDLE = (MonitorType.HTTP, MonitorType.KEYWORD, MonitorType.SSL)


class Uptime(BaseModel):
    last_24h: float | None
    last_7d: float | None
    last_30d: float | None


class MonitorPublic(BaseModel):
    """A monitor as the API shows it (see the module's note on secrets)."""

    id: int
    name: str
    type: str
    url: str
    interval_seconds: int
    timeout_seconds: float
    status: str
    current_state: str
    state_reason: str | None
    last_checked_at: datetime | None
    last_state_change_at: datetime | None
    last_response_time_ms: int | None
    last_status_code: int | None
    uptime_percent: Uptime
    avg_response_time_24h: float | None
    tags: list
    regions: list
    response_time_threshold: int | None
    retries: int
    retry_interval_seconds: int | None
    recovery_checks: int
    reminder_minutes: int | None
    settings: dict
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, monitor: Monitor, *, may_write: bool) -> "MonitorPublic":
        return cls(
            id=monitor.id,
            name=monitor.name,
            type=monitor.type.value,
            url=display_url(monitor.url or ""),
            interval_seconds=monitor.interval_seconds,
            timeout_seconds=monitor.timeout_seconds,
            status=monitor.status.value,
            current_state=monitor.current_state.value,
            state_reason=monitor.state_reason,
            last_checked_at=monitor.last_checked_at,
            last_state_change_at=monitor.last_state_change_at,
            last_response_time_ms=monitor.last_response_time_ms,
            last_status_code=monitor.last_status_code,
            uptime_percent=Uptime(
                last_24h=monitor.uptime_percent_24h,
                last_7d=monitor.uptime_percent_7d,
                last_30d=monitor.uptime_percent_30d,
            ),
            avg_response_time_24h=monitor.avg_response_time_24h,
            tags=list(monitor.tags or []),
            regions=list(monitor.regions or []),
            response_time_threshold=monitor.response_time_threshold,
            retries=monitor.retries,
            retry_interval_seconds=monitor.retry_interval_seconds,
            recovery_checks=monitor.recovery_checks,
            reminder_minutes=monitor.reminder_minutes,
            settings=kind_settings(monitor, may_write=may_write),
            created_at=monitor.created_at,
            updated_at=monitor.updated_at,
        )


def kind_settings(monitor: Monitor, *, may_write: bool) -> dict:
    """The kind's own fields, secrets left out: header names without their
    values, whether there is a CA bundle, and the body, token and ping
    address only for those who may write."""
    kind = monitor.type
    shown = {name: getattr(monitor, name) for name in KIND_SETTINGS[kind]}
    if kind in _HAS_HEADERS:
        shown["http_header_names"] = sorted((monitor.http_headers or {}).keys())
        shown["has_http_body"] = monitor.http_body is not None
        if may_write:
            shown["http_body"] = monitor.http_body
    if kind in _HAS_CA_BUNDLE:
        shown["has_ca_bundle"] = bool(monitor.ca_bundle)
    if kind is MonitorType.HEARTBEAT and may_write and monitor.heartbeat_token:
        base = get_settings().public_url.rstrip("/")
        shown["heartbeat_token"] = monitor.heartbeat_token
        shown["ping_url"] = f"{base}/api/heartbeat/{monitor.heartbeat_token}"
    return shown


# --- dependencies -------------------------------------------------------------


def writer(identity: auth.Identity = Depends(api_identity)) -> auth.Identity:
    """The caller, when their role may change monitors (member or higher)."""
    if not identity.can(RoleName.MEMBER):
        raise HTTPException(403, detail="Needs the member role or higher.")
    return identity


@contextmanager
def _session() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def _redis():
    """Redis to announce changes on, when IsUp runs with one."""
    settings = get_settings()
    client = bus.connect(settings.redis_url) if settings.redis_url else None
    try:
        yield client
    finally:
        if client is not None:
            client.close()


def _changed(redis, organization_id: str, monitor_id: int) -> None:
    # Probes heard from the query itself (monitor events); this tells the
    # organization's open dashboards and status editors.
    if redis is not None:
        bus.publish_change(redis, organization_id, monitor_id=monitor_id)


def _refused(exc: Exception) -> JSONResponse:
    if isinstance(exc, MonitorInvalid):
        return JSONResponse({"errors": exc.errors}, status_code=422)
    if isinstance(exc, plans.PlanError):
        return JSONResponse({"detail": plan_error_detail(exc)}, status_code=402)
    raise exc


def _not_found(monitor_id: int) -> HTTPException:
    return HTTPException(404, detail=f"No monitor {monitor_id}.")


# --- routes -------------------------------------------------------------------


@router.get("")
def list_all(identity: auth.Identity = Depends(api_identity)) -> dict:
    may_write = identity.can(RoleName.MEMBER)
    with _session() as session:
        found = list_monitors(session, identity.organization_id)
    return {
        "monitors": [
            MonitorPublic.of(m, may_write=may_write).model_dump(mode="json")
            for m in found
        ]
    }


@router.post("", status_code=201, response_model=None)
def create(
    data: dict = Body(...), identity: auth.Identity = Depends(writer)
) -> dict | JSONResponse:
    org = identity.organization_id
    with _session() as session, _redis() as redis:
        try:
            monitor = create_monitor(
                session, org, data, user_id=identity.user_id, redis=redis
            )
        except (MonitorInvalid, plans.PlanError) as exc:
            return _refused(exc)
        _changed(redis, org, monitor.id)
    logger.info(
        "api monitor created id=%s org=%s by=%s", monitor.id, org, identity.kind
    )
    return MonitorPublic.of(monitor, may_write=True).model_dump(mode="json")


@router.get("/{monitor_id}")
def read(monitor_id: int, identity: auth.Identity = Depends(api_identity)) -> dict:
    with _session() as session:
        monitor = get_monitor(session, identity.organization_id, monitor_id)
    if monitor is None:
        raise _not_found(monitor_id)
    may_write = identity.can(RoleName.MEMBER)
    return MonitorPublic.of(monitor, may_write=may_write).model_dump(mode="json")


@router.patch("/{monitor_id}", response_model=None)
def change(
    monitor_id: int,
    data: dict = Body(...),
    identity: auth.Identity = Depends(writer),
) -> dict | JSONResponse:
    org = identity.organization_id
    with _session() as session, _redis() as redis:
        current = get_monitor(session, org, monitor_id)
        if current is None:
            raise _not_found(monitor_id)
        if "url" in data and data["url"] == display_url(current.url or ""):
            # The address as the API showed it back: keep its credentials.
            data = {**data, "url": current.url}
        try:
            monitor = update_monitor(session, org, monitor_id, data, redis=redis)
        except (MonitorInvalid, plans.PlanError) as exc:
            return _refused(exc)
        _changed(redis, org, monitor.id)
    return MonitorPublic.of(monitor, may_write=True).model_dump(mode="json")


@router.delete("/{monitor_id}", status_code=204)
def delete(monitor_id: int, identity: auth.Identity = Depends(writer)) -> Response:
    org = identity.organization_id
    with _session() as session, _redis() as redis:
        try:
            delete_monitor(session, org, monitor_id, redis=redis)
        except LookupError as exc:
            raise _not_found(monitor_id) from exc
        _changed(redis, org, monitor_id)
    return Response(status_code=204)


def _pause_or_resume(identity: auth.Identity, monitor_id: int, paused: bool):
    org = identity.organization_id
    with _session() as session, _redis() as redis:
        try:
            monitor = set_paused(session, org, monitor_id, paused, redis=redis)
        except LookupError as exc:
            raise _not_found(monitor_id) from exc
        except plans.PlanError as exc:
            return _refused(exc)
        _changed(redis, org, monitor_id)
    return MonitorPublic.of(monitor, may_write=True).model_dump(mode="json")


@router.post("/{monitor_id}/pause", response_model=None)
def pause(
    monitor_id: int, identity: auth.Identity = Depends(writer)
) -> dict | JSONResponse:
    return _pause_or_resume(identity, monitor_id, True)


@router.post("/{monitor_id}/resume", response_model=None)
def resume(
    monitor_id: int, identity: auth.Identity = Depends(writer)
) -> dict | JSONResponse:
    """Resuming is a door like creating: past the plan's monitors, 402."""
    return _pause_or_resume(identity, monitor_id, False)
