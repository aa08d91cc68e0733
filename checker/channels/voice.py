"""Voice calls through Twilio's Calls resource, reading the alert aloud."""

from xml.sax.saxutils import escape

from checker.channels import twilio_api
from checker.channels.base import Context, Message, SendResult
from isup_app.core.settings import Settings


def validate(config: dict, settings: Settings) -> dict:
    twilio_api.check_configured(settings)
    return twilio_api.validate_number(config)


def twiml(message: Message) -> str:
    spoken = escape(f"{message.subject}. {message.text}".replace("\n", ". "))
    return f"<Response><Say>{spoken[:1500]}</Say></Response>"


async def send(config: dict, message: Message, ctx: Context) -> SendResult:
    form = {"To": config["phone_number"], "Twiml": twiml(message)}
    return await twilio_api.create("Calls", form, ctx)
