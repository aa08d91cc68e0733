"""The monitor list (search, filters, counts per state) and the form that
adds an HTTP monitor.

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
    kind: str
    target: str
    state: str
    last_checked: str
    response_time: str
    uptime_24h: str = "—"
    uptime_30d: str = "—"
    tags: list[str] = dataclasses.field(default_factory=list)
    href: str = ""


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else "never"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


def state_word(monitor: Monitor) -> str:
    if monitor.status == MonitorStatus.PAUSED:
        return "paused"
    return str(monitor.current_state)


def target_words(monitor: Monitor) -> str:
    """What a monitor watches, never with credentials."""
    if monitor.type is MonitorType.HEARTBEAT:
        return "pings from a job"
    if monitor.type is MonitorType.PORT and monitor.port:
        return f"{monitor.url}:{monitor.port}"
    if monitor.type is MonitorType.DNS:
        return f"{monitor.dns_record_type or 'A'} {monitor.url}"
    return display_url(monitor.url)


def monitor_row(monitor: Monitor) -> MonitorRow:
    response = monitor.last_response_time_ms
    return MonitorRow(
        id=monitor.id,
        name=monitor.name,
        kind=str(monitor.type),
        target=target_words(monitor),
        state=state_word(monitor),
        last_checked=_when(monitor.last_checked_at),
        response_time="—" if response is None else f"{response} ms",
        uptime_24h=_percent(monitor.uptime_percent_24h),
        uptime_30d=_percent(monitor.uptime_percent_30d),
        tags=[str(tag) for tag in monitor.tags or []],
        href=f"/monitors/{monitor.id}",
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


ALL = "all"
STATES = ("up", "down", "degraded", "unknown", "pending", "paused")
KINDS = tuple(kind.value for kind in MonitorType)
# Rows sent to the browser at once; each change resends the shown list whole,
# so a large organization's list grows by this much at a time.
PAGE_SIZE = 100


def matches(row: MonitorRow, search: str, state: str, kind: str, tag: str) -> bool:
    """Whether a row passes the list's search box and filters."""
    if state != ALL and row.state != state:
        return False
    if kind != ALL and row.kind != kind:
        return False
    if tag != ALL and tag not in row.tags:
        return False
    words = search.strip().lower()
    if not words:
        return True
    text = " ".join([row.name, row.target, row.kind, *row.tags]).lower()
    return all(word in text for word in words.split())


def state_counts(rows: list[MonitorRow]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    return counts


class MonitorListState(rx.State):
    """The list as shown: ``_all`` holds every row of the organization on the
    server; ``rows`` is what passes the filters, up to ``limit``."""

    _all: list[MonitorRow] = []
    rows: list[MonitorRow] = []
    loaded: bool = False
    total: int = 0
    matching: int = 0
    counts: dict[str, int] = {}
    tags: list[str] = []
    search: str = ""
    state_filter: str = ALL
    kind_filter: str = ALL
    tag_filter: str = ALL
    limit: int = PAGE_SIZE

    @rx.event(background=True)
    async def load(self):
        """Register this tab for live changes, then read the list."""
        from isup_app.states import monitor_detail

        organization_id = organization_for(self)
        token = self.router.session.client_token
        live.watch(organization_id, token)
        # A tab that left a detail page for the list stops following it.
        monitor_detail.forget(token)
        rows = await asyncio.to_thread(monitor_rows, organization_id)
        async with self:
            self._replace_all(rows)

    def _replace_all(self, rows: list[MonitorRow]) -> None:
        self._all = rows
        self.loaded = True
        self._apply(everything=True)

    def _put(self, monitor_id: int, row: MonitorRow | None) -> None:
        """Insert, update or (with ``row`` None) drop one monitor's line."""
        kept = [r for r in self._all if r.id != monitor_id]
        if row is not None:
            kept.append(row)
            kept.sort(key=lambda r: (r.name, r.id))
        self._all = kept
        self._apply()

    def _apply(self, everything: bool = False) -> None:
        shown = [
            row
            for row in self._all
            if matches(
                row, self.search, self.state_filter, self.kind_filter, self.tag_filter
            )
        ]
        # Assign only what changed: Reflex resends every assigned var whole,
        # and a change to a monitor outside the shown page alters the counts
        # alone. A full load sends everything (an empty list too).
        figures = {
            "total": len(self._all),
            "matching": len(shown),
            "rows": shown[: self.limit],
            "counts": state_counts(self._all),
            "tags": sorted({tag for row in self._all for tag in row.tags}),
        }
        for name, value in figures.items():
            if everything or getattr(self, name) != value:
                setattr(self, name, value)

    @rx.event
    def set_search(self, value: str):
        self.search = value
        self.limit = PAGE_SIZE
        self._apply()

    @rx.event
    def set_state_filter(self, value: str):
        self.state_filter = value if value in STATES else ALL
        self.limit = PAGE_SIZE
        self._apply()

    @rx.event
    def set_kind_filter(self, value: str):
        self.kind_filter = value if value in KINDS else ALL
        self.limit = PAGE_SIZE
        self._apply()

    @rx.event
    def set_tag_filter(self, value: str):
        self.tag_filter = value or ALL
        self.limit = PAGE_SIZE
        self._apply()

    @rx.event
    def clear_filters(self):
        self.search = ""
        self.state_filter = self.kind_filter = self.tag_filter = ALL
        self.limit = PAGE_SIZE
        self._apply()

    @rx.event
    def show_more(self):
        self.limit += PAGE_SIZE
        self._apply()


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
