"""A monitor's state, decided in one place.

``decide`` is pure: the monitor's state and counters plus one check's outcome
give the new state and counters. Nothing here reads a clock; the caller passes
the time of the check.

The rules:

- A failed check adds to ``failure_count`` and clears ``success_count``. While
  the failures do not exceed ``retries`` the monitor is ``pending`` (failing,
  not yet down); the failure after the last retry makes it ``down``.
- A good check (up or degraded) adds to ``success_count`` and clears
  ``failure_count``. A ``down`` monitor needs ``recovery_checks`` good checks
  in a row before it is up again; any other state recovers at once.
- A good check slower than ``response_time_threshold`` (ms), or an outcome the
  runner itself called degraded, makes the monitor ``degraded``.
- An unknown (inconclusive) outcome counts neither way and never makes a
  monitor down: a down monitor stays down, a pending one stays pending, any
  other becomes unknown.

Notifications are decided against the last state that was *notified*, not the
last raw state (case C10): ``notification_due`` says whether a ``down`` or an
``up`` message is owed, ``after_notification`` what to remember afterwards.

Several regions: ``region_quorum`` combines the latest verdict of each region
before ``decide`` sees it. A majority down is down; a minority down is
degraded ("down in eu-west, 1 of 3 regions"), so one region's network trouble
never opens an incident.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from isup_app.core.models import MonitorState
from isup_app.core.outcome import CheckOutcome, Verdict

GOOD_STATES = frozenset({MonitorState.UP, MonitorState.DEGRADED})


class Notify(StrEnum):
    DOWN = "down"
    UP = "up"


@dataclass(frozen=True, slots=True)
class StateInput:
    """What the decision needs to know about a monitor."""

    state: MonitorState = MonitorState.UNKNOWN
    failure_count: int = 0
    success_count: int = 0
    retries: int = 0
    recovery_checks: int = 1
    response_time_threshold: int | None = None

    @classmethod
    def of(cls, monitor) -> "StateInput":
        return cls(
            state=MonitorState(monitor.current_state),
            failure_count=monitor.failure_count or 0,
            success_count=monitor.success_count or 0,
            retries=max(monitor.retries or 0, 0),
            recovery_checks=max(monitor.recovery_checks or 1, 1),
            response_time_threshold=monitor.response_time_threshold,
        )


@dataclass(frozen=True, slots=True)
class Decision:
    previous: MonitorState
    state: MonitorState
    failure_count: int
    success_count: int
    reason: str
    at: datetime
    verdict: Verdict

    @property
    def changed(self) -> bool:
        return self.state != self.previous

    @property
    def transition(self) -> tuple[MonitorState, MonitorState] | None:
        """``(old, new)`` when the state changes, else None."""
        return (self.previous, self.state) if self.changed else None


def effective_verdict(outcome: CheckOutcome, threshold: int | None) -> Verdict:
    """The runner's verdict, with "up but slower than the threshold" as
    degraded."""
    verdict = Verdict(outcome.verdict)
    slow = (
        threshold is not None
        and outcome.response_time_ms is not None
        and outcome.response_time_ms > threshold
    )
    if verdict == Verdict.UP and slow:
        return Verdict.DEGRADED
    return verdict


def decide(current: StateInput, outcome: CheckOutcome, at: datetime) -> Decision:
    verdict = effective_verdict(outcome, current.response_time_threshold)
    base = Decision(
        previous=current.state,
        state=current.state,
        failure_count=current.failure_count,
        success_count=current.success_count,
        reason=outcome.reason,
        at=at,
        verdict=verdict,
    )

    if verdict == Verdict.DOWN:
        return _failed(current, base)
    if verdict in (Verdict.UP, Verdict.DEGRADED):
        return _good(current, base, outcome)
    return _inconclusive(current, base)


def _failed(current: StateInput, base: Decision) -> Decision:
    failures = current.failure_count + 1
    if current.state == MonitorState.DOWN or failures > current.retries:
        state = MonitorState.DOWN
        reason = base.reason
    else:
        state = MonitorState.PENDING
        reason = f"retry {failures} of {current.retries}: {base.reason}"
    return replace(
        base, state=state, failure_count=failures, success_count=0, reason=reason
    )


def _good(current: StateInput, base: Decision, outcome: CheckOutcome) -> Decision:
    successes = current.success_count + 1
    if current.state == MonitorState.DOWN and successes < current.recovery_checks:
        reason = f"recovering: {successes} of {current.recovery_checks} good checks"
        return replace(
            base,
            state=MonitorState.DOWN,
            failure_count=0,
            success_count=successes,
            reason=reason,
        )

    if base.verdict == Verdict.DEGRADED:
        state = MonitorState.DEGRADED
        reason = outcome.reason or _slower_than(outcome, current)
    else:
        state = MonitorState.UP
        reason = outcome.reason
    return replace(
        base, state=state, failure_count=0, success_count=successes, reason=reason
    )


def _slower_than(outcome: CheckOutcome, current: StateInput) -> str:
    return (
        f"response took {outcome.response_time_ms:.0f} ms, "
        f"threshold {current.response_time_threshold} ms"
    )


def _inconclusive(current: StateInput, base: Decision) -> Decision:
    if current.state in (MonitorState.DOWN, MonitorState.PENDING):
        return base
    return replace(base, state=MonitorState.UNKNOWN)


def region_quorum(latest: dict[str, Verdict]) -> tuple[Verdict | None, list[str]]:
    """Combine the latest verdict of each region that reported recently.

    Returns the verdict that stands for the monitor (None when the regions do
    not change the region's own verdict) and the regions that are down. Down
    needs a majority of the regions with a conclusive verdict; a minority down
    is degraded. With one region there is nothing to combine.
    """
    counted = {r: Verdict(v) for r, v in latest.items() if v != Verdict.UNKNOWN}
    down = sorted(r for r, v in counted.items() if v == Verdict.DOWN)
    if len(counted) <= 1 or not down:
        return None, down
    if len(down) * 2 > len(counted):
        return Verdict.DOWN, down
    return Verdict.DEGRADED, down


def notification_due(
    notified: MonitorState | None, state: MonitorState
) -> Notify | None:
    """Which message, if any, is owed now that the monitor is in ``state``
    and the last message people got said ``notified``."""
    if state == MonitorState.DOWN and notified != MonitorState.DOWN:
        return Notify.DOWN
    if state in GOOD_STATES and notified == MonitorState.DOWN:
        return Notify.UP
    return None


def after_notification(
    notified: MonitorState | None, state: MonitorState, sent: Notify | None
) -> MonitorState | None:
    """The ``notified_state`` to keep once ``sent`` went out (or nothing did).

    A first good state is recorded as the baseline without a message, so that
    the first failure later is news; pending and unknown never change it.
    """
    if sent == Notify.DOWN:
        return MonitorState.DOWN
    if sent == Notify.UP:
        return MonitorState.UP
    if notified is None and state in GOOD_STATES:
        return MonitorState.UP
    return notified
