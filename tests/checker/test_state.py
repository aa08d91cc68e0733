"""The state decision, one row per rule, plus the notified-state bookkeeping."""

from datetime import UTC, datetime

import pytest

from checker.state import (
    Notify,
    StateInput,
    after_notification,
    decide,
    notification_due,
    region_quorum,
)
from isup_app.core.models import MonitorState as S
from isup_app.core.outcome import CheckOutcome, Timings, Verdict

AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def outcome(verdict: Verdict, ms: float | None = 100) -> CheckOutcome:
    return CheckOutcome(
        verdict=verdict, reason=f"{verdict}", timings=Timings(total_ms=ms)
    )


# (state, failures, successes, retries, recovery, threshold, verdict, ms)
#   -> (state, failures, successes)
CASES = {
    "first good check is up": (
        (S.UNKNOWN, 0, 0, 0, 1, None, Verdict.UP, 100),
        (S.UP, 0, 1),
    ),
    "failure without retries is down at once": (
        (S.UP, 0, 5, 0, 1, None, Verdict.DOWN, 100),
        (S.DOWN, 1, 0),
    ),
    "first failure with one retry is pending": (
        (S.UP, 0, 5, 1, 1, None, Verdict.DOWN, 100),
        (S.PENDING, 1, 0),
    ),
    "second failure with one retry is down": (
        (S.PENDING, 1, 0, 1, 1, None, Verdict.DOWN, 100),
        (S.DOWN, 2, 0),
    ),
    "third failure with three retries is still pending": (
        (S.PENDING, 2, 0, 3, 1, None, Verdict.DOWN, 100),
        (S.PENDING, 3, 0),
    ),
    "a good check while pending is up again and clears failures": (
        (S.PENDING, 1, 0, 2, 1, None, Verdict.UP, 100),
        (S.UP, 0, 1),
    ),
    "down stays down on further failures": (
        (S.DOWN, 4, 0, 1, 1, None, Verdict.DOWN, 100),
        (S.DOWN, 5, 0),
    ),
    "down recovers on one good check by default": (
        (S.DOWN, 3, 0, 0, 1, None, Verdict.UP, 100),
        (S.UP, 0, 1),
    ),
    "down needs all its recovery checks": (
        (S.DOWN, 3, 0, 0, 3, None, Verdict.UP, 100),
        (S.DOWN, 0, 1),
    ),
    "down is up on the last recovery check": (
        (S.DOWN, 0, 2, 0, 3, None, Verdict.UP, 100),
        (S.UP, 0, 3),
    ),
    "a failure during recovery starts the recovery over": (
        (S.DOWN, 0, 2, 0, 3, None, Verdict.DOWN, 100),
        (S.DOWN, 1, 0),
    ),
    "slower than the threshold is degraded": (
        (S.UP, 0, 1, 0, 1, 500, Verdict.UP, 800),
        (S.DEGRADED, 0, 2),
    ),
    "exactly the threshold is up": (
        (S.DEGRADED, 0, 1, 0, 1, 500, Verdict.UP, 500),
        (S.UP, 0, 2),
    ),
    "a degraded outcome is degraded without a threshold": (
        (S.UP, 0, 1, 0, 1, None, Verdict.DEGRADED, 100),
        (S.DEGRADED, 0, 2),
    ),
    "a degraded check counts towards recovery": (
        (S.DOWN, 1, 0, 0, 1, None, Verdict.DEGRADED, 100),
        (S.DEGRADED, 0, 1),
    ),
    "unknown never makes an up monitor down": (
        (S.UP, 0, 4, 0, 1, None, Verdict.UNKNOWN, None),
        (S.UNKNOWN, 0, 4),
    ),
    "unknown leaves a down monitor down": (
        (S.DOWN, 2, 0, 0, 1, None, Verdict.UNKNOWN, None),
        (S.DOWN, 2, 0),
    ),
    "unknown leaves a pending monitor pending and its count alone": (
        (S.PENDING, 1, 0, 1, 1, None, Verdict.UNKNOWN, None),
        (S.PENDING, 1, 0),
    ),
}


@pytest.mark.parametrize(("given", "expected"), CASES.values(), ids=CASES.keys())
def test_state_decision(given, expected):
    state, failures, successes, retries, recovery, threshold, verdict, ms = given
    current = StateInput(
        state=state,
        failure_count=failures,
        success_count=successes,
        retries=retries,
        recovery_checks=recovery,
        response_time_threshold=threshold,
    )

    decision = decide(current, outcome(verdict, ms), AT)

    assert (decision.state, decision.failure_count, decision.success_count) == expected
    assert decision.at == AT
    assert decision.changed == (expected[0] != state)
    assert decision.transition == ((state, expected[0]) if decision.changed else None)


def test_pending_reason_says_which_retry():
    current = StateInput(state=S.UP, retries=2)

    decision = decide(current, outcome(Verdict.DOWN), AT)

    assert decision.reason.startswith("retry 1 of 2")


def test_degraded_reason_names_the_threshold():
    current = StateInput(state=S.UP, response_time_threshold=200)
    slow = CheckOutcome(verdict=Verdict.UP, timings=Timings(total_ms=350))

    decision = decide(current, slow, AT)

    assert decision.reason == "response took 350 ms, threshold 200 ms"


NOTIFY = {
    "down after up is owed": (S.UP, S.DOWN, Notify.DOWN),
    "down with nothing notified yet is owed": (None, S.DOWN, Notify.DOWN),
    "down already notified is not owed again": (S.DOWN, S.DOWN, None),
    "pending owes nothing": (S.UP, S.PENDING, None),
    "up after a notified down is owed": (S.DOWN, S.UP, Notify.UP),
    "degraded after a notified down is owed as up": (S.DOWN, S.DEGRADED, Notify.UP),
    "up after pending that was never notified owes nothing": (S.UP, S.UP, None),
    "first up owes nothing": (None, S.UP, None),
    "unknown owes nothing": (S.DOWN, S.UNKNOWN, None),
}


@pytest.mark.parametrize(
    ("notified", "state", "expected"), NOTIFY.values(), ids=NOTIFY.keys()
)
def test_notification_is_decided_against_the_last_notified_state(
    notified, state, expected
):
    assert notification_due(notified, state) == expected


def test_notified_state_follows_what_was_sent():
    assert after_notification(S.UP, S.DOWN, Notify.DOWN) == S.DOWN
    assert after_notification(S.DOWN, S.UP, Notify.UP) == S.UP
    assert after_notification(None, S.UP, None) == S.UP
    assert after_notification(S.UP, S.PENDING, None) == S.UP
    assert after_notification(S.UP, S.DOWN, None) == S.UP


def test_recovery_after_pending_sends_down_then_up():
    """C10's sequence on the state function: up, fail (pending), fail (down),
    up: one down message, then one up message."""
    notified = None
    current = StateInput(retries=1)
    sent = []
    for verdict in (Verdict.UP, Verdict.DOWN, Verdict.DOWN, Verdict.UP):
        decision = decide(current, outcome(verdict), AT)
        due = notification_due(notified, decision.state)
        notified = after_notification(notified, decision.state, due)
        sent.extend([due] if due else [])
        current = StateInput(
            state=decision.state,
            failure_count=decision.failure_count,
            success_count=decision.success_count,
            retries=1,
        )

    assert sent == [Notify.DOWN, Notify.UP]


QUORUM = {
    "one region has nothing to combine": ({"local": Verdict.DOWN}, None, ["local"]),
    "all regions up change nothing": (
        {"a": Verdict.UP, "b": Verdict.UP},
        None,
        [],
    ),
    "one of two down is degraded": (
        {"a": Verdict.DOWN, "b": Verdict.UP},
        Verdict.DEGRADED,
        ["a"],
    ),
    "two of two down is down": (
        {"a": Verdict.DOWN, "b": Verdict.DOWN},
        Verdict.DOWN,
        ["a", "b"],
    ),
    "two of three down is down": (
        {"a": Verdict.DOWN, "b": Verdict.UP, "c": Verdict.DOWN},
        Verdict.DOWN,
        ["a", "c"],
    ),
    "unknown regions are not counted": (
        {"a": Verdict.DOWN, "b": Verdict.UNKNOWN},
        None,
        ["a"],
    ),
}


@pytest.mark.parametrize(
    ("latest", "verdict", "down"), QUORUM.values(), ids=QUORUM.keys()
)
def test_region_quorum(latest, verdict, down):
    assert region_quorum(latest) == (verdict, down)
