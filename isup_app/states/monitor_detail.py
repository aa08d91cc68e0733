"""The monitor detail page: one monitor's state, uptime, response times,
daily bars, latest checks and incidents, with its actions.

Everything is read on the server for the organization of the signed-in
person (``isup_app.states.session``); a monitor of another organization
reads as not found. The chart is downsampled here to at most
``CHART_POINTS`` points per series, so the browser never receives raw
results. Open detail tabs register with ``isup_app.states.live``; every
change the evaluator publishes for their monitor reloads their view from
the database, and so does every page load (Reflex runs it again after a
reconnect).
"""

import asyncio
import dataclasses
import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import reflex as rx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from isup_app.core import bus, history
from isup_app.core.db import get_engine
from isup_app.core.models import (
    CheckResult,
    CheckResultHourly,
    Incident,
    Monitor,
    MonitorStatus,
    MonitorType,
)
from isup_app.core.monitors import delete_monitor, get_monitor, set_paused
from isup_app.core.plans import PlanError
from isup_app.core.settings import get_settings
from isup_app.states import live
from isup_app.states.monitor_editor import PING_CURL, job_pings, scheduled_job
from isup_app.states.monitors import target_words
from isup_app.states.session import organization_for, require_write
from isup_app.states.words import counted

logger = logging.getLogger(__name__)

CHART_POINTS = 300
LATEST_CHECKS = 25
LATEST_INCIDENTS = 20
# Ranges the chart offers; raw results (with the phase breakdown) up to 7
# days, hourly rollups beyond.
RANGES = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
RAW_LIMIT = timedelta(days=7)
DEFAULT_RANGE = "24h"
PHASES = ("dns", "connect", "tls", "ttfb")

BAR_COLOURS = {
    history.BarState.OPERATIONAL: "var(--green-9)",
    history.BarState.DEGRADED: "var(--amber-9)",
    history.BarState.PARTIAL_OUTAGE: "var(--orange-9)",
    history.BarState.MAJOR_OUTAGE: "var(--red-9)",
    history.BarState.MAINTENANCE: "var(--blue-9)",
    history.BarState.NO_DATA: "var(--gray-5)",
}


@dataclasses.dataclass
class Header:
    id: int = 0
    name: str = ""
    kind: str = ""
    target: str = ""
    state: str = ""
    since: str = ""
    reason: str = ""
    paused: bool = False
    interval: str = ""
    last_checked: str = ""
    response_time: str = ""
    tags: str = ""


@dataclasses.dataclass
class UptimeFigure:
    label: str
    value: str


@dataclasses.dataclass
class DayLine:
    day: str
    state: str
    colour: str
    title: str


@dataclasses.dataclass
class CheckLine:
    when: str
    region: str
    status: str
    response: str
    code: str
    reason: str


@dataclasses.dataclass
class IncidentLine:
    id: int
    started: str
    ended: str
    duration: str
    cause: str
    reason: str
    regions: str


@dataclasses.dataclass
class HeartbeatAddresses:
    success: str = ""
    start: str = ""
    fail: str = ""
    curl: str = ""
    # How to run the job once a period: a crontab line, or a loop when no
    # cron schedule runs that often (the label says which, and why).
    schedule_label: str = ""
    schedule: str = ""
    last_ping: str = ""


@dataclasses.dataclass
class DetailView:
    """Everything the page shows but the chart."""

    header: Header
    uptime: list[UptimeFigure]
    bars: list[DayLine]
    checks: list[CheckLine]
    incidents: list[IncidentLine]
    heartbeat: HeartbeatAddresses | None


@dataclasses.dataclass
class Chart:
    points: list[dict]
    regions: list[str]
    phases: list[dict]
    note: str


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else "never"


def _ago(at: datetime | None, now: datetime) -> str:
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    seconds = max(0, int((now - at).total_seconds()))
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def duration_words(seconds: float | None) -> str:
    if seconds is None:
        return "ongoing"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3_600:
        return f"{seconds // 60} min {seconds % 60} s"
    if seconds < 86_400:
        return f"{seconds // 3_600} h {seconds % 3_600 // 60} min"
    return f"{seconds // 86_400} d {seconds % 86_400 // 3_600} h"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


def target_of(monitor: Monitor) -> str:
    """The list's words for the target (``target_words``), but a heartbeat's,
    whose page shows its ping addresses below."""
    if monitor.type is MonitorType.HEARTBEAT:
        return "heartbeat"
    return target_words(monitor)


def heartbeat_addresses(monitor: Monitor, public_url: str) -> HeartbeatAddresses:
    base = f"{public_url.rstrip('/')}/api/heartbeat/{monitor.heartbeat_token}"
    scheduled = scheduled_job(job_pings(base), monitor.interval_seconds)
    return HeartbeatAddresses(
        success=base,
        start=f"{base}/start",
        fail=f"{base}/fail",
        curl=f"{PING_CURL} {base}",
        schedule_label=scheduled.label,
        schedule=scheduled.command,
        last_ping=_when(monitor.last_ping_at)
        + (f" ({monitor.last_ping_kind})" if monitor.last_ping_kind else ""),
    )


def header_of(monitor: Monitor, now: datetime) -> Header:
    paused = monitor.status == MonitorStatus.PAUSED
    state = "paused" if paused else str(monitor.current_state)
    since_at = monitor.updated_at if paused else monitor.last_state_change_at
    since_at = since_at or monitor.created_at
    response = monitor.last_response_time_ms
    return Header(
        id=monitor.id,
        name=monitor.name,
        kind=str(monitor.type),
        target=target_of(monitor),
        state=state,
        since=f"since {_when(since_at)} ({_ago(since_at, now)})",
        # The last check's reason explains the state it left, not the pause.
        reason="" if paused else monitor.state_reason or "",
        paused=paused,
        interval=f"every {monitor.interval_seconds} s",
        last_checked=_when(monitor.last_checked_at),
        response_time="—" if response is None else f"{response} ms",
        tags=", ".join(str(t) for t in monitor.tags or []),
    )


def load_detail(
    organization_id: str,
    monitor_id: int,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> DetailView | None:
    """The page's view of one monitor of one organization; None when it is
    not theirs or is deleted."""
    now = now or datetime.now(UTC)
    with Session(engine or get_engine()) as session:
        monitor = get_monitor(session, organization_id, monitor_id)
        if monitor is None:
            return None
        summary = history.uptime_summary(session, [monitor.id], now)[monitor.id]
        bars = history.daily_bars(session, [monitor.id], days=90, now=now)[monitor.id]
        results = session.exec(
            select(CheckResult)
            .where(
                CheckResult.monitor_id == monitor.id,
                CheckResult.organization_id == organization_id,
            )
            .order_by(CheckResult.timestamp.desc(), CheckResult.id.desc())
            .limit(LATEST_CHECKS)
        ).all()
        incidents = session.exec(
            select(Incident)
            .where(
                Incident.monitor_id == monitor.id,
                Incident.organization_id == organization_id,
            )
            .order_by(Incident.started_at.desc())
            .limit(LATEST_INCIDENTS)
        ).all()
        heartbeat = (
            heartbeat_addresses(monitor, get_settings().public_url)
            if monitor.type is MonitorType.HEARTBEAT and monitor.heartbeat_token
            else None
        )
        return DetailView(
            header=header_of(monitor, now),
            uptime=[
                UptimeFigure("24 hours", _percent(summary.uptime_24h)),
                UptimeFigure("7 days", _percent(summary.uptime_7d)),
                UptimeFigure("30 days", _percent(summary.uptime_30d)),
                UptimeFigure("90 days", _percent(summary.uptime_90d)),
            ],
            bars=[_day_line(bar) for bar in bars],
            checks=[_check_line(r) for r in results],
            incidents=[_incident_line(i) for i in incidents],
            heartbeat=heartbeat,
        )


def _day_line(bar: history.DayBar) -> DayLine:
    uptime = _percent(bar.uptime_percent)
    title = f"{bar.date.isoformat()}: {bar.state.value.replace('_', ' ')}, {uptime}"
    if bar.incident_count:
        title += ", " + counted(bar.incident_count, "incident")
    return DayLine(
        day=bar.date.isoformat(),
        state=bar.state.value,
        colour=BAR_COLOURS.get(bar.state, "var(--gray-5)"),
        title=title,
    )


def _check_line(result: CheckResult) -> CheckLine:
    return CheckLine(
        when=_when(result.timestamp),
        region=result.region,
        status=result.status,
        response=f"{result.response_time_ms} ms",
        code="" if result.status_code is None else str(result.status_code),
        reason=result.error_message or "",
    )


def _incident_line(incident: Incident) -> IncidentLine:
    return IncidentLine(
        id=incident.id,
        started=_when(incident.started_at),
        ended="open" if incident.ended_at is None else _when(incident.ended_at),
        duration=duration_words(incident.duration_seconds),
        cause=incident.cause,
        reason=incident.error_message or "",
        regions=", ".join(str(r) for r in incident.affected_regions or []),
    )


# --- the chart --------------------------------------------------------------


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _label(at: datetime, span: timedelta) -> str:
    if span <= timedelta(hours=1):
        return at.strftime("%H:%M:%S")
    return at.strftime("%H:%M" if span <= timedelta(hours=24) else "%m-%d %H:%M")


def downsample(
    rows: list[tuple[datetime, str, float, dict[str, float | None]]],
    start: datetime,
    end: datetime,
    points: int = CHART_POINTS,
) -> Chart:
    """Average ``rows`` (time, region, response ms, phases) into at most
    ``points`` equal time buckets: one value per region per bucket, and the
    phases averaged over all regions. The chart starts at the first row when
    that is later than ``start`` (a new monitor's few checks are spread over
    the width, not drawn as one point at its right edge)."""
    rows = [(_aware(at), *rest) for at, *rest in rows]
    if rows:
        start = max(start, min(row[0] for row in rows))
    span = max(end - start, timedelta(seconds=1))
    width = span / points
    sums: dict[int, dict[str, list[float]]] = defaultdict(dict)
    phase_sums: dict[int, dict[str, list[float]]] = defaultdict(dict)
    regions: set[str] = set()
    for at, region, response, phases in rows:
        index = min(points - 1, max(0, int((at - start) / width)))
        regions.add(region)
        total = sums[index].setdefault(region, [0.0, 0])
        total[0] += response
        total[1] += 1
        for name, value in phases.items():
            if value is not None:
                phase = phase_sums[index].setdefault(name, [0.0, 0])
                phase[0] += value
                phase[1] += 1
    out_points, out_phases = [], []
    for index in sorted(sums):
        label = _label(start + width * index, span)
        point: dict = {"t": label}
        for region, (total, count) in sums[index].items():
            point[region] = round(total / count)
        out_points.append(point)
        if phase_sums.get(index):
            phase_point: dict = {"t": label}
            for name in PHASES:
                total, count = phase_sums[index].get(name, (0.0, 0))
                phase_point[name] = round(total / count) if count else 0
            out_phases.append(phase_point)
    return Chart(out_points, sorted(regions), out_phases, "")


def load_chart(
    organization_id: str,
    monitor_id: int,
    range_name: str,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> Chart:
    now = now or datetime.now(UTC)
    span = RANGES.get(range_name, RANGES[DEFAULT_RANGE])
    start = now - span
    with Session(engine or get_engine()) as session:
        if get_monitor(session, organization_id, monitor_id) is None:
            return Chart([], [], [], "")
        if span <= RAW_LIMIT:
            c = CheckResult.__table__.c
            query = sa.select(
                c.timestamp,
                c.region,
                c.response_time_ms,
                c.dns_time_ms,
                c.connect_time_ms,
                c.tls_time_ms,
                c.ttfb_ms,
            ).where(
                c.monitor_id == monitor_id,
                c.organization_id == organization_id,
                c.timestamp >= start,
                # A down check's time is how long failing took (a refusal, a
                # timeout), not how fast the target answers.
                c.status.in_(history.AVAILABLE),
            )
            rows = [
                (at, region, ms, dict(zip(PHASES, phases, strict=True)))
                for at, region, ms, *phases in session.connection().execute(query)
            ]
            chart = downsample(rows, start, now)
            left_out = session.connection().execute(
                sa.select(c.status, sa.func.count())
                .where(
                    c.monitor_id == monitor_id,
                    c.organization_id == organization_id,
                    c.timestamp >= start,
                    c.status.not_in(history.AVAILABLE),
                )
                .group_by(c.status)
            )
            chart.note = _left_out_note(dict(left_out.all()), bool(chart.points))
        else:
            h = CheckResultHourly.__table__.c
            query = sa.select(h.hour, h.region, h.avg_response_time).where(
                h.monitor_id == monitor_id, h.hour >= start
            )
            rows = [
                (at, region, avg, {})
                for at, region, avg in session.connection().execute(query)
            ]
            chart = downsample(rows, start, now)
            chart.note = (
                "Hourly averages of all checks, failed ones included; the phase "
                "breakdown covers up to 7 days."
            )
    if not chart.points and not chart.note:
        chart.note = "No checks in this range yet."
    return chart


def _left_out_note(counts: dict[str, int], charted: bool) -> str:
    """What the raw chart leaves out: checks that were not up or degraded,
    counted by status (``{"down": 12}``)."""
    if not counts:
        return ""
    words = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    if not charted:
        return (
            f"No successful checks in this range ({words}; see Latest checks). "
            "A failed check's time is how long failing took, so it is not charted."
        )
    return f"Successful checks only; not charted: {words}."


# --- live --------------------------------------------------------------------

# client token -> (organization id, monitor id, chart range) of the detail tabs
# this worker serves
_watchers: dict[str, tuple[str, int, str]] = {}


def watch(token: str, organization_id: str, monitor_id: int, range_name: str):
    _watchers[token] = (organization_id, monitor_id, range_name)


def forget(token: str) -> None:
    _watchers.pop(token, None)


def watchers() -> dict[str, tuple[str, int, str]]:
    return dict(_watchers)


async def push_detail(
    app: rx.App, organization_id: str | None, monitor_ids: frozenset[int] | None
):
    """Reload from the database every open detail tab of a changed monitor
    (all of the organization's detail tabs when ``monitor_ids`` is None, every
    detail tab when ``organization_id`` is None too)."""
    tabs = {
        token: watched
        for token, watched in watchers().items()
        if (organization_id is None or watched[0] == organization_id)
        and (monitor_ids is None or watched[1] in monitor_ids)
    }
    if not tabs:
        return

    # One read per monitor (and per chart range), however many tabs show it.
    views: dict[tuple[str, int], DetailView | None] = {}
    charts: dict[tuple[str, int, str], Chart] = {}
    for org, watched_id, range_name in tabs.values():
        if (org, watched_id) not in views:
            views[org, watched_id] = await asyncio.to_thread(
                load_detail, org, watched_id
            )
        if (org, watched_id, range_name) not in charts:
            charts[org, watched_id, range_name] = await asyncio.to_thread(
                load_chart, org, watched_id, range_name
            )

    token_manager = app.event_namespace._token_manager
    for token, (org, watched_id, range_name) in tabs.items():
        if not await token_manager.is_token_connected(token):
            forget(token)
            continue
        state_token = rx.BaseStateToken(ident=token, cls=MonitorDetailState)
        try:
            async with app.modify_state(state_token) as root:
                view = await root.get_state(MonitorDetailState)
                # The tab may have moved on to another monitor meanwhile.
                if view.shown_id != watched_id or view.range_name != range_name:
                    continue
                view._show(views[org, watched_id])
                view._show_chart(charts[org, watched_id, range_name])
        except Exception:
            # One tab's trouble must not hold back the others.
            logger.exception("live detail push failed org=%s", org)


live.add_pusher(push_detail)


# --- actions -------------------------------------------------------------------


class ActionRefused(Exception):
    """An action that cannot be done now, in words for the page."""


ACTION_NOTICES = {
    "pause": "Paused: no checks until you resume it.",
    "resume": "Resumed: checks start again at its interval.",
    "check_now": "Check asked for; its result shows here in a moment.",
}


def _redis():
    url = get_settings().redis_url
    return bus.connect(url) if url else None


def run_action(organization_id: str, monitor_id: int, action: str) -> None:
    """pause, resume, check_now or delete one monitor of one organization.

    ``LookupError`` when it is not theirs (or is deleted); ``ActionRefused``
    when it cannot be done now; ``PlanError`` when resuming would pass the
    plan's monitor count. "Check now" is a ``check_now`` event on
    ``bus.MONITOR_EVENTS``: every probe that checks the monitor runs it at
    once, and the result comes back like any other.
    """
    redis = _redis()
    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            if action in ("pause", "resume"):
                set_paused(
                    session, organization_id, monitor_id, action == "pause", redis=redis
                )
            elif action == "delete":
                delete_monitor(session, organization_id, monitor_id, redis=redis)
            elif action == "check_now":
                _ask_for_check(session, redis, organization_id, monitor_id)
            else:
                raise ValueError(f"unknown action {action}")
        if redis is not None and action != "check_now":
            # Other open views of the organization show it at once.
            bus.publish_change(redis, organization_id, monitor_id=monitor_id)
    finally:
        if redis is not None:
            redis.close()
    logger.info(
        "monitor action=%s org=%s monitor_id=%s", action, organization_id, monitor_id
    )


def _ask_for_check(session, redis, organization_id: str, monitor_id: int) -> None:
    monitor = get_monitor(session, organization_id, monitor_id)
    if monitor is None:
        raise LookupError(f"no monitor {monitor_id}")
    if monitor.status == MonitorStatus.PAUSED:
        raise ActionRefused("A paused monitor is not checked: resume it first.")
    if monitor.type is MonitorType.HEARTBEAT:
        raise ActionRefused("A heartbeat monitor is checked by its pings.")
    if redis is None:
        raise ActionRefused("The checker cannot be reached: no Redis is set up.")
    bus.announce_monitor_change(redis, monitor_id, "check_now")


def route_monitor_id(state: rx.State) -> int | None:
    """The monitor id in the page's route (``/monitors/[monitor_id]...``)."""
    # RouterData.page is deprecated in favour of .url, which does not carry
    # the dynamic route's arguments.
    raw = state.router._page.params.get("monitor_id", "")
    try:
        return int(str(raw))
    except ValueError:
        return None


# --- the state -----------------------------------------------------------------


class MonitorDetailState(rx.State):
    # Not ``monitor_id``: the route's argument of that name is a var of every
    # state.
    shown_id: int = 0
    found: bool = True
    loaded: bool = False
    header: Header = Header()
    uptime: list[UptimeFigure] = []
    bars: list[DayLine] = []
    checks: list[CheckLine] = []
    incidents: list[IncidentLine] = []
    is_heartbeat: bool = False
    heartbeat: HeartbeatAddresses = HeartbeatAddresses()
    range_name: str = DEFAULT_RANGE
    chart_points: list[dict] = []
    chart_regions: list[str] = []
    phase_points: list[dict] = []
    chart_note: str = ""
    notice: str = ""
    error: str = ""
    busy: bool = False
    confirm_delete: bool = False

    @rx.var
    def edit_href(self) -> str:
        return f"/monitors/{self.shown_id}/edit"

    def _show(self, view: DetailView | None) -> None:
        self.loaded = True
        if view is None:
            self.found = False
            self.header = Header()
            self.uptime, self.bars, self.checks, self.incidents = [], [], [], []
            self.is_heartbeat = False
            self.heartbeat = HeartbeatAddresses()
            self._show_chart(Chart([], [], [], ""))
            return
        self.found = True
        self.header = view.header
        self.uptime = view.uptime
        self.bars = view.bars
        self.checks = view.checks
        self.incidents = view.incidents
        self.is_heartbeat = view.heartbeat is not None
        self.heartbeat = view.heartbeat or HeartbeatAddresses()

    def _show_chart(self, chart: Chart) -> None:
        self.chart_points = chart.points
        self.chart_regions = chart.regions
        self.phase_points = chart.phases
        self.chart_note = chart.note

    @rx.event(background=True)
    async def load(self):
        """Read the monitor named by the route and watch it for changes."""
        organization_id = organization_for(self)
        async with self:
            monitor_id = route_monitor_id(self)
            token = self.router.session.client_token
            range_name = self.range_name
            self.notice = ""
            self.error = ""
            self.confirm_delete = False
            if monitor_id != self.shown_id:
                # Show nothing of the monitor this tab showed before.
                self.loaded = False
            self.shown_id = monitor_id or 0
        # In a tab that leaves the list for this page, the list stops.
        live.forget(organization_id, token)
        if monitor_id is None:
            forget(token)
            async with self:
                self._show(None)
            return

        watch(token, organization_id, monitor_id, range_name)
        view = await asyncio.to_thread(load_detail, organization_id, monitor_id)
        chart = await asyncio.to_thread(
            load_chart, organization_id, monitor_id, range_name
        )
        async with self:
            if self.shown_id == monitor_id:
                self._show(view)
                self._show_chart(chart)

    @rx.event(background=True)
    async def set_range(self, range_name: str | list[str]):
        # A segmented control may send a list (with several choices allowed).
        if isinstance(range_name, list):
            range_name = range_name[0] if range_name else ""
        if range_name not in RANGES:
            return
        organization_id = organization_for(self)
        async with self:
            self.range_name = range_name
            monitor_id = self.shown_id
            token = self.router.session.client_token
        if not monitor_id:
            return
        watch(token, organization_id, monitor_id, range_name)
        chart = await asyncio.to_thread(
            load_chart, organization_id, monitor_id, range_name
        )
        async with self:
            if self.range_name == range_name:
                self._show_chart(chart)

    async def _act(self, action: str):
        organization_id = require_write(self)
        async with self:
            monitor_id = self.shown_id
            token = self.router.session.client_token
            self.busy = True
            self.error = ""
            self.notice = ""
        try:
            await asyncio.to_thread(run_action, organization_id, monitor_id, action)
        except LookupError:
            async with self:
                self.busy = False
                self._show(None)
            return None
        except (ActionRefused, PlanError) as exc:
            async with self:
                self.busy = False
                self.error = str(exc)
            return None

        if action == "delete":
            forget(token)
            async with self:
                self.busy = False
                self.confirm_delete = False
            return [
                rx.toast.success("Monitor deleted."),
                rx.redirect("/dashboard"),
            ]
        view = await asyncio.to_thread(load_detail, organization_id, monitor_id)
        async with self:
            self.busy = False
            self._show(view)
            self.notice = ACTION_NOTICES[action]
        return None

    @rx.event(background=True)
    async def pause(self):
        return await self._act("pause")

    @rx.event(background=True)
    async def resume(self):
        return await self._act("resume")

    @rx.event(background=True)
    async def check_now(self):
        return await self._act("check_now")

    @rx.event(background=True)
    async def delete(self):
        return await self._act("delete")

    @rx.event
    def set_confirm_delete(self, value: bool):
        self.confirm_delete = value
