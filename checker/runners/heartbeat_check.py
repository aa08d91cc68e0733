"""Heartbeat checks: has the job pinged within its interval plus grace?

Pings arrive at ``/api/heartbeat/<token>`` (isup_app.api.heartbeat), which
records them on the monitor; this runner, scheduled like any other, reads
what was recorded against the clock it is given. A monitor never pinged is
unknown while its first window (from creation) is open, and down after it.
"""

from datetime import datetime, timedelta

from isup_app.core.models import Monitor
from isup_app.core.monitors import failure_reason, is_failure_kind
from isup_app.core.outcome import CheckOutcome, Phase, Verdict


def describe_duration(delta: timedelta) -> str:
    """ "7 minutes", "1 hour 5 minutes", "45 seconds"; never negative."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return _plural(seconds, "second")
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _plural(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        text = _plural(hours, "hour")
        return f"{text} {_plural(minutes, 'minute')}" if minutes else text
    days, hours = divmod(hours, 24)
    text = _plural(days, "day")
    return f"{text} {_plural(hours, 'hour')}" if hours else text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


async def check_heartbeat(monitor: Monitor, now: datetime) -> CheckOutcome:
    return heartbeat_outcome(monitor, now)


def heartbeat_outcome(monitor: Monitor, now: datetime) -> CheckOutcome:
    window = timedelta(
        seconds=int(monitor.interval_seconds) + int(monitor.heartbeat_grace_seconds)
    )
    grace = timedelta(seconds=int(monitor.heartbeat_grace_seconds))
    expected = f"a ping every {describe_duration(window - grace)}" + (
        f" (+{describe_duration(grace)} grace)" if grace else ""
    )
    last = monitor.last_ping_at
    started = monitor.last_start_at

    if last is None:
        since = monitor.created_at or now
        age = max(timedelta(0), now - since)
        if age <= window:
            return _outcome(
                Verdict.UNKNOWN,
                "waiting for the first ping",
                expected,
                seen=f"created {describe_duration(age)} ago",
            )
        return _outcome(
            Verdict.DOWN,
            f"no ping since it was created, {describe_duration(age)} ago",
            expected,
        )

    age = max(timedelta(0), now - last)
    if is_failure_kind(monitor.last_ping_kind):
        return _outcome(
            Verdict.DOWN,
            failure_reason(monitor.last_ping_kind),
            expected,
            seen=f"failure {describe_duration(age)} ago",
        )
    if started is not None and started > last and now - started > grace:
        return _outcome(
            Verdict.DOWN,
            "the job started "
            f"{describe_duration(now - started)} ago and has not finished",
            expected,
        )
    if age > window:
        return _outcome(
            Verdict.DOWN,
            f"no ping for {describe_duration(age)}",
            expected,
            seen=f"last ping {describe_duration(age)} ago",
        )
    return _outcome(
        Verdict.UP, "", expected, seen=f"last ping {describe_duration(age)} ago"
    )


def _outcome(verdict, reason, expected, seen=None) -> CheckOutcome:
    return CheckOutcome(
        verdict=verdict,
        reason=reason,
        phase=None if verdict is Verdict.UP else Phase.HEARTBEAT,
        seen=seen,
        expected=expected,
    )
