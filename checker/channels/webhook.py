"""Generic webhooks: POST the event as JSON, signed with the contact's secret.

Headers:
- ``X-IsUp-Signature: t=<unix time>,v1=<hex>`` where ``<hex>`` is
  HMAC-SHA256 under the contact's secret of ``"<unix time>.<raw body>"``.
  Receivers recompute it over the raw body and refuse stale times.
- ``X-IsUp-Event``: down, up, reminder, ssl_expiry or test.
- ``X-IsUp-Delivery`` and ``Idempotency-Key``: the same value for every
  attempt at the same event for the same contact, so a receiver can drop a
  repeat.

2xx is delivered; 404 and 410 (and other refusals: 400, 401, 403, 422) are
permanent; anything else is tried again later.
"""

import hashlib
import hmac
import json
import logging
import secrets
import time

import httpx

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

SERVICE = "The webhook"
SIGNATURE_HEADER = "X-IsUp-Signature"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def validate(config: dict, settings: Settings) -> dict:
    url = require(config, "url", "the webhook URL")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ConfigError("url", "not a valid URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError("url", "the webhook URL must start with http:// or https://")
    secret = str(config.get("secret") or "").strip() or new_secret()
    if len(secret) < 16:
        raise ConfigError("secret", "the signing secret needs at least 16 characters")
    return {"url": url, "secret": secret}


def body_for(message: Message) -> bytes:
    payload = {
        "event": message.event,
        "id": message.key,
        "subject": message.subject,
        "text": message.text,
        "link": message.link,
        **message.data,
    }
    return json.dumps(payload, separators=(",", ":"), default=str).encode()


async def send(config: dict, message: Message, ctx: Context) -> SendResult:
    body = body_for(message)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(config["secret"], body, int(time.time())),
        "X-IsUp-Event": message.event,
        "X-IsUp-Delivery": message.key,
        "Idempotency-Key": message.key,
    }
    response, failure = await post(
        SERVICE, ctx, config["url"], content=body, headers=headers
    )
    return failure or classify_response(SERVICE, response)
