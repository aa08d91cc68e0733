"""Stand-ins for every alert provider, and settings that point IsUp at them."""

from collections.abc import Iterator

import pytest

from isup_app.core.contacts import create_contact
from isup_app.core.models import AlertContact
from isup_app.core.settings import Settings
from tests.factories import DEFAULT_ORG
from tests.standins.discord import DiscordStandIn
from tests.standins.resend import ResendStandIn
from tests.standins.slack import SlackStandIn
from tests.standins.smtp import SMTPSink
from tests.standins.telegram import TelegramStandIn
from tests.standins.twilio import TwilioStandIn
from tests.standins.webhook import WebhookReceiver


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
        notify_lease_seconds=2,
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
