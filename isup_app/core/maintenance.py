"""Maintenance windows: planned time in which a monitor raises no alerts and
opens no incidents, and which is left out of uptime.

A window's ``starts_at``/``ends_at`` are its first occurrence. A recurring
window repeats that occurrence at the same wall-clock time in its IANA time
zone: every day (``daily``) or on the listed weekdays (``weekly``, 0 = Monday
... 6 = Sunday; an empty list means the first occurrence's weekday). Its length
is kept in absolute time, so a window across a DST change still lasts as long
as it says. A window with an empty ``monitor_ids`` list applies to every
monitor of its organization.
"""

import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, select

from isup_app.core.models import (
    MaintenanceWindow,
    Monitor,
    StatusPage,
    StatusPageMonitor,
)

logger = logging.getLogger(__name__)

RECURRENCES = ("once", "daily", "weekly")


class MaintenanceError(ValueError):
    """A window that cannot be saved; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def in_maintenance(session: Session, monitor: Monitor, at: datetime) -> bool:
    """Whether ``monitor`` is inside one of its organization's windows at
    ``at`` (an aware time)."""
    return active_window(session, monitor, at) is not None


def active_window(
    session: Session, monitor: Monitor, at: datetime
) -> tuple[MaintenanceWindow, datetime, datetime] | None:
    """The window occurrence covering ``at``: (window, start, end), or None.

    When several cover it, the one that ends last."""
    best = None
    for window in windows_for(session, monitor):
        for start, end in occurrences(window, at, at):
            if start <= at < end and (best is None or end > best[2]):
                best = (window, start, end)
    return best


def maintenance_intervals(
    session: Session, monitor: Monitor, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) that ``monitor`` spends in maintenance,
    merged and sorted: what uptime leaves out."""
    spans = []
    for window in windows_for(session, monitor):
        for s, e in occurrences(window, start, end):
            s, e = max(s, start), min(e, end)
            if s < e:
                spans.append((s, e))
    return _merge(spans)


def windows_for(session: Session, monitor: Monitor) -> list[MaintenanceWindow]:
    rows = session.exec(
        select(MaintenanceWindow).where(
            MaintenanceWindow.organization_id == monitor.organization_id
        )
    )
    return [w for w in rows if not w.monitor_ids or monitor.id in w.monitor_ids]


def occurrences(
    window: MaintenanceWindow, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Occurrences of ``window`` (UTC start, UTC end) that overlap or touch
    [start, end]."""
    first_start = _aware(window.starts_at)
    length = _aware(window.ends_at) - first_start
    if length <= timedelta(0):
        return
    if window.recurrence == "once":
        if first_start <= end and first_start + length > start:
            yield first_start, first_start + length
        return

    zone = _zone(window.timezone)
    first_local = first_start.astimezone(zone)
    weekdays = set(window.weekdays or [first_local.weekday()])
    # Occurrences that started up to ``length`` before ``start`` still cover it.
    day = max(first_local.date(), (start - length).astimezone(zone).date())
    last_day = end.astimezone(zone).date()
    while day <= last_day:
        if window.recurrence == "daily" or day.weekday() in weekdays:
            occ_start = _local_start(day, first_local, zone)
            occ_end = occ_start + length
            if occ_start >= first_start and occ_start <= end and occ_end > start:
                yield occ_start, occ_end
        day += timedelta(days=1)


def validate_window(
    session: Session,
    organization_id: str,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    recurrence: str = "once",
    timezone: str = "UTC",
    weekdays: Iterable[int] = (),
    monitor_ids: Iterable[int] = (),
) -> MaintenanceWindow:
    """A window ready to add, or ``MaintenanceError`` naming the bad field."""
    if not title.strip():
        raise MaintenanceError("title", "give the window a title")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise MaintenanceError("starts_at", "times must carry a time zone")
    if ends_at <= starts_at:
        raise MaintenanceError("ends_at", "the window must end after it starts")
    if recurrence not in RECURRENCES:
        raise MaintenanceError("recurrence", f"must be one of {', '.join(RECURRENCES)}")
    if recurrence == "daily" and ends_at - starts_at > timedelta(days=1):
        raise MaintenanceError("ends_at", "a daily window lasts at most one day")
    if recurrence == "weekly" and ends_at - starts_at > timedelta(days=7):
        raise MaintenanceError("ends_at", "a weekly window lasts at most one week")
    _zone(timezone)
    days = sorted(set(weekdays))
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
        raise MaintenanceError("weekdays", "weekdays are 0 (Monday) to 6 (Sunday)")
    ids = sorted(set(monitor_ids))
    if ids:
        found = session.exec(
            select(Monitor.id).where(
                Monitor.organization_id == organization_id, Monitor.id.in_(ids)
            )
        ).all()
        missing = set(ids) - set(found)
        if missing:
            raise MaintenanceError(
                "monitor_ids",
                f"no such monitor: {', '.join(map(str, sorted(missing)))}",
            )
    return MaintenanceWindow(
        organization_id=organization_id,
        title=title.strip(),
        recurrence=recurrence,
        starts_at=starts_at.astimezone(UTC),
        ends_at=ends_at.astimezone(UTC),
        timezone=timezone,
        weekdays=days,
        monitor_ids=ids,
    )


def create_window(
    session: Session, organization_id: str, **fields
) -> MaintenanceWindow:
    window = validate_window(session, organization_id, **fields)
    session.add(window)
    _touch_pages_showing(session, window)
    session.commit()
    session.refresh(window)
    logger.info(
        "maintenance window created id=%s org=%s recurrence=%s",
        window.id,
        organization_id,
        window.recurrence,
    )
    return window


def list_windows(session: Session, organization_id: str) -> list[MaintenanceWindow]:
    return list(
        session.exec(
            select(MaintenanceWindow)
            .where(MaintenanceWindow.organization_id == organization_id)
            .order_by(MaintenanceWindow.starts_at)
        )
    )


def delete_window(session: Session, organization_id: str, window_id: int) -> bool:
    window = session.get(MaintenanceWindow, window_id)
    if window is None or window.organization_id != organization_id:
        return False
    session.delete(window)
    session.commit()
    return True


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MaintenanceError("timezone", f"unknown time zone {name!r}") from exc


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _local_start(day: date, first_local: datetime, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, first_local.timetz().replace(tzinfo=None))
    return local.replace(tzinfo=zone).astimezone(UTC)


def _merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _touch_pages_showing(session: Session, window: MaintenanceWindow) -> None:
    # Status pages list scheduled maintenance and are cached by their
    # updated_at: moving it on makes the pages showing these monitors (every
    # page of the organization for a window on all monitors) render afresh.
    pages = StatusPage.organization_id == window.organization_id
    if window.monitor_ids:
        shown = select(StatusPageMonitor.status_page_id).where(
            StatusPageMonitor.monitor_id.in_(window.monitor_ids)
        )
        pages = sa.and_(pages, StatusPage.id.in_(shown))
    session.exec(
        sa.update(StatusPage).where(pages).values(updated_at=datetime.now(UTC))
    )
