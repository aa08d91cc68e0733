"""Rows for tests, with keyword overrides."""

from sqlmodel import Session

from isup_app.core.models import Monitor, MonitorType, Organization

DEFAULT_ORG = "org_test"


def make_org(session: Session, **overrides) -> Organization:
    org = Organization(**{"name": "Acme", **overrides})
    session.add(org)
    session.commit()
    return org


def make_monitor(session: Session, **overrides) -> Monitor:
    fields = {
        "organization_id": DEFAULT_ORG,
        "name": "Website",
        "type": MonitorType.HTTP,
        "url": "http://127.0.0.1:9/",
        "interval_seconds": 60,
        "timeout_seconds": 5,
        "regions": ["local"],
    }
    fields.update(overrides)
    monitor = Monitor(**fields)
    session.add(monitor)
    session.commit()
    session.refresh(monitor)
    return monitor
