"""From a decided event to the alerts it owes: who hears, and what they read.

The evaluator decides *whether* a message is owed (``transition.notify``,
against the last notified state, never inside maintenance). This module turns
that into outbox rows, one per contact, in the evaluator's own transaction
(``on_transition``), and wakes the notifier after the commit
(``wake_notifier``). Certificate expiry notices (``on_results``) and reminders
while a monitor stays down (``queue_reminders``, run by the notifier's
sweeper) are written the same way.

Every row has an ``event_key`` that names the event and the contact; the key
is unique in the table, so deciding one event twice still queues one alert.
"""

import logging
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from checker.channels import Message
from isup_app.core import bus
from isup_app.core.contacts import recipients
from isup_app.core.maintenance import in_maintenance
from isup_app.core.models import (
    AlertContact,
    CheckResult,
    Incident,
    Monitor,
    MonitorState,
    MonitorStatus,
    NotificationOutbox,
)
from isup_app.core.settings import get_settings

logger = logging.getLogger(__name__)

PHASES = {
    "dns": "DNS lookup",
    "connect": "connection",
    "tls": "TLS handshake",
    "request": "sending the request",
    "response": "reading the response",
    "timeout": "timeout",
    "status": "HTTP status",
    "content": "response body",
    "keyword": "keyword check",
    "certificate": "certificate",
    "assertion": "assertion",
    "heartbeat": "heartbeat",
    "config": "configuration",
}


# --- hooks the evaluator calls --------------------------------------------------


def on_transition(session: Session, monitor: Monitor, transition) -> None:
    """TRANSITION_HOOKS entry: queue the down or up message the evaluator
    decided is owed, for every contact that should hear it."""
    if transition.notify is None:
        return
    event = str(transition.notify)
    if event == "down":
        queue_down(session, monitor, transition.incident, transition.at)
    elif event == "up":
        incident = transition.incident or _last_incident(session, monitor)
        queue_up(session, monitor, incident, transition.at)


def wake_notifier(client: redis.Redis, transitions: list) -> None:
    """AFTER_COMMIT_HOOKS entry: tell the notifier which monitors have alerts
    waiting. Losing this (a crash right after the commit) only delays them
    until the notifier's sweeper finds the rows."""
    monitor_ids = sorted({t.monitor_id for t in transitions if t.notify is not None})
    for monitor_id in monitor_ids:
        client.xadd(
            bus.NOTIFY_STREAM,
            {"monitor_id": str(monitor_id)},
            maxlen=10_000,
            approximate=True,
        )


def on_results(session: Session, rows: list[CheckResult]) -> None:
    """RESULT_HOOKS entry: queue certificate expiry notices, once for each of
    the monitor's ``ssl_expiry_alert_days`` thresholds and certificate."""
    latest: dict[int, CheckResult] = {}
    for row in rows:
        if row.ssl_expiry_date is not None:
            latest[row.monitor_id] = row
    for monitor_id, row in latest.items():
        monitor = session.get(Monitor, monitor_id)
        if monitor is None or not monitor.ssl_expiry_alert_days:
            continue
        if in_maintenance(session, monitor, row.timestamp):
            continue
        queue_ssl_expiry(session, monitor, row.ssl_expiry_date, row.timestamp)


# --- what to queue --------------------------------------------------------------


def queue_down(
    session: Session, monitor: Monitor, incident: Incident | None, at: datetime
) -> int:
    if incident is None:
        logger.warning("down notice without an incident monitor=%s", monitor.id)
        return 0
    settings = get_settings()
    phase = PHASES.get(incident.cause, incident.cause)
    reason = incident.error_message or monitor.state_reason or "no reason given"
    since = incident.started_at
    text = (
        f"{monitor.name} is down since {_when(since)}.\n"
        f"What failed: {phase}.\n"
        f"Why: {reason}"
    )
    if incident.affected_regions:
        text += f"\nRegions: {', '.join(incident.affected_regions)}"
    data = _data(monitor, incident, "down", at) | {
        "phase": incident.cause,
        "reason": reason,
        "since": since.isoformat(),
    }
    return _queue(
        session,
        monitor,
        recipients(session, monitor),
        event="down",
        key=f"inc:{incident.id}:down",
        incident=incident,
        subject=f"{monitor.name} is down",
        text=text,
        link=_link(settings, monitor),
        data=data,
        at=at,
    )


def queue_up(
    session: Session, monitor: Monitor, incident: Incident | None, at: datetime
) -> int:
    if incident is None:
        logger.warning("up notice without an incident monitor=%s", monitor.id)
        return 0
    settings = get_settings()
    ended = incident.ended_at or at
    down_for = ended - incident.started_at
    text = (
        f"{monitor.name} is up again since {_when(ended)}.\n"
        f"It was down for {describe_duration(down_for)}, "
        f"since {_when(incident.started_at)}."
    )
    data = _data(monitor, incident, "up", at) | {
        "since": incident.started_at.isoformat(),
        "ended_at": ended.isoformat(),
        "down_seconds": int(down_for.total_seconds()),
    }
    # The recovery goes to those who were told of the failure and can still
    # be reached.
    told = set(
        session.exec(
            select(NotificationOutbox.contact_id).where(
                NotificationOutbox.incident_id == incident.id,
                NotificationOutbox.type == "down",
            )
        )
    )
    contacts = [c for c in recipients(session, monitor) if c.id in told]
    return _queue(
        session,
        monitor,
        contacts,
        event="up",
        key=f"inc:{incident.id}:up",
        incident=incident,
        subject=f"{monitor.name} is up",
        text=text,
        link=_link(settings, monitor),
        data=data,
        at=at,
    )


def queue_reminders(session: Session, at: datetime) -> int:
    """Remind every ``reminder_minutes`` while an incident stays open and its
    down message went out. Each period is reminded once; missed periods are
    not made up."""
    settings = get_settings()
    rows = session.exec(
        select(Monitor, Incident)
        .join(Incident, Incident.monitor_id == Monitor.id)
        .where(
            Incident.ended_at.is_(None),
            Monitor.reminder_minutes.is_not(None),
            Monitor.reminder_minutes > 0,
            Monitor.status == MonitorStatus.ACTIVE,
            Monitor.notified_state == MonitorState.DOWN,
        )
    )
    queued = 0
    for monitor, incident in rows:
        period = timedelta(minutes=monitor.reminder_minutes)
        count = int((at - incident.started_at) / period)
        if count < 1 or in_maintenance(session, monitor, at):
            continue
        down_for = at - incident.started_at
        queued += _queue(
            session,
            monitor,
            recipients(session, monitor),
            event="reminder",
            key=f"inc:{incident.id}:reminder{count}",
            incident=incident,
            subject=f"{monitor.name} is still down",
            text=(
                f"{monitor.name} has been down for {describe_duration(down_for)}, "
                f"since {_when(incident.started_at)}.\n"
                f"Why: {incident.error_message or monitor.state_reason or '?'}"
            ),
            link=_link(settings, monitor),
            data=_data(monitor, incident, "reminder", at)
            | {"since": incident.started_at.isoformat(), "reminder": count},
            at=at,
            wake_later=True,
        )
    return queued


def queue_ssl_expiry(
    session: Session, monitor: Monitor, expires: datetime, at: datetime
) -> int:
    days_left = (expires - at).total_seconds() / 86400
    crossed = [d for d in monitor.ssl_expiry_alert_days if days_left <= d]
    if not crossed:
        return 0
    threshold = min(crossed)
    settings = get_settings()
    whole_days = max(int(days_left), 0)
    subject = (
        f"The certificate of {monitor.name} has expired"
        if days_left <= 0
        else f"The certificate of {monitor.name} expires in {whole_days} days"
    )
    return _queue(
        session,
        monitor,
        recipients(session, monitor),
        event="ssl_expiry",
        key=f"ssl:{monitor.id}:{expires.date().isoformat()}:{threshold}d",
        incident=None,
        subject=subject,
        text=(
            f"{subject}: it is valid until {_when(expires)}. "
            "Renew it before visitors see a warning."
        ),
        link=_link(settings, monitor),
        data=_data(monitor, None, "ssl_expiry", at)
        | {"expires_at": expires.isoformat(), "threshold_days": threshold},
        at=at,
        wake_later=True,
    )


# --- writing rows ---------------------------------------------------------------


def _queue(
    session: Session,
    monitor: Monitor,
    contacts: list[AlertContact],
    *,
    event: str,
    key: str,
    incident: Incident | None,
    subject: str,
    text: str,
    link: str,
    data: dict,
    at: datetime,
    wake_later: bool = False,
) -> int:
    """Insert one outbox row per contact, skipping keys already there.

    Rows the after-commit hook will announce are marked enqueued now, so that
    the sweeper leaves them alone unless the announcement is lost; the
    others (``wake_later``) wait for the sweeper.
    """
    if not contacts:
        return 0
    values = []
    for contact in contacts:
        event_key = f"{key}:c{contact.id}"
        message = Message(
            event=event,
            subject=subject,
            text=text,
            key=event_key,
            link=link,
            data=data,
        )
        values.append(
            {
                "event_key": event_key,
                "organization_id": monitor.organization_id,
                "monitor_id": monitor.id,
                "incident_id": incident.id if incident else None,
                "contact_id": contact.id,
                "type": event,
                "message": message.to_dict(),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": at,
                "enqueued_at": None if wake_later else at,
                "decided_at": at,
                "created_at": at,
            }
        )
    table = NotificationOutbox.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=["event_key"])
        .returning(table.c.id)
    )
    # RETURNING names the rows really inserted (rowcount is -1 on psycopg).
    new = len(session.execute(statement).all())
    logger.info(
        "alerts queued monitor=%s event=%s key=%s contacts=%d new=%s",
        monitor.id,
        event,
        key,
        len(values),
        new,
    )
    return new


# --- words ----------------------------------------------------------------------


def describe_duration(span: timedelta) -> str:
    seconds = max(int(span.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{value} {unit}{'' if value == 1 else 's'}"
        for value, unit in (
            (days, "day"),
            (hours, "hour"),
            (minutes, "minute"),
            (seconds, "second"),
        )
        if value
    ]
    if not parts:
        return "less than a second"
    return " ".join(parts[:2])


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _link(settings, monitor: Monitor) -> str:
    return f"{settings.public_url.rstrip('/')}/monitors/{monitor.id}"


def _data(
    monitor: Monitor, incident: Incident | None, event: str, at: datetime
) -> dict:
    return {
        "monitor": {
            "id": monitor.id,
            "name": monitor.name,
            "type": str(monitor.type),
            "target": _safe_target(monitor.url),
        },
        "incident_id": incident.id if incident else None,
        "state": str(monitor.current_state),
        "at": at.isoformat(),
    }


def _safe_target(url: str) -> str:
    """The monitored address without credentials (``user:pass@``)."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    host_part, slash, path = rest.partition("/")
    return f"{scheme}://{host_part.rsplit('@', 1)[-1]}{slash}{path}"


def _last_incident(session: Session, monitor: Monitor) -> Incident | None:
    return session.exec(
        select(Incident)
        .where(Incident.monitor_id == monitor.id)
        .order_by(Incident.started_at.desc(), Incident.id.desc())
        .limit(1)
    ).first()
