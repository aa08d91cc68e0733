"""The incidents pages: the organization's open and past incidents, and one
incident with its timeline, manual resolution and public updates.

Everything is read on the server for the signed-in person's organization
(``isup_app.states.session``); an incident of another organization reads as
not found, and only members and above change anything. Open tabs register
here and ``isup_app.states.live`` calls ``push_incidents`` after each change
the evaluator publishes: list tabs reload when the organization's incidents
moved (a cheap fingerprint query decides), detail tabs reload when their
monitor changed. Every page load (which Reflex repeats after a reconnect)
reads afresh from the database.
"""

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime

import reflex as rx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from isup_app.core import accounts, bus
from isup_app.core import incidents as core
from isup_app.core.db import get_engine
from isup_app.core.models import AlertContact, Incident, Monitor, ResolvedBy
from isup_app.core.settings import get_settings
from isup_app.core.status_pages import (
    INCIDENT_STATUSES,
    StatusPageError,
    StatusPageNotFound,
    post_incident_update,
)
from isup_app.states import live
from isup_app.states.session import identity_for, organization_for, require_write

logger = logging.getLogger(__name__)

LIST_LIMIT = 50

CAUSES = {
    "dns": "DNS lookup failed",
    "connect": "connection failed",
    "tls": "TLS handshake failed",
    "certificate": "certificate problem",
    "request": "request failed",
    "response": "bad response",
    "timeout": "timed out",
    "status": "unexpected HTTP status",
    "content": "response body",
    "keyword": "keyword check failed",
    "assertion": "assertion failed",
    "heartbeat": "heartbeat late or failed",
}
EVENT_WORDS = {
    "down": "down alert",
    "up": "recovery alert",
    "reminder": "reminder",
    "ssl_expiry": "certificate notice",
}


@dataclasses.dataclass
class IncidentRow:
    id: int
    monitor: str
    started: str
    ended: str
    duration: str
    cause: str
    reason: str
    regions: str
    resolved_by: str
    is_open: bool


@dataclasses.dataclass
class IncidentHeader:
    id: int = 0
    monitor_id: int = 0
    monitor: str = ""
    is_open: bool = False
    started: str = ""
    ended: str = ""
    duration: str = ""
    cause: str = ""
    reason: str = ""
    regions: str = ""
    resolved_by: str = ""
    notes: str = ""


@dataclasses.dataclass
class TimelineEntry:
    when: str
    kind: str  # opened, alert, update, resolved
    title: str
    detail: str
    outcome: str  # ok, failed, gave up, or empty


@dataclasses.dataclass
class NotificationLine:
    when: str
    contact: str
    channel: str
    event: str
    attempt: int
    outcome: str
    error: str


@dataclasses.dataclass
class DetailView:
    header: IncidentHeader
    timeline: list[TimelineEntry]
    notifications: list[NotificationLine]


# --- words ----------------------------------------------------------------


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else ""


def duration_words(seconds: float | None) -> str:
    if seconds is None:
        return "ongoing"
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3_600:
        return f"{seconds // 60} min {seconds % 60} s"
    if seconds < 86_400:
        return f"{seconds // 3_600} h {seconds % 3_600 // 60} min"
    return f"{seconds // 86_400} d {seconds % 86_400 // 3_600} h"


def cause_words(cause: str) -> str:
    return CAUSES.get(cause, cause)


def _duration(incident: Incident, at: datetime) -> str:
    if incident.ended_at is None:
        return "ongoing, " + duration_words((at - incident.started_at).total_seconds())
    return duration_words(incident.duration_seconds)


def _resolved_by(incident: Incident) -> str:
    if incident.ended_at is None:
        return ""
    return "by hand" if incident.resolved_by == ResolvedBy.MANUAL else "automatically"


def _monitor_name(name: str, deleted: bool) -> str:
    return f"{name} (deleted)" if deleted else name


def incident_row(found: core.IncidentOfMonitor, at: datetime) -> IncidentRow:
    incident = found.incident
    return IncidentRow(
        id=incident.id,
        monitor=_monitor_name(found.monitor_name, found.monitor_deleted),
        started=_when(incident.started_at),
        ended=_when(incident.ended_at) or "open",
        duration=_duration(incident, at),
        cause=cause_words(incident.cause),
        reason=incident.error_message or "",
        regions=", ".join(str(r) for r in incident.affected_regions or []),
        resolved_by=_resolved_by(incident),
        is_open=incident.ended_at is None,
    )


def load_rows(
    organization_id: str, engine: Engine | None = None
) -> tuple[list[IncidentRow], list[IncidentRow], tuple]:
    """(open rows, past rows, fingerprint) of one organization."""
    at = datetime.now(UTC)
    with Session(engine or get_engine()) as session:
        fingerprint = core.incidents_fingerprint(session, organization_id)
        open_rows = core.list_incidents(session, organization_id, open_=True)
        past = core.list_incidents(
            session, organization_id, open_=False, limit=LIST_LIMIT
        )
    return (
        [incident_row(i, at) for i in open_rows],
        [incident_row(i, at) for i in past],
        fingerprint,
    )


def fingerprint_of(organization_id: str, engine: Engine | None = None) -> tuple:
    with Session(engine or get_engine()) as session:
        return core.incidents_fingerprint(session, organization_id)


def timeline_of(
    incident: Incident,
    notifications: list,
    contact_names: dict[int, str],
    updates: list,
) -> list[TimelineEntry]:
    """Opened, every alert attempt, every posted update and the resolution,
    in the order they happened."""
    entries: list[tuple[datetime, int, TimelineEntry]] = []
    opened_detail = cause_words(incident.cause)
    if incident.error_message:
        opened_detail += f": {incident.error_message}"
    if incident.affected_regions:
        opened_detail += f" (regions: {', '.join(incident.affected_regions)})"
    entries.append(
        (
            incident.started_at,
            0,
            TimelineEntry(
                _when(incident.started_at),
                "opened",
                "Incident opened",
                opened_detail,
                "",
            ),
        )
    )
    for n in notifications:
        who = contact_names.get(n.contact_id, f"contact {n.contact_id}")
        if n.success:
            outcome = "ok"
        else:
            outcome = "gave up" if n.permanent else "failed"
        detail = f"attempt {n.attempt}"
        if n.error:
            detail += f": {n.error}"
        entries.append(
            (
                n.sent_at,
                1,
                TimelineEntry(
                    _when(n.sent_at),
                    "alert",
                    f"{EVENT_WORDS.get(n.type, n.type).capitalize()} to {who}",
                    detail,
                    outcome,
                ),
            )
        )
    for u in updates:
        entries.append(
            (
                u.created_at,
                1,
                TimelineEntry(
                    _when(u.created_at), "update", f"Update: {u.status}", u.message, ""
                ),
            )
        )
    if incident.ended_at is not None:
        detail = f"after {duration_words(incident.duration_seconds)}"
        if incident.resolved_by == ResolvedBy.MANUAL and incident.notes:
            detail += f". Notes: {incident.notes}"
        entries.append(
            (
                incident.ended_at,
                2,
                TimelineEntry(
                    _when(incident.ended_at),
                    "resolved",
                    f"Resolved {_resolved_by(incident)}",
                    detail,
                    "",
                ),
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [entry for _, _, entry in entries]


def load_detail(
    organization_id: str, incident_id: int, engine: Engine | None = None
) -> DetailView | None:
    """One incident of one organization, or None when it is not theirs."""
    at = datetime.now(UTC)
    with Session(engine or get_engine()) as session:
        incident = core.get_incident(session, organization_id, incident_id)
        if incident is None:
            return None
        monitor = session.get(Monitor, incident.monitor_id)
        notifications = core.alert_attempts(session, organization_id, incident.id)
        ids = sorted({n.contact_id for n in notifications})
        contacts = {
            c.id: c
            for c in session.exec(select(AlertContact).where(AlertContact.id.in_(ids)))
        }
        updates = core.incident_updates(session, organization_id, incident.id)

    names = {cid: c.name for cid, c in contacts.items()}
    header = IncidentHeader(
        id=incident.id,
        monitor_id=incident.monitor_id,
        monitor=_monitor_name(monitor.name, str(monitor.status) == "deleted"),
        is_open=incident.ended_at is None,
        started=_when(incident.started_at),
        ended=_when(incident.ended_at) or "open",
        duration=_duration(incident, at),
        cause=cause_words(incident.cause),
        reason=incident.error_message or "",
        regions=", ".join(str(r) for r in incident.affected_regions or []) or "—",
        resolved_by=_resolved_by(incident),
        notes=incident.notes or "",
    )
    lines = [
        NotificationLine(
            when=_when(n.sent_at),
            contact=names.get(n.contact_id, f"contact {n.contact_id}"),
            channel=str(contacts[n.contact_id].type)
            if n.contact_id in contacts
            else "",
            event=EVENT_WORDS.get(n.type, n.type),
            attempt=n.attempt,
            outcome=("ok" if n.success else "gave up" if n.permanent else "failed"),
            error=n.error or "",
        )
        for n in notifications
    ]
    return DetailView(
        header, timeline_of(incident, notifications, names, updates), lines
    )


# --- changes ----------------------------------------------------------------


def _publish(organization_id: str, monitor_id: int, incident_id: int, action: str):
    url = get_settings().redis_url
    if not url:
        return
    client = bus.connect(url)
    try:
        bus.publish_change(
            client,
            organization_id,
            monitor_id=monitor_id,
            incident_id=incident_id,
            incident_action=action,
        )
    finally:
        client.close()


def resolve(organization_id: str, incident_id: int, notes: str) -> None:
    with Session(get_engine(), expire_on_commit=False) as session:
        incident = core.resolve_by_hand(session, organization_id, incident_id, notes)
    _publish(organization_id, incident.monitor_id, incident.id, "resolved")


def save_notes(organization_id: str, incident_id: int, notes: str) -> None:
    with Session(get_engine(), expire_on_commit=False) as session:
        incident = core.save_notes(session, organization_id, incident_id, notes)
    _publish(organization_id, incident.monitor_id, incident.id, "notes")


def post_update(organization_id: str, incident_id: int, status: str, message: str):
    with Session(get_engine(), expire_on_commit=False) as session:
        update = post_incident_update(
            session, organization_id, incident_id, status, message
        )
        monitor_id = session.get(Incident, update.incident_id).monitor_id
    _publish(organization_id, monitor_id, incident_id, "update")


# --- live -------------------------------------------------------------------

# client token -> organization id, for open list tabs
_list_watchers: dict[str, str] = {}
# client token -> (organization id, incident id, monitor id), for detail tabs
_detail_watchers: dict[str, tuple[str, int, int]] = {}
# organization id -> the fingerprint its list tabs last showed
_fingerprints: dict[str, tuple] = {}


def watch_list(token: str, organization_id: str, fingerprint: tuple) -> None:
    _detail_watchers.pop(token, None)
    _list_watchers[token] = organization_id
    _fingerprints[organization_id] = fingerprint


def watch_detail(token: str, organization_id: str, incident_id: int, monitor_id: int):
    _list_watchers.pop(token, None)
    _detail_watchers[token] = (organization_id, incident_id, monitor_id)


def forget(token: str) -> None:
    _list_watchers.pop(token, None)
    _detail_watchers.pop(token, None)


async def _connected(app: rx.App, tokens) -> set[str]:
    """The tokens whose tab is still open; the others are forgotten. Asked
    before any query, so that closed tabs cost no database work."""
    token_manager = app.event_namespace._token_manager
    alive = set()
    for token in tokens:
        if await token_manager.is_token_connected(token):
            alive.add(token)
        else:
            forget(token)
    return alive


async def _modify(app: rx.App, token: str, cls, change) -> None:
    try:
        async with app.modify_state(rx.BaseStateToken(ident=token, cls=cls)) as root:
            change(await root.get_state(cls))
    except Exception:
        # One tab's trouble must not hold back the others.
        logger.exception("live incidents push to a tab failed")


async def push_incidents(
    app: rx.App, organization_id: str | None, monitor_ids: frozenset[int] | None
) -> None:
    """Bring open incident tabs up to date (every tab when
    ``organization_id`` is None: after a lost Redis connection)."""
    lists = {
        token: org
        for token, org in list(_list_watchers.items())
        if organization_id is None or org == organization_id
    }
    alive = await _connected(app, lists)
    lists = {token: org for token, org in lists.items() if token in alive}
    for org in set(lists.values()):
        fingerprint = await asyncio.to_thread(fingerprint_of, org)
        if organization_id is not None and _fingerprints.get(org) == fingerprint:
            continue
        open_rows, past_rows, fingerprint = await asyncio.to_thread(load_rows, org)
        _fingerprints[org] = fingerprint
        for token in [t for t, o in lists.items() if o == org]:
            await _modify(
                app,
                token,
                IncidentListState,
                lambda view, o=open_rows, p=past_rows: view._show(o, p),
            )

    details = {
        token: watched
        for token, watched in list(_detail_watchers.items())
        if (organization_id is None or watched[0] == organization_id)
        and (monitor_ids is None or watched[2] in monitor_ids)
    }
    alive = await _connected(app, details)
    details = {token: w for token, w in details.items() if token in alive}
    views: dict[tuple[str, int], DetailView | None] = {}
    for token, (org, incident_id, _) in details.items():
        if (org, incident_id) not in views:
            views[org, incident_id] = await asyncio.to_thread(
                load_detail, org, incident_id
            )
        view = views[org, incident_id]

        def show(state, incident_id=incident_id, view=view):
            if state.incident_id == incident_id:
                state._show(view)

        await _modify(app, token, IncidentDetailState, show)


live.add_pusher(push_incidents)


# --- the states -------------------------------------------------------------


def _can_write(state) -> bool:
    return identity_for(state).can(accounts.WRITE)


class IncidentListState(rx.State):
    open_rows: list[IncidentRow] = []
    past_rows: list[IncidentRow] = []
    loaded: bool = False

    def _show(self, open_rows: list[IncidentRow], past_rows: list[IncidentRow]):
        self.open_rows = open_rows
        self.past_rows = past_rows
        self.loaded = True

    @rx.event(background=True)
    async def load(self):
        """Read the organization's incidents and watch them for changes."""
        organization_id = organization_for(self)
        open_rows, past_rows, fingerprint = await asyncio.to_thread(
            load_rows, organization_id
        )
        async with self:
            watch_list(self.router.session.client_token, organization_id, fingerprint)
            self._show(open_rows, past_rows)


def route_incident_id(state: rx.State) -> int | None:
    raw = state.router._page.params.get("incident_id", "")
    try:
        return int(str(raw))
    except ValueError:
        return None


class IncidentDetailState(rx.State):
    incident_id: int = 0
    found: bool = True
    loaded: bool = False
    can_write: bool = False
    header: IncidentHeader = IncidentHeader()
    timeline: list[TimelineEntry] = []
    notifications: list[NotificationLine] = []
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False

    @rx.var
    def statuses(self) -> list[str]:
        return list(INCIDENT_STATUSES)

    def _show(self, view: DetailView | None) -> None:
        self.loaded = True
        if view is None:
            self.found = False
            self.header = IncidentHeader()
            self.timeline, self.notifications = [], []
            return
        self.found = True
        self.header = view.header
        self.timeline = view.timeline
        self.notifications = view.notifications

    @rx.event(background=True)
    async def load(self):
        """Read the incident named by the route and watch it for changes."""
        organization_id = organization_for(self)
        can_write = _can_write(self)
        async with self:
            incident_id = route_incident_id(self)
            token = self.router.session.client_token
            self.incident_id = incident_id or 0
            self.can_write = can_write
            self.errors, self.notice = {}, ""
        view = None
        if incident_id is not None:
            view = await asyncio.to_thread(load_detail, organization_id, incident_id)
        async with self:
            if view is not None:
                watch_detail(
                    token, organization_id, incident_id, view.header.monitor_id
                )
            else:
                forget(token)
            self._show(view)

    async def _change(self, work, done: str):
        """Run ``work(organization_id)`` for a member, then reload the view."""
        async with self:
            self.busy, self.errors, self.notice = True, {}, ""
            incident_id = self.incident_id
        try:
            organization_id = require_write(self)
        except PermissionError:
            async with self:
                self.busy = False
            raise
        errors: dict[str, str] = {}
        try:
            await asyncio.to_thread(work, organization_id, incident_id)
        except (core.IncidentNotFound, StatusPageNotFound):
            errors = {"incident": "No such incident in this organization."}
        except core.IncidentInvalid as exc:
            errors = {exc.field: exc.message}
        except StatusPageError as exc:
            errors = {exc.field: exc.message}
        view = await asyncio.to_thread(load_detail, organization_id, incident_id)
        async with self:
            self.busy = False
            self.errors = errors
            self.notice = "" if errors else done
            self._show(view)

    @rx.event(background=True)
    async def resolve(self, form_data: dict):
        notes = str(form_data.get("notes", ""))
        await self._change(
            lambda org, incident_id: resolve(org, incident_id, notes),
            "Resolved by hand.",
        )

    @rx.event(background=True)
    async def save_notes(self, form_data: dict):
        notes = str(form_data.get("notes", ""))
        await self._change(
            lambda org, incident_id: save_notes(org, incident_id, notes),
            "Notes saved.",
        )

    @rx.event(background=True)
    async def post_update(self, form_data: dict):
        status = str(form_data.get("status", ""))
        message = str(form_data.get("message", ""))
        await self._change(
            lambda org, incident_id: post_update(org, incident_id, status, message),
            "Update posted.",
        )
