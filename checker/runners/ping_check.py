"""ICMP echo checks: packet loss and round-trip times.

Raw ICMP sockets need root (or CAP_NET_RAW); the unprivileged kind needs
``net.ipv4.ping_group_range`` to include the process's group. Where neither
is allowed, the outcome is ``unknown`` with that reason: the machine forbids
the check, which says nothing about the target.
"""

import asyncio
from datetime import datetime

import icmplib

from checker.runners.failures import CheckTimeout, describe
from checker.runners.net import Stopwatch, apply_threshold, resolve
from isup_app.core.models import Monitor
from isup_app.core.outcome import CheckOutcome, Phase, Verdict

PACKET_INTERVAL_SECONDS = 0.2


async def check_ping(
    monitor: Monitor, now: datetime, *, privileged: bool = True
) -> CheckOutcome:
    timeout = float(monitor.timeout_seconds)
    count = max(1, int(monitor.ping_count or 1))
    watch = Stopwatch()
    # Each echo may wait for its share of the time left after the gaps.
    per_packet = max(0.1, (timeout - PACKET_INTERVAL_SECONDS * (count - 1)) / count)
    try:
        async with asyncio.timeout(timeout + 0.5):
            addresses = await resolve(monitor.url, 0, watch)
            watch.phase = Phase.CONNECT
            host = await icmplib.async_ping(
                addresses[0],
                count=count,
                interval=PACKET_INTERVAL_SECONDS,
                timeout=per_packet,
                privileged=privileged,
            )
    except TimeoutError:
        failure = describe(CheckTimeout(watch.phase, timeout))
        return _failed(failure, watch)
    except (OSError, icmplib.ICMPLibError) as exc:
        return _failed(describe(exc, watch.phase), watch)

    timings = watch.stop()
    details = {
        "address": host.address,
        "packets_sent": host.packets_sent,
        "packets_received": host.packets_received,
        "packet_loss": host.packet_loss,
        "min_rtt_ms": host.min_rtt,
        "avg_rtt_ms": host.avg_rtt,
        "max_rtt_ms": host.max_rtt,
    }
    received, sent = host.packets_received, host.packets_sent
    if received == 0:
        return CheckOutcome(
            verdict=Verdict.DOWN,
            phase=Phase.TIMEOUT,
            reason="no reply",
            seen=f"0 of {sent} echoes answered",
            expected="echo replies",
            timings=timings,
            details=details,
        )
    # The response time of a ping monitor is its average round trip.
    timings.total_ms = host.avg_rtt
    outcome = CheckOutcome(
        verdict=Verdict.UP,
        seen=f"{received} of {sent} replies, avg {host.avg_rtt:.2f} ms",
        timings=timings,
        details=details,
    )
    if received < sent:
        outcome.verdict = Verdict.DEGRADED
        outcome.phase = Phase.RESPONSE
        outcome.reason = f"packet loss {host.packet_loss:.0%}"
        return outcome
    return apply_threshold(monitor, outcome)


def _failed(failure, watch: Stopwatch) -> CheckOutcome:
    return CheckOutcome(
        verdict=failure.verdict,
        reason=failure.reason,
        phase=failure.phase,
        seen=failure.seen,
        timings=watch.stop(),
    )
