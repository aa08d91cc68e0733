"""Fixtures for the check tests: loopback servers the tests start and stop,
and monitors built through the same validation the dashboard uses."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from isup_app.core.models import Monitor
from isup_app.core.monitors import validate_monitor
from tests.checks.servers import (
    DNSResponder,
    Issued,
    Listener,
    LoopbackHTTP,
    Reply,
    issue,
    server_context,
)


def build_monitor(**data) -> Monitor:
    """A monitor as saved (validated), not stored: runners need no database."""
    data.setdefault("name", "Target")
    data.setdefault("timeout_seconds", 3)
    clean = validate_monitor(data)
    monitor = Monitor(id=1, organization_id="org_test", **clean)
    monitor.created_at = datetime.now(UTC)
    return monitor


@pytest.fixture
def http_server() -> Iterator:
    """``http_server(routes, tls=None)`` starts a server; all stop after."""
    started: list[LoopbackHTTP] = []

    def start(routes, tls=None) -> LoopbackHTTP:
        server = LoopbackHTTP(routes, tls)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def listener() -> Iterator:
    started: list[Listener] = []

    def start(accept: bool = True) -> Listener:
        lst = Listener(accept)
        started.append(lst)
        return lst

    yield start
    for lst in started:
        lst.close()


@pytest.fixture
def dns_server() -> Iterator:
    started: list[DNSResponder] = []

    def start(records, rotate=()) -> DNSResponder:
        server = DNSResponder(records, rotate)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture(scope="session")
def authority() -> dict[str, Issued]:
    """A root CA and an intermediate under it."""
    root = issue("IsUp Test Root", ca=True, valid_for=timedelta(days=3650))
    intermediate = issue("IsUp Test Intermediate", issuer=root, ca=True)
    return {"root": root, "intermediate": intermediate}


@pytest.fixture
def tls_server(http_server, tmp_path, authority):
    """``tls_server(leaf, chain=(), routes=None)``: HTTPS serving ``leaf``."""

    def start(leaf: Issued, chain=(), routes=None) -> LoopbackHTTP:
        context = server_context(tmp_path, leaf, tuple(chain))
        return http_server(routes or {"/": Reply(200, b"secure")}, tls=context)

    return start
