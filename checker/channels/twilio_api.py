"""Twilio's REST API, shared by the SMS and voice channels.

Both post a form to ``/2010-04-01/Accounts/{sid}/<Messages|Calls>.json`` with
basic auth. Twilio refuses a request with a JSON error carrying its own
``code``; those that name the number or the account are permanent.
"""

import logging
import re

from checker.channels.base import (
    ConfigError,
    Context,
    SendResult,
    classify_response,
    post,
)
from isup_app.core.settings import Settings

logger = logging.getLogger(__name__)

SERVICE = "Twilio"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")

# Error codes about the number or the account: no retry will fix them.
# 21211 invalid To, 21214 To not reachable, 21408 region not enabled,
# 21610 recipient unsubscribed, 21612 cannot route, 21614 not a mobile,
# 20003 authentication failed, 21606/21659 bad From number.
PERMANENT_CODES = {20003, 21211, 21214, 21408, 21606, 21610, 21612, 21614, 21659}


def validate_number(config: dict) -> dict:
    raw = str(config.get("phone_number", ""))
    number = re.sub(r"[\s().-]", "", raw)
    if not number:
        raise ConfigError("phone_number", "the phone number is required")
    if not E164.match(number):
        raise ConfigError(
            "phone_number", "write the number with its country code, like +14155550100"
        )
    return {"phone_number": number}


def check_configured(settings: Settings) -> None:
    if not (
        settings.twilio_account_sid
        and settings.twilio_auth_token
        and settings.twilio_from_number
    ):
        raise ConfigError(
            "type", "SMS and voice need Twilio settings (account SID, token, number)"
        )


async def create(resource: str, form: dict, ctx: Context) -> SendResult:
    s = ctx.settings
    if not (s.twilio_account_sid and s.twilio_auth_token and s.twilio_from_number):
        return SendResult.refused("Twilio is not configured")
    url = (
        f"{s.twilio_api_url.rstrip('/')}/2010-04-01/Accounts/"
        f"{s.twilio_account_sid}/{resource}.json"
    )
    response, failure = await post(
        SERVICE,
        ctx,
        url,
        data={"From": s.twilio_from_number, **form},
        auth=(s.twilio_account_sid, s.twilio_auth_token),
    )
    if failure:
        return failure
    if response.is_success:
        try:
            return SendResult.sent(response.json().get("sid"))
        except ValueError:
            return SendResult.sent()
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("code") if isinstance(body, dict) else None
    if code in PERMANENT_CODES:
        return SendResult.refused(f"Twilio refused it ({code}): {body.get('message')}")
    return classify_response(SERVICE, response)
