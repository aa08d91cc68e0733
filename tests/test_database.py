"""The schema: one migration, both databases, the rules the database keeps."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from isup_app.core.models import Incident, Monitor, Role, now
from tests.factories import make_monitor


def test_migration_matches_the_tables(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_seed_creates_the_four_roles(session):
    names = sorted(role.name.value for role in session.exec(select(Role)))
    assert names == ["admin", "member", "owner", "viewer"]


def test_times_come_back_aware_and_in_utc(session):
    monitor = make_monitor(session)
    session.expire_all()
    loaded = session.get(Monitor, monitor.id)
    assert loaded.created_at.tzinfo is not None
    assert abs(loaded.created_at - now()) < timedelta(minutes=1)


def test_a_monitor_has_at_most_one_open_incident(session):
    monitor = make_monitor(session)
    session.add(
        Incident(
            monitor_id=monitor.id,
            organization_id=monitor.organization_id,
            started_at=now(),
            cause="status",
        )
    )
    session.commit()
    session.add(
        Incident(
            monitor_id=monitor.id,
            organization_id=monitor.organization_id,
            started_at=now(),
            cause="status",
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()


def test_resolved_incidents_do_not_count_against_the_open_one(session):
    monitor = make_monitor(session)
    for _ in range(2):
        session.add(
            Incident(
                monitor_id=monitor.id,
                organization_id=monitor.organization_id,
                started_at=now(),
                ended_at=now(),
                cause="status",
            )
        )
    session.add(
        Incident(
            monitor_id=monitor.id,
            organization_id=monitor.organization_id,
            started_at=now(),
            cause="status",
        )
    )
    session.commit()
    assert len(session.exec(select(Incident)).all()) == 3
