"""The issue's "done when": a monitor of a local server that is stopped gives
one incident and one alert per contact on each of the seven channels'
stand-ins, and one recovery each when the server starts again. One real
process, ``python -m checker``, as the launcher starts it: probe, evaluator
and notifier."""

import os

from sqlmodel import Session, select

from isup_app.core.contacts import set_monitor_contacts
from isup_app.core.models import Incident, Monitor, MonitorState
from tests.alerts.conftest import make_all_contacts, wait_until
from tests.alerts.processes import Processes
from tests.factories import make_monitor


def _env(settings, database_url, redis_url) -> dict:
    names = [
        "resend_api_key",
        "resend_api_url",
        "email_from",
        "slack_webhook_base",
        "discord_webhook_base",
        "telegram_api_url",
        "telegram_bot_token",
        "twilio_api_url",
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_from_number",
    ]
    return {
        **os.environ,
        **{f"ISUP_{name.upper()}": str(getattr(settings, name)) for name in names},
        "ISUP_DATABASE_URL": database_url,
        "ISUP_REDIS_URL": redis_url,
        "ISUP_REGION": "local",
        "ISUP_MONITOR_REFRESH_SECONDS": "0.5",
        "ISUP_NOTIFY_SWEEP_SECONDS": "0.5",
        "ISUP_NOTIFY_BACKOFF_SECONDS": "0.2",
    }


def test_stopped_server_alerts_every_channel_once_and_recovery_once(
    session,
    engine,
    database_url,
    redis_url,
    settings,
    target,
    tmp_path,
    slack,
    discord,
    telegram,
    twilio,
    resend_api,
    receiver,
):
    monitor = make_monitor(
        session,
        name="Local site",
        url=f"http://127.0.0.1:{target.port}/",
        interval_seconds=1,
        timeout_seconds=1,
        regions=["local"],
    )
    contacts = make_all_contacts(session, settings, slack, discord, receiver)
    set_monitor_contacts(session, monitor, [c.id for c in contacts.values()])
    processes = Processes(
        _env(settings, database_url, redis_url), tmp_path, modules=("checker",)
    )
    stand_ins = [slack, discord, telegram, receiver, resend_api]

    def state():
        with Session(engine) as fresh:
            return fresh.get(Monitor, monitor.id).current_state

    def all_have(count):
        return (
            all(len(s.delivered) == count for s in stand_ins)
            and len(twilio.delivered) == 2 * count
        )

    processes.start()
    try:
        assert wait_until(lambda: state() == MonitorState.UP, 30), processes.output()
        target.stop()
        assert wait_until(lambda: all_have(1), 30), processes.output()
        target.start()
        assert wait_until(lambda: all_have(2), 30), processes.output()
        wait_until(lambda: False, 1.5)  # room for a wrong third alert
    finally:
        processes.stop()

    assert all_have(2)
    assert [e for e, _ in receiver.events()] == ["down", "up"]
    assert [m["subject"] for m in resend_api.sent] == [
        "Local site is down",
        "Local site is up",
    ]
    assert len(twilio.messages()) == 2 and len(twilio.calls()) == 2
    incident = session.exec(select(Incident)).one()
    assert incident.ended_at is not None
