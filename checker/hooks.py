"""Where other parts of IsUp plug into the evaluator, without editing it.

Each list holds dotted paths (``"package.module:function"`` or
``"package.module.function"``), imported once when an evaluator starts; a path
that does not import stops the start with the error.

``RESULT_HOOKS``: ``hook(session, rows: list[CheckResult]) -> None``
    Called inside the evaluator's transaction, once per batch, with the result
    rows that batch newly stored (a redelivered result is not among them). The
    rows are flushed (they have ids). Whatever the hook writes commits or rolls
    back with the results. Example: hourly rollups.

``TRANSITION_HOOKS``: ``hook(session, monitor: Monitor, transition) -> None``
    Called inside the same transaction, once per ``checker.evaluator.Transition``:
    whenever a monitor's state changes, an incident opens or resolves, or a
    message is owed (``transition.notify`` is ``"down"`` or ``"up"``, decided
    against the last notified state and never inside a maintenance window).
    ``transition`` carries ``old_state``, ``new_state``, ``at``, ``outcome``
    (the ``CheckOutcome``), ``region``, ``check_id``, ``reason``, ``notify``,
    ``incident`` (the ``Incident`` opened or resolved, else the open one, else
    None) and ``incident_action`` (``"opened"``, ``"resolved"`` or None). The
    monitor row already holds the new state. Example: notification outbox rows.

``AFTER_COMMIT_HOOKS``: ``hook(redis, transitions: list[Transition]) -> None``
    Called after the commit and after the stream entries are acknowledged, with
    a synchronous ``redis.Redis`` client (``decode_responses=True``) and the
    batch's transitions. Nothing here is retried: a crash between the commit
    and this call skips it, so it may only speed up work that the database
    already holds durably. Example: a wake-up on the notify stream.

A hook that raises inside the transaction rolls back the whole batch, which is
then retried; one that raises after the commit is logged and skipped.
"""

RESULT_HOOKS: list[str] = [
    "isup_app.core.history.record_results",
    "checker.incidents:on_results",
]
TRANSITION_HOOKS: list[str] = ["checker.incidents:on_transition"]
AFTER_COMMIT_HOOKS: list[str] = ["checker.incidents:wake_notifier"]
