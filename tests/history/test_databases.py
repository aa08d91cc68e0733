"""SQLite and PostgreSQL give the same answers for the same history."""

import random
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from isup_app.core import history
from isup_app.core.bootstrap import seed
from isup_app.core.db import make_engine
from isup_app.core.models import CheckResultDaily, CheckResultHourly
from tests.factories import make_monitor
from tests.history.conftest import every, write_results

START = datetime(2026, 2, 26, 18, 0, tzinfo=UTC)
NOW = START + timedelta(days=3)


def _answers(url: str) -> dict:
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())
    rng = random.Random(11)
    with Session(engine, expire_on_commit=False) as session:
        seed(session, "org_test")
        monitor = make_monitor(session, created_at=START)
        for region in ("eu", "us"):
            checks = []
            for at in every(START, NOW, 90):
                if rng.random() < 0.03:
                    continue  # a missed check
                status = rng.choices(
                    ["up", "degraded", "down", "unknown"], [85, 5, 9, 1]
                )
                checks.append((at, status[0], rng.randint(0, 3000)))
            write_results(session, monitor, checks, region=region, batch=333)

        answers = {
            "bars": [
                b._asdict()
                for b in history.daily_bars(session, [monitor.id], days=5, now=NOW)[
                    monitor.id
                ]
            ],
            "summary": asdict(
                history.uptime_summary(session, [monitor.id], NOW)[monitor.id]
            ),
            "exact": asdict(
                history.exact_uptime(session, monitor, START, NOW, now=NOW)
            ),
            "rollup": history.rollup_uptime(session, [monitor.id], START, NOW)[
                monitor.id
            ],
        }
        for table in (CheckResultHourly, CheckResultDaily):
            t = table.__table__
            rows = session.connection().execute(
                sa.select(t).order_by(*t.primary_key.columns)
            )
            answers[t.name] = [
                {k: v for k, v in r._mapping.items() if k != "monitor_id"} for r in rows
            ]
    engine.dispose()
    return answers


def test_sqlite_and_postgresql_give_the_same_answers(sqlite_url, postgres_url):
    on_sqlite, on_postgres = _answers(sqlite_url), _answers(postgres_url)

    assert on_sqlite["exact"]["down_seconds"] > 0
    for key in on_sqlite:
        if key in ("check_results_hourly", "check_results_daily"):
            for a, b in zip(on_sqlite[key], on_postgres[key], strict=True):
                a["avg_response_time"] = round(a["avg_response_time"], 6)
                b["avg_response_time"] = round(b["avg_response_time"], 6)
        assert on_sqlite[key] == on_postgres[key], key
