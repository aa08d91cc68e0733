"""Check runners: one module per monitor kind, behind one registry.

``run_check(monitor)`` is the only entry point the probe needs. It never
raises: a target that fails is an outcome, a fault of IsUp's own becomes an
``unknown`` outcome that says so, and every check is bounded by the monitor's
timeout (plus a little slack), so one broken monitor never holds up others.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import urlsplit

from checker.runners.dns_check import check_dns
from checker.runners.heartbeat_check import check_heartbeat
from checker.runners.http_check import check_http, check_keyword
from checker.runners.ping_check import check_ping
from checker.runners.port_check import check_port
from checker.runners.tls_check import check_ssl
from isup_app.core.models import Monitor, MonitorType
from isup_app.core.monitors import MonitorInvalid
from isup_app.core.outcome import CheckOutcome, Phase, Timings, Verdict, utcnow

logger = logging.getLogger(__name__)

Runner = Callable[[Monitor, datetime], Awaitable[CheckOutcome]]

RUNNERS: dict[MonitorType, Runner] = {
    MonitorType.HTTP: check_http,
    MonitorType.KEYWORD: check_keyword,
    MonitorType.PORT: check_port,
    MonitorType.PING: check_ping,
    MonitorType.SSL: check_ssl,
    MonitorType.DNS: check_dns,
    MonitorType.HEARTBEAT: check_heartbeat,
}

# Runners bound themselves by the monitor's timeout; this outer guard only
# catches a runner that fails to.
GUARD_SLACK_SECONDS = 2.0


async def run_check(monitor: Monitor, *, now: datetime | None = None) -> CheckOutcome:
    """Run one check of ``monitor``; ``now`` is the clock for time-based
    kinds (heartbeat, certificate days left)."""
    now = now or utcnow()
    runner = RUNNERS.get(MonitorType(monitor.type))
    if runner is None:
        return _unknown(Phase.CONFIG, f"no runner for monitor type {monitor.type}")

    budget = float(monitor.timeout_seconds or 30) + GUARD_SLACK_SECONDS
    try:
        async with asyncio.timeout(budget):
            outcome = await runner(monitor, now)
    except TimeoutError:
        logger.warning("check overran its guard monitor_id=%s", monitor.id)
        outcome = CheckOutcome(
            verdict=Verdict.DOWN,
            reason="timeout",
            phase=Phase.TIMEOUT,
            seen=f"no result within {budget:g} s",
            timings=Timings(total_ms=budget * 1000),
        )
    except MonitorInvalid as exc:
        outcome = _unknown(Phase.CONFIG, f"invalid configuration: {exc}")
    except Exception as exc:
        logger.exception("check failed monitor_id=%s", monitor.id)
        outcome = _unknown(
            Phase.CONFIG, f"internal error in the {monitor.type} check: {exc!r}"
        )
    _redact(outcome, monitor.url)
    logger.debug(
        "check monitor_id=%s verdict=%s phase=%s total_ms=%s",
        monitor.id,
        outcome.verdict.value,
        outcome.phase.value if outcome.phase else None,
        outcome.timings.total_ms,
    )
    return outcome


def _unknown(phase: Phase, reason: str) -> CheckOutcome:
    return CheckOutcome(verdict=Verdict.UNKNOWN, reason=reason, phase=phase)


def _redact(outcome: CheckOutcome, url: str) -> None:
    """No credential from the monitor's URL ever leaves in an outcome."""
    try:
        parts = urlsplit(url or "")
        secrets = [parts.password] if parts.password else []
    except ValueError:
        return
    if not secrets:
        return
    for name in ("reason", "seen", "expected", "final_url", "excerpt"):
        value = getattr(outcome, name)
        if isinstance(value, str):
            for secret in secrets:
                value = value.replace(secret, "***")
            setattr(outcome, name, value)


__all__ = ["RUNNERS", "run_check"]
