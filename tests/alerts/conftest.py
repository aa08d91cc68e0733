"""Stand-ins for every alert provider, and settings that point IsUp at them."""

import asyncio
import inspect
import threading
import time
import uuid
import warnings
from collections.abc import Iterator

import pytest

from checker.notifier import Notifier
from isup_app.core import bus
from isup_app.core.contacts import create_contact
from isup_app.core.models import AlertContact
from isup_app.core.outcome import CheckOutcome, Phase, ResultMessage, Verdict
from isup_app.core.settings import Settings
from tests.factories import DEFAULT_ORG
from tests.standins.discord import DiscordStandIn
from tests.standins.resend import ResendStandIn
from tests.standins.slack import SlackStandIn
from tests.standins.smtp import SMTPSink
from tests.standins.telegram import TelegramStandIn
from tests.standins.twilio import TwilioStandIn
from tests.standins.webhook import WebhookReceiver


@pytest.fixture(autouse=True)
def _close_stray_event_loop(request):
    """After a plain (sync) test, close the event loop the looptime plugin
    asks the policy for (which makes one and leaves it open); otherwise its
    ResourceWarning fails whichever test runs when it is collected."""
    yield
    if inspect.iscoroutinefunction(request.function):
        return
    policy = asyncio.get_event_loop_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = policy.get_event_loop()
        except RuntimeError:
            return
    if not loop.is_running() and not loop.is_closed():
        loop.close()
    policy.set_event_loop(None)


@pytest.fixture
def target():
    """A local HTTP server answering 200, to be stopped and started again."""
    from tests.alerts.processes import Target

    server = Target()
    server.start()
    yield server
    server.stop()


def _serve(stand_in):
    stand_in.start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    yield from _serve(SlackStandIn())


@pytest.fixture
def discord() -> Iterator[DiscordStandIn]:
    yield from _serve(DiscordStandIn())


@pytest.fixture
def telegram() -> Iterator[TelegramStandIn]:
    yield from _serve(TelegramStandIn())


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    yield from _serve(TwilioStandIn())


@pytest.fixture
def resend_api() -> Iterator[ResendStandIn]:
    yield from _serve(ResendStandIn())


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    yield from _serve(WebhookReceiver())


@pytest.fixture
def smtp_sink() -> Iterator[SMTPSink]:
    yield from _serve(SMTPSink())


@pytest.fixture
def settings(slack, discord, telegram, twilio, resend_api) -> Settings:
    """Every provider pointed at its stand-in; email through Resend."""
    return Settings(
        public_url="http://isup.test",
        resend_api_key=resend_api.api_key,
        resend_api_url=resend_api.url,
        email_from="IsUp <alerts@isup.test>",
        slack_webhook_base=slack.url + "/services/",
        discord_webhook_base=discord.url + "/api/webhooks/",
        telegram_api_url=telegram.url,
        telegram_bot_token=telegram.token,
        twilio_api_url=twilio.url,
        twilio_account_sid=twilio.sid,
        twilio_auth_token=twilio.token,
        twilio_from_number="+15005550006",
        notify_timeout_seconds=3,
        notify_backoff_seconds=0.05,
        notify_sweep_seconds=0.1,
        notify_lease_seconds=1,
        notify_max_attempts=4,
    )


@pytest.fixture
def smtp_settings(smtp_sink) -> Settings:
    """Email through the SMTP sink (no Resend key)."""
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_security="none",
        email_from="IsUp <alerts@isup.test>",
        notify_timeout_seconds=3,
    )


def make_all_contacts(
    session, settings, slack, discord, receiver, *, verified=True
) -> dict[str, AlertContact]:
    """One contact of each of the seven types, all pointing at stand-ins."""
    configs = {
        "email": {"email": "ops@example.test"},
        "slack": {"webhook_url": slack.add_hook()},
        "discord": {"webhook_url": discord.add_webhook()},
        "telegram": {"chat_id": "4242"},
        "webhook": {"url": receiver.url + "/hook", "secret": receiver.secret},
        "sms": {"phone_number": "+14155550100"},
        "voice": {"phone_number": "+14155550101"},
    }
    contacts = {}
    for kind, config in configs.items():
        contact = create_contact(
            session,
            DEFAULT_ORG,
            name=f"{kind} contact",
            type=kind,
            config=config,
            settings=settings,
        )
        if verified and not contact.is_verified:
            contact.is_verified = True
            session.add(contact)
            session.commit()
        contacts[kind] = contact
    return contacts


# --- the pipeline: evaluator (with the alert hooks) and notifier ----------------


class Pipeline:
    """A real evaluator fed results by hand, and a real notifier in a thread."""

    def __init__(self, redis_url, engine, settings):
        from checker.evaluator import Evaluator
        from checker.incidents import on_results, on_transition, wake_notifier

        self.redis_url = redis_url
        self.engine = engine
        self.settings = settings
        self.redis = bus.connect(redis_url)
        self.evaluator = Evaluator(
            redis_url,
            engine,
            block_ms=20,
            result_hooks=[on_results],
            transition_hooks=[on_transition],
            after_commit_hooks=[wake_notifier],
        )
        self._notifiers: list[tuple[threading.Event, threading.Thread]] = []

    def feed(self, monitor, verdict, at, reason="", phase=None, **outcome) -> None:
        message = ResultMessage(
            check_id=uuid.uuid4().hex,
            monitor_id=monitor.id,
            organization_id=monitor.organization_id,
            region="local",
            scheduled_at=at,
            started_at=at,
            outcome=CheckOutcome(
                verdict=Verdict(verdict),
                reason=reason,
                phase=Phase(phase) if phase else None,
                **outcome,
            ),
        )
        self.redis.xadd(bus.RESULTS_STREAM, message.to_fields())
        while self.evaluator.process_once():
            pass

    def start_notifier(self, **kwargs) -> Notifier:
        kwargs.setdefault("block_ms", 50)
        notifier = Notifier(self.redis_url, self.engine, self.settings, **kwargs)
        stop = threading.Event()
        thread = threading.Thread(target=notifier.run, args=(stop,), daemon=True)
        thread.start()
        self._notifiers.append((stop, thread))
        return notifier

    def close(self) -> None:
        for stop, _ in self._notifiers:
            stop.set()
        for _, thread in self._notifiers:
            thread.join(timeout=10)
        self.redis.close()


@pytest.fixture
def pipeline(redis_url, engine, settings) -> Iterator[Pipeline]:
    running = Pipeline(redis_url, engine, settings)
    yield running
    running.close()


def wait_until(condition, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
