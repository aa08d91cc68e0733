"""Fixtures every area of the suite shares: a real Redis, real databases.

The database fixtures run each test on SQLite and, when
``ISUP_TEST_POSTGRES_URL`` is set, again on PostgreSQL, in a database of its
own made for this run (so that two runs on one server never meet).
"""

import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

from isup_app.core import models  # noqa: F401
from isup_app.core.bootstrap import seed
from isup_app.core.db import make_engine, migrate
from isup_app.core.embedded_redis import EmbeddedRedis

POSTGRES_URL = os.environ.get("ISUP_TEST_POSTGRES_URL", "")
DEFAULT_ORG = "org_test"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis]:
    with EmbeddedRedis() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'isup.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tier: set ISUP_TEST_POSTGRES_URL to run it")
    server = make_url(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"isup_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> Iterator[str]:
    """A migrated, empty database, seeded with roles and ``org_test``."""
    url = request.getfixturevalue(f"{request.param}_url")
    engine = make_engine(url)
    _empty(engine)
    with Session(engine) as session:
        seed(session, DEFAULT_ORG)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
