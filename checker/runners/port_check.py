"""TCP port checks: can a connection be opened, over IPv4 or IPv6.

"connection refused" (nothing listens), "timeout" (nothing answers: a filter,
or a listener that never accepts) and "unreachable" (no route) are different
reasons, because they send a person to different places.
"""

import asyncio
import time
from datetime import datetime

from checker.runners.failures import CheckTimeout, describe
from checker.runners.net import Stopwatch, apply_threshold, resolve
from isup_app.core.models import Monitor
from isup_app.core.outcome import CheckOutcome, Phase, Verdict


async def check_port(monitor: Monitor, now: datetime) -> CheckOutcome:
    timeout = float(monitor.timeout_seconds)
    watch = Stopwatch()
    target = f"{monitor.url} port {monitor.port}"
    try:
        async with asyncio.timeout(timeout):
            address = await _connect(monitor.url, int(monitor.port), watch)
    except TimeoutError:
        failure = describe(CheckTimeout(watch.phase, timeout))
    except OSError as exc:
        failure = describe(exc, watch.phase)
    else:
        timings = watch.stop()
        outcome = CheckOutcome(
            verdict=Verdict.UP,
            seen=f"open at {address}",
            timings=timings,
            details={"address": address},
        )
        return apply_threshold(monitor, outcome)
    return CheckOutcome(
        verdict=failure.verdict,
        reason=failure.reason,
        phase=failure.phase,
        seen=failure.seen or target,
        expected="port open",
        timings=watch.stop(),
    )


async def _connect(host: str, port: int, watch: Stopwatch) -> str:
    addresses = await resolve(host, port, watch)
    watch.phase = Phase.CONNECT
    began = time.perf_counter()
    error: OSError | None = None
    for address in addresses:
        try:
            _reader, writer = await asyncio.open_connection(address, port)
        except OSError as exc:
            error = exc
            continue
        watch.add("connect_ms", (time.perf_counter() - began) * 1000)
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
        return address
    raise error or OSError(f"no address for {host}")
