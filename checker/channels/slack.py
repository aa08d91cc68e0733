"""Slack incoming webhooks: POST a JSON message to the contact's hook URL.

Slack answers 200 ``ok``; a deleted hook or archived channel answers 404
(``no_service``), 410 (``channel_is_archived``) or 403 (``invalid_token``),
which no retry can fix.
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

SERVICE = "Slack"


def validate(config: dict, settings: Settings) -> dict:
    url = require(config, "webhook_url", "the Slack webhook URL")
    if not url.startswith(settings.slack_webhook_base):
        raise ConfigError(
            "webhook_url",
            f"a Slack webhook URL starts with {settings.slack_webhook_base}",
        )
    return {"webhook_url": url}


async def send(config: dict, message: Message, ctx: Context) -> SendResult:
    payload = {
        "text": f"{message.subject}\n{message.text}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": message.subject}},
            {"type": "section", "text": {"type": "mrkdwn", "text": message.text}},
        ],
    }
    if message.link:
        payload["blocks"].append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open monitor"},
                        "url": message.link,
                    }
                ],
            }
        )
    response, failure = await post(SERVICE, ctx, config["webhook_url"], json=payload)
    return failure or classify_response(SERVICE, response)
