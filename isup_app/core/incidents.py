"""Incidents as people handle them: listing, reading and resolving by hand.

The evaluator opens an incident when a monitor goes down and resolves it
when the monitor is up again (``checker/evaluator.py``). This module is the
other side: what a person sees and does. Every query is scoped to one
organization; an incident of another organization reads as not found.

Resolving by hand closes the incident at once with the person's notes, even
while the monitor is still down: no new incident opens until the monitor has
been up and goes down again, and the recovery message still goes out when it
comes back. Public updates for status pages (investigating, identified,
monitoring, resolved) are posted with
``isup_app.core.status_pages.post_incident_update``.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from isup_app.core.models import (
    Incident,
    IncidentUpdate,
    Monitor,
    Notification,
    ResolvedBy,
    now,
)

logger = logging.getLogger(__name__)

NOTES_MAX = 5000


class IncidentNotFound(LookupError):
    """No such incident in this organization."""


class IncidentInvalid(ValueError):
    """A change that cannot be made; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class IncidentOfMonitor:
    incident: Incident
    monitor_name: str
    monitor_deleted: bool


def get_incident(
    session: Session, organization_id: str, incident_id: int
) -> Incident | None:
    incident = session.get(Incident, incident_id)
    if incident is None or incident.organization_id != organization_id:
        return None
    return incident


def list_incidents(
    session: Session, organization_id: str, *, open_: bool, limit: int = 50
) -> list[IncidentOfMonitor]:
    """Open incidents (oldest first), or past ones (latest first)."""
    query = (
        select(Incident, Monitor.name, Monitor.status)
        .join(Monitor, Monitor.id == Incident.monitor_id)
        .where(Incident.organization_id == organization_id)
    )
    if open_:
        query = query.where(Incident.ended_at.is_(None)).order_by(
            Incident.started_at, Incident.id
        )
    else:
        query = query.where(Incident.ended_at.is_not(None)).order_by(
            Incident.started_at.desc(), Incident.id.desc()
        )
    rows = session.exec(query.limit(limit)).all()
    return [
        IncidentOfMonitor(incident, name, str(status) == "deleted")
        for incident, name, status in rows
    ]


def incidents_fingerprint(session: Session, organization_id: str) -> tuple:
    """A cheap summary that changes whenever an incident of the organization
    opens, resolves or gets notes: live views reload only when it moves."""
    row = session.exec(
        select(
            sa.func.count(Incident.id),
            sa.func.max(Incident.id),
            sa.func.count(Incident.ended_at),
            sa.func.sum(sa.func.length(sa.func.coalesce(Incident.notes, ""))),
        ).where(Incident.organization_id == organization_id)
    ).one()
    return tuple(row)


def incident_updates(
    session: Session, organization_id: str, incident_id: int
) -> list[IncidentUpdate]:
    """The updates posted about one incident, oldest first."""
    return list(
        session.exec(
            select(IncidentUpdate)
            .where(
                IncidentUpdate.organization_id == organization_id,
                IncidentUpdate.incident_id == incident_id,
            )
            .order_by(IncidentUpdate.created_at, IncidentUpdate.id)
        )
    )


def alert_attempts(
    session: Session, organization_id: str, incident_id: int
) -> list[Notification]:
    """Every attempt to tell a contact about one incident, oldest first."""
    return list(
        session.exec(
            select(Notification)
            .where(
                Notification.organization_id == organization_id,
                Notification.incident_id == incident_id,
            )
            .order_by(Notification.sent_at, Notification.id)
        )
    )


def _clean_notes(notes: str | None) -> str | None:
    text = (notes or "").strip()
    if len(text) > NOTES_MAX:
        raise IncidentInvalid("notes", f"at most {NOTES_MAX} characters")
    return text or None


def resolve_by_hand(
    session: Session,
    organization_id: str,
    incident_id: int,
    notes: str | None = None,
    *,
    at: datetime | None = None,
) -> Incident:
    """Close an open incident now, with the person's notes.

    The monitor's row is locked first (PostgreSQL), as the evaluator locks it
    before deciding, so that a manual and an automatic resolution never both
    write the end."""
    clean = _clean_notes(notes)
    incident = get_incident(session, organization_id, incident_id)
    if incident is None:
        raise IncidentNotFound(f"no incident {incident_id}")
    session.exec(
        select(Monitor.id).where(Monitor.id == incident.monitor_id).with_for_update()
    ).first()
    session.refresh(incident)
    if incident.ended_at is not None:
        raise IncidentInvalid("incident", "this incident is already resolved")

    at = max(at or now(), incident.started_at)
    incident.ended_at = at
    incident.duration_seconds = int((at - incident.started_at).total_seconds())
    incident.resolved_by = ResolvedBy.MANUAL
    if clean:
        incident.notes = clean
    session.add(incident)
    session.commit()
    session.refresh(incident)
    logger.info(
        "incident resolved by hand id=%s monitor=%s duration_s=%s",
        incident.id,
        incident.monitor_id,
        incident.duration_seconds,
    )
    return incident


def save_notes(
    session: Session, organization_id: str, incident_id: int, notes: str | None
) -> Incident:
    """Replace an incident's private notes (open or resolved)."""
    clean = _clean_notes(notes)
    incident = get_incident(session, organization_id, incident_id)
    if incident is None:
        raise IncidentNotFound(f"no incident {incident_id}")
    incident.notes = clean
    session.add(incident)
    session.commit()
    session.refresh(incident)
    return incident
