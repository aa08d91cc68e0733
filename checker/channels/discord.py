"""Discord webhooks: POST a JSON message (content plus an embed).

Discord answers 204 (or 200 with ``?wait=true``); a deleted webhook answers
404 ``Unknown Webhook`` and a bad token 401: both permanent. 429 carries
``retry_after``.
"""

import logging

from checker.channels.base import (
    ConfigError,
    Context,
    Message,
    SendResult,
    classify_response,
    post,
    require,
)
from isup_app.core.settings import Settings

logger = logging.getLogger(__name__)

SERVICE = "Discord"
COLOURS = {"down": 0xE5484D, "up": 0x30A46C, "reminder": 0xE5484D}


def validate(config: dict, settings: Settings) -> dict:
    url = require(config, "webhook_url", "the Discord webhook URL")
    if not url.startswith(settings.discord_webhook_base):
        raise ConfigError(
            "webhook_url",
            f"a Discord webhook URL starts with {settings.discord_webhook_base}",
        )
    return {"webhook_url": url}


async def send(config: dict, message: Message, ctx: Context) -> SendResult:
    embed = {
        "title": message.subject[:256],
        "description": message.text[:4000],
        "color": COLOURS.get(message.event, 0xF5A623),
    }
    if message.link:
        embed["url"] = message.link
    payload = {"content": message.subject[:2000], "embeds": [embed]}
    response, failure = await post(SERVICE, ctx, config["webhook_url"], json=payload)
    return failure or classify_response(SERVICE, response)
