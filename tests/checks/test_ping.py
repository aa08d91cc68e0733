"""ICMP checks to 127.0.0.1. The tests run as root, so raw sockets work; the
unprivileged path is closed by ``net.ipv4.ping_group_range`` by default."""

from pathlib import Path

import pytest

from checker.runners import run_check
from checker.runners.ping_check import check_ping
from isup_app.core.outcome import Verdict
from tests.checks.conftest import build_monitor


def ping_monitor(**fields):
    return build_monitor(type="ping", url="127.0.0.1", **fields)


async def test_ping_to_loopback_is_up_with_round_trip_times():
    outcome = await run_check(ping_monitor(ping_count=3))

    assert outcome.verdict is Verdict.UP, outcome.reason
    assert outcome.details["packets_sent"] == 3
    assert outcome.details["packets_received"] == 3
    assert outcome.details["packet_loss"] == 0
    assert outcome.details["avg_rtt_ms"] > 0
    assert outcome.timings.total_ms == outcome.details["avg_rtt_ms"]


def _unprivileged_ping_closed() -> bool:
    low, high = Path("/proc/sys/net/ipv4/ping_group_range").read_text().split()
    return int(low) > int(high)


@pytest.mark.skipif(
    not _unprivileged_ping_closed(),
    reason="this machine allows unprivileged ICMP for every group",
)
async def test_ping_where_icmp_is_not_permitted_is_unknown_with_that_reason():
    monitor = ping_monitor()

    outcome = await check_ping(monitor, monitor.created_at, privileged=False)

    assert outcome.verdict is Verdict.UNKNOWN
    assert outcome.reason == "ICMP not permitted on this machine"
