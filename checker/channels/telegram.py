"""Telegram bot messages: ``sendMessage`` on the Bot API.

The bot token is the install's (``ISUP_TELEGRAM_BOT_TOKEN``) unless a contact
brings its own. Telegram answers ``{"ok": false, "description": ...}``: 400
"chat not found", 401 for a bad token and 403 "bot was blocked by the user"
are permanent; 429 carries ``parameters.retry_after``.
"""

import logging

from checker.channels.base import (
    ConfigError,
    Context,
    Message,
    SendResult,
    classify_response,
    post,
)
from isup_app.core.settings import Settings

logger = logging.getLogger(__name__)

SERVICE = "Telegram"


def validate(config: dict, settings: Settings) -> dict:
    chat_id = str(config.get("chat_id", "")).strip()
    if not chat_id:
        raise ConfigError("chat_id", "the Telegram chat ID is required")
    if not (chat_id.lstrip("-").isdigit() or chat_id.startswith("@")):
        raise ConfigError("chat_id", "a chat ID is a number or an @channel name")
    token = str(config.get("bot_token") or "").strip()
    if not token and not settings.telegram_bot_token:
        raise ConfigError("bot_token", "no bot token here nor in the settings")
    if token and ":" not in token:
        raise ConfigError("bot_token", "a bot token looks like 123456:ABC...")
    return {"chat_id": chat_id, **({"bot_token": token} if token else {})}


async def send(config: dict, message: Message, ctx: Context) -> SendResult:
    token = config.get("bot_token") or ctx.settings.telegram_bot_token
    if not token:
        return SendResult.refused("no Telegram bot token is configured")
    text = f"{message.subject}\n\n{message.text}"
    if message.link:
        text += f"\n{message.link}"
    url = f"{ctx.settings.telegram_api_url.rstrip('/')}/bot{token}/sendMessage"
    payload = {
        "chat_id": config["chat_id"],
        "text": text[:4096],
        "disable_web_page_preview": True,
    }
    response, failure = await post(SERVICE, ctx, url, json=payload)
    if failure:
        return failure
    if response.status_code == 429:
        try:
            retry = response.json().get("parameters", {}).get("retry_after")
        except ValueError:
            retry = None
        return SendResult.transient("Telegram is rate limiting", retry_after=retry)
    return classify_response(SERVICE, response)
