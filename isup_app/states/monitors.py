"""The monitor list (search, filters, counts per state) and the form that
adds an HTTP monitor.

The database is the truth. Each worker keeps one ``MonitorTable`` per
organization it has open tabs of: every row of the list, read from the
database when a tab loads (which Reflex runs again after a reconnect) and kept
current by ``isup_app.states.live`` from the changes the evaluator publishes.
Each browser tab's ``MonitorListState`` holds only its filters and what it
shows, so a change costs each tab plain-Python work, not a walk of the whole
list through Reflex's state proxies.
"""

import asyncio
import dataclasses
import itertools
import logging
from datetime import datetime

import reflex as rx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from isup_app.core import bus
from isup_app.core.db import get_engine
from isup_app.core.models import Monitor, MonitorStatus, MonitorType
from isup_app.core.monitors import (
    DEFAULT_SSL_PORT,
    MonitorInvalid,
    create_monitor,
    display_url,
    get_monitors,
    list_monitors,
)
from isup_app.core.plans import PlanError
from isup_app.core.settings import get_settings
from isup_app.states import live
from isup_app.states.session import organization_for, require_write
from isup_app.states.words import counted

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
    """What a monitor watches, never with credentials: the list and the
    detail page both show it."""
    if monitor.type is MonitorType.HEARTBEAT:
        return "pings from a job"
    if monitor.type is MonitorType.PORT and monitor.port:
        return _host_port(monitor.url, monitor.port)
    if monitor.type is MonitorType.SSL:
        # The host alone when it is the default port, as people write it.
        port = monitor.port or DEFAULT_SSL_PORT
        return (
            monitor.url if port == DEFAULT_SSL_PORT else _host_port(monitor.url, port)
        )
    if monitor.type is MonitorType.DNS:
        return f"{monitor.dns_record_type or 'A'} {monitor.url}"
    return display_url(monitor.url)


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


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


def monitor_rows_by_ids(
    organization_id: str, monitor_ids: list[int], engine: Engine | None = None
) -> dict[int, MonitorRow]:
    """The named monitors of one organization that are not deleted, by id;
    ids of other organizations' monitors are simply not found."""
    with Session(engine or get_engine()) as session:
        return {
            m.id: monitor_row(m)
            for m in get_monitors(session, organization_id, monitor_ids)
        }


ALL = "all"
STATES = ("up", "down", "degraded", "unknown", "pending", "paused")
KINDS = tuple(kind.value for kind in MonitorType)
# Rows sent to the browser at once; a change to a shown row resends the shown
# list whole, so a large organization's list grows by this much at a time.
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


def _sort_key(row: MonitorRow) -> tuple[str, int]:
    return (row.name, row.id)


# Versions of all tables from one count, so that a table dropped and read
# again while a reload was reading still orders its puts after the reload.
_versions = itertools.count(1)


class MonitorTable:
    """Every row of one organization's list, kept once per worker and shared
    by all of the worker's tabs of that organization (each tab's state holds
    only its filters and what it shows).

    Rows, counts and tags are replaced, never changed in place: a tab's state
    may hold the very objects, and Reflex sends only what is assigned.
    """

    def __init__(self, rows: list[MonitorRow]):
        self.version = next(_versions)
        # monitor id -> version of its last put, so that a reload read before
        # a put does not undo it
        self._put_at: dict[int, int] = {}
        self._set(rows)

    def _set(self, rows: list[MonitorRow]) -> None:
        self.rows = rows
        self._by_id = {row.id: row for row in rows}
        self.counts = state_counts(rows)
        self.tags = sorted({tag for row in rows for tag in row.tags})
        self._matching: dict[tuple[str, str, str, str], list[MonitorRow]] = {}

    def put(self, changed: dict[int, MonitorRow | None]) -> None:
        """Insert, update or (with None) drop the given monitors' lines."""
        if not changed:
            return
        self.version = next(_versions)
        kept = [row for row in self.rows if row.id not in changed]
        kept.extend(row for row in changed.values() if row is not None)
        kept.sort(key=_sort_key)
        for monitor_id in changed:
            self._put_at[monitor_id] = self.version
        self._set(kept)

    def replace(self, rows: list[MonitorRow], since: int) -> None:
        """All rows as read from the database, except those put after
        ``since`` (the version when the read began): those are newer."""
        newer = [i for i, version in self._put_at.items() if version > since]
        if newer:
            fresh = {row.id: row for row in rows}
            for monitor_id in newer:
                row = self._by_id.get(monitor_id)
                if row is None:
                    fresh.pop(monitor_id, None)
                else:
                    fresh[monitor_id] = row
            rows = sorted(fresh.values(), key=_sort_key)
        self.version = next(_versions)
        self._set(rows)

    def matching(
        self, search: str, state: str, kind: str, tag: str
    ) -> list[MonitorRow]:
        """The rows that pass these filters, worked out once per version
        however many tabs share the filters."""
        key = (search, state, kind, tag)
        shown = self._matching.get(key)
        if shown is None:
            shown = [row for row in self.rows if matches(row, *key)]
            self._matching[key] = shown
        return shown


# organization id -> its table, for the organizations this worker has tabs of
_tables: dict[str, MonitorTable] = {}


async def reload_table(organization_id: str) -> MonitorTable:
    """Read an organization's whole list from the database into its table."""
    since = next(_versions)
    rows = await asyncio.to_thread(monitor_rows, organization_id)
    table = _tables.get(organization_id)
    if table is None:
        table = _tables[organization_id] = MonitorTable(rows)
    else:
        table.replace(rows, since)
    return table


async def table_for(organization_id: str) -> MonitorTable:
    """The organization's table, read from the database if this worker has
    none yet."""
    table = _tables.get(organization_id)
    if table is None:
        table = await reload_table(organization_id)
    return table


async def update_table(
    organization_id: str, monitor_ids: frozenset[int]
) -> MonitorTable:
    """Re-read the named monitors (one query, scoped to the organization)
    into the organization's table."""
    table = _tables.get(organization_id)
    if table is None:
        return await reload_table(organization_id)
    found = await asyncio.to_thread(
        monitor_rows_by_ids, organization_id, sorted(monitor_ids)
    )
    # Ids of another organization or deleted read as None: dropped (they
    # were never in this table, or are gone from it).
    table.put({monitor_id: found.get(monitor_id) for monitor_id in monitor_ids})
    return table


def drop_table(organization_id: str) -> None:
    """Forget an organization's table (no tab of it is open here)."""
    _tables.pop(organization_id, None)


def drop_tables() -> None:
    """Forget every table (changes may have been missed)."""
    _tables.clear()


class MonitorListState(rx.State):
    """One tab's list: its filters and ``limit``, and what it shows of its
    organization's ``MonitorTable``: ``rows`` (what passes the filters, up to
    ``limit``) and the figures above the list."""

    rows: list[MonitorRow] = []
    loaded: bool = False
    total: int = 0
    total_words: str = counted(0, "monitor")
    matching: int = 0
    counts: dict[str, int] = {}
    tags: list[str] = []
    search: str = ""
    state_filter: str = ALL
    kind_filter: str = ALL
    tag_filter: str = ALL
    limit: int = PAGE_SIZE
    # the ids in ``rows``, as a tuple: reading it costs no state proxy
    _shown: tuple[int, ...] = ()

    @rx.event(background=True)
    async def load(self):
        """Register this tab for live changes, then read the list."""
        from isup_app.states import monitor_detail

        organization_id = organization_for(self)
        token = self.router.session.client_token
        live.watch(organization_id, token)
        # A tab that left a detail page for the list stops following it.
        monitor_detail.forget(token)
        table = await reload_table(organization_id)
        async with self:
            self._show(table, None)

    def _show(self, table: MonitorTable, changed: frozenset[int] | None) -> None:
        """Bring what the tab shows up to date with ``table`` after the
        monitors ``changed`` changed (None: assign everything, a full load).

        Reflex resends every assigned var whole, so ``rows`` is assigned only
        when the changed monitors are (or were) among the shown rows or the
        shown page is another one; the figures only when they differ.
        """
        everything = changed is None
        shown = table.matching(
            self.search, self.state_filter, self.kind_filter, self.tag_filter
        )
        page = shown[: self.limit]
        ids = tuple(row.id for row in page)
        if everything or ids != self._shown or not changed.isdisjoint(ids):
            self.rows = page
            self._shown = ids
        figures = {
            "total": len(table.rows),
            "total_words": counted(len(table.rows), "monitor"),
            "matching": len(shown),
            "counts": table.counts,
            "tags": table.tags,
        }
        for name, value in figures.items():
            if everything or getattr(self, name) != value:
                setattr(self, name, value)
        if not self.loaded:
            self.loaded = True

    async def _refilter(self) -> None:
        """Show the organization's table through the changed filters."""
        table = await table_for(organization_for(self))
        self._show(table, frozenset())

    @rx.event
    async def set_search(self, value: str):
        self.search = value
        self.limit = PAGE_SIZE
        await self._refilter()

    @rx.event
    async def set_state_filter(self, value: str):
        self.state_filter = value if value in STATES else ALL
        self.limit = PAGE_SIZE
        await self._refilter()

    @rx.event
    async def set_kind_filter(self, value: str):
        self.kind_filter = value if value in KINDS else ALL
        self.limit = PAGE_SIZE
        await self._refilter()

    @rx.event
    async def set_tag_filter(self, value: str):
        self.tag_filter = value or ALL
        self.limit = PAGE_SIZE
        await self._refilter()

    @rx.event
    async def clear_filters(self):
        self.search = ""
        self.state_filter = self.kind_filter = self.tag_filter = ALL
        self.limit = PAGE_SIZE
        await self._refilter()

    @rx.event
    async def show_more(self):
        self.limit += PAGE_SIZE
        await self._refilter()


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
