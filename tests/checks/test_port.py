"""Port checks against loopback listeners (case C4)."""

import time

from checker.runners import run_check
from isup_app.core.outcome import Phase, Verdict
from tests.checks.conftest import build_monitor
from tests.checks.servers import free_port


def port_monitor(port: int, host: str = "127.0.0.1", **fields):
    fields.setdefault("timeout_seconds", 1)
    return build_monitor(type="port", url=host, port=port, **fields)


async def test_port_check_reports_refused_well_under_the_timeout():
    began = time.perf_counter()
    outcome = await run_check(port_monitor(free_port()))
    took = time.perf_counter() - began

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.CONNECT
    assert outcome.reason == "connection refused"
    assert took < 0.5


async def test_port_check_is_up_on_a_listening_port(listener):
    target = listener(accept=True)

    outcome = await run_check(port_monitor(target.port))

    assert outcome.verdict is Verdict.UP
    assert outcome.timings.connect_ms > 0


async def test_port_check_reports_timeout_when_the_listener_never_accepts(listener):
    target = listener(accept=False)

    began = time.perf_counter()
    outcome = await run_check(port_monitor(target.port))
    took = time.perf_counter() - began

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.TIMEOUT
    assert outcome.reason == "timeout"
    assert 0.9 <= took < 1.5


async def test_refused_and_timeout_are_different_reasons(listener):
    refused = await run_check(port_monitor(free_port()))
    timed_out = await run_check(port_monitor(listener(accept=False).port))

    assert refused.reason != timed_out.reason


async def test_port_check_works_over_ipv6(listener):
    import socket

    with socket.socket(socket.AF_INET6) as sock:
        sock.bind(("::1", 0))
        sock.listen(4)
        port = sock.getsockname()[1]

        outcome = await run_check(port_monitor(port, host="::1"))

    assert outcome.verdict is Verdict.UP
    assert outcome.details["address"] == "::1"


async def test_port_check_resolves_a_host_name(listener):
    target = listener(accept=True)

    outcome = await run_check(port_monitor(target.port, host="localhost"))

    assert outcome.verdict is Verdict.UP
