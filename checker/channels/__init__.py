"""Alert channels, one module per contact type behind a registry.

Each module offers ``validate(config, settings) -> dict`` (the config to
store, or ``ConfigError`` naming the field) and
``async send(config, message, ctx) -> SendResult``.
"""

import logging
from types import ModuleType

import httpx

from checker.channels import discord, mail, slack, sms, telegram, voice, webhook
from checker.channels.base import ConfigError, Context, Message, SendResult
from checker.runners.net import USER_AGENT
from isup_app.core.models import ContactType
from isup_app.core.settings import Settings

logger = logging.getLogger(__name__)

CHANNELS: dict[ContactType, ModuleType] = {
    ContactType.EMAIL: mail,
    ContactType.SLACK: slack,
    ContactType.DISCORD: discord,
    ContactType.TELEGRAM: telegram,
    ContactType.WEBHOOK: webhook,
    ContactType.SMS: sms,
    ContactType.VOICE: voice,
}

__all__ = [
    "CHANNELS",
    "ConfigError",
    "Context",
    "Message",
    "SendResult",
    "deliver",
    "http_client",
]


def http_client() -> httpx.AsyncClient:
    """The client alerts go out on: no redirects, and a User-Agent that says
    the request is IsUp's."""
    return httpx.AsyncClient(follow_redirects=False, headers={"User-Agent": USER_AGENT})


def channel_for(kind: ContactType | str) -> ModuleType:
    try:
        return CHANNELS[ContactType(kind)]
    except ValueError as exc:
        raise ConfigError("type", f"unknown contact type {kind!r}") from exc


async def deliver(
    kind: ContactType | str,
    config: dict,
    message: Message,
    settings: Settings,
    http: httpx.AsyncClient | None = None,
) -> SendResult:
    """Send ``message`` on one channel. An unexpected error in IsUp's own code
    is logged and counted as transient, so that it is tried again."""
    channel = channel_for(kind)
    own_client = http is None
    client = http or http_client()
    try:
        return await channel.send(config, message, Context(settings, client))
    except Exception as exc:  # noqa: BLE001 - the notifier loop must go on
        logger.exception("channel crashed type=%s", kind)
        return SendResult.transient(f"IsUp failed to send: {type(exc).__name__}")
    finally:
        if own_client:
            await client.aclose()
