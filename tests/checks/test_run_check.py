"""run_check as the probe sees it: never raises, bounded by the timeout,
one slow target never holds up the others (the runner's side of C5)."""

import asyncio
import errno
import time

from checker.runners import run_check
from checker.runners.failures import describe
from isup_app.core.outcome import Phase, Verdict
from tests.checks.conftest import build_monitor
from tests.checks.servers import Reply


async def test_target_that_accepts_and_never_replies_is_a_timeout_after_4_8_s(
    listener,
):
    silent = listener(accept=True)
    monitor = build_monitor(
        url=f"http://127.0.0.1:{silent.port}/", interval_seconds=6, timeout_seconds=4.8
    )

    began = time.perf_counter()
    outcome = await run_check(monitor)
    took = time.perf_counter() - began

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.TIMEOUT
    assert outcome.reason == "timeout"
    assert outcome.seen == "no answer within 4.8 s, waiting for the response"
    assert 4.7 <= took < 5.6


async def test_one_hanging_target_does_not_delay_the_others(listener, http_server):
    silent = listener(accept=True)
    fast = http_server({"/": Reply(200, b"ok")})
    hanging = build_monitor(url=f"http://127.0.0.1:{silent.port}/", timeout_seconds=3)
    quick = [build_monitor(url=fast.url("/"), name=f"quick {i}") for i in range(20)]
    finished: list[str] = []

    async def timed(monitor):
        outcome = await run_check(monitor)
        finished.append(monitor.name)
        return outcome

    outcomes = await asyncio.gather(timed(hanging), *(timed(m) for m in quick))

    assert outcomes[0].reason == "timeout"
    assert all(o.verdict is Verdict.UP for o in outcomes[1:])
    assert finished[-1] == hanging.name


async def test_corrupt_status_codes_in_the_row_are_unknown_not_a_crash(http_server):
    server = http_server({"/": Reply(200, b"ok")})
    monitor = build_monitor(url=server.url("/"))
    monitor.expected_status_codes = "2xx"

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.phase is Phase.CONFIG
    assert "expected_status_codes" in outcome.reason


async def test_internal_fault_in_a_runner_is_unknown_with_the_reason(http_server):
    server = http_server({"/": Reply(200, b"ok")})
    monitor = build_monitor(type="keyword", url=server.url("/"), keyword="ok")
    monitor.keyword_type = "sideways"

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.reason.startswith("internal error in the keyword check")


async def test_password_from_the_url_never_appears_in_an_outcome():
    monitor = build_monitor(url="http://admin:hunter2@127.0.0.1:1/")

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert "hunter2" not in repr(outcome)


def test_unreachable_network_and_host_have_their_own_reasons():
    network = describe(OSError(errno.ENETUNREACH, "Network is unreachable"))
    host = describe(OSError(errno.EHOSTUNREACH, "No route to host"))
    refused = describe(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))

    assert (network.phase, network.reason) == (Phase.CONNECT, "network unreachable")
    assert host.reason == "host unreachable"
    assert refused.reason == "connection refused"
