"""SMS through Twilio's Messages resource."""

from checker.channels import twilio_api
from checker.channels.base import Context, Message, SendResult
from isup_app.core.settings import Settings

MAX_LENGTH = 640


def validate(config: dict, settings: Settings) -> dict:
    twilio_api.check_configured(settings)
    return twilio_api.validate_number(config)


async def send(config: dict, message: Message, ctx: Context) -> SendResult:
    body = f"{message.subject}\n{message.text}"
    if message.link:
        body += f"\n{message.link}"
    form = {"To": config["phone_number"], "Body": body[:MAX_LENGTH]}
    return await twilio_api.create("Messages", form, ctx)
