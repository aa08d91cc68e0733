"""The dashboard's monitor list and the form that adds an HTTP monitor.

Each browser tab holds its own ``MonitorListState``; the database is the
truth. A tab loads its list on page load (which Reflex runs again after a
reconnect) and registers with ``isup_app.states.live`` so that changes
published by the evaluator reach it without a reload.
"""

import asyncio
import dataclasses
import logging
from datetime import datetime

import reflex as rx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from isup_app.core import bus
from isup_app.core.db import get_engine
from isup_app.core.models import Monitor, MonitorStatus, MonitorType
from isup_app.core.monitors import (
    MonitorInvalid,
    create_monitor,
    display_url,
    get_monitor,
    list_monitors,
)
from isup_app.core.plans import PlanError
from isup_app.core.settings import get_settings
from isup_app.states import live
from isup_app.states.session import organization_for, require_write

logger = logging.getLogger(__name__)

FORM_FIELDS = ("name", "url", "interval_seconds", "timeout_seconds")


@dataclasses.dataclass
class MonitorRow:
    """One line of the monitor list, already in words for the page."""

    id: int
    name: str
    target: str
    state: str
    last_checked: str
    response_time: str


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else "never"


def monitor_row(monitor: Monitor) -> MonitorRow:
    state = (
        "paused" if monitor.status == MonitorStatus.PAUSED else monitor.current_state
    )
    response = monitor.last_response_time_ms
    return MonitorRow(
        id=monitor.id,
        name=monitor.name,
        target=display_url(monitor.url),
        state=str(state),
        last_checked=_when(monitor.last_checked_at),
        response_time="—" if response is None else f"{response} ms",
    )


def monitor_rows(
    organization_id: str, engine: Engine | None = None
) -> list[MonitorRow]:
    """Every monitor of one organization that is not deleted, by name."""
    with Session(engine or get_engine()) as session:
        return [monitor_row(m) for m in list_monitors(session, organization_id)]


def monitor_row_by_id(
    organization_id: str, monitor_id: int, engine: Engine | None = None
) -> MonitorRow | None:
    """One monitor of one organization, or None if it is gone or not theirs."""
    with Session(engine or get_engine()) as session:
        monitor = get_monitor(session, organization_id, monitor_id)
        return monitor_row(monitor) if monitor else None


class MonitorListState(rx.State):
    rows: list[MonitorRow] = []
    loaded: bool = False

    @rx.event(background=True)
    async def load(self):
        """Register this tab for live changes, then read the list."""
        organization_id = organization_for(self)
        live.watch(organization_id, self.router.session.client_token)
        rows = await asyncio.to_thread(monitor_rows, organization_id)
        async with self:
            self.rows = rows
            self.loaded = True

    def _replace_all(self, rows: list[MonitorRow]) -> None:
        self.rows = rows
        self.loaded = True

    def _put(self, monitor_id: int, row: MonitorRow | None) -> None:
        """Insert, update or (with ``row`` None) drop one monitor's line."""
        kept = [r for r in self.rows if r.id != monitor_id]
        if row is not None:
            kept.append(row)
            kept.sort(key=lambda r: (r.name, r.id))
        self.rows = kept


def _create_http_monitor(organization_id: str, form_data: dict) -> int:
    """Save a monitor through the checks area's validation; returns its id."""
    data = {field: form_data.get(field, "") for field in FORM_FIELDS}
    data["type"] = MonitorType.HTTP.value
    settings = get_settings()
    redis = bus.connect(settings.redis_url) if settings.redis_url else None
    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            monitor = create_monitor(session, organization_id, data, redis=redis)
        if redis is not None:
            # Other open dashboards of the organization show it at once.
            bus.publish_change(redis, organization_id, monitor_id=monitor.id)
        return monitor.id
    finally:
        if redis is not None:
            redis.close()


class MonitorFormState(rx.State):
    errors: dict[str, str] = {}
    saving: bool = False
    notice: str = ""

    @rx.var
    def other_errors(self) -> list[str]:
        """Refusals that name no field of the form."""
        return [
            f"{name}: {message}" if name else message
            for name, message in self.errors.items()
            if name not in FORM_FIELDS
        ]

    @rx.event(background=True)
    async def add_monitor(self, form_data: dict):
        async with self:
            self.saving = True
            self.errors = {}
            self.notice = ""
        try:
            organization_id = require_write(self)
        except PermissionError:
            async with self:
                self.saving = False
            raise

        try:
            monitor_id = await asyncio.to_thread(
                _create_http_monitor, organization_id, form_data
            )
        except MonitorInvalid as exc:
            async with self:
                self.errors = {str(k): str(v) for k, v in exc.errors.items()}
                self.saving = False
            return
        except PlanError as exc:
            # The plan's limit, with where to upgrade.
            field = "interval_seconds" if exc.limit == "interval_min" else ""
            async with self:
                self.errors = {field: str(exc)}
                self.saving = False
            return

        logger.info("monitor added org=%s monitor_id=%s", organization_id, monitor_id)
        async with self:
            self.saving = False
            self.notice = f"Added {form_data.get('name', '')}."
        return [
            rx.set_value("name", ""),
            rx.set_value("url", ""),
            MonitorListState.load,
        ]
