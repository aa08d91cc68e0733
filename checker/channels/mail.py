"""Email: through Resend when ``ISUP_RESEND_API_KEY`` is set, otherwise
through the SMTP server in the settings.

Resend gets the event key as its ``Idempotency-Key``: a repeat within its
24-hour window is not sent again. SMTP has no such key; each mail carries a
``Message-ID`` made from the event key instead, so a repeat shows as one
thread in most mail readers.
"""

import asyncio
import hashlib
import logging
import re
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

import aiosmtplib
import resend
from resend.exceptions import ResendError

from checker.channels.base import ConfigError, Context, Message, SendResult
from isup_app.core.settings import Settings

logger = logging.getLogger(__name__)

ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Resend answers these when the request itself or the key is wrong.
RESEND_PERMANENT = {400, 401, 403, 404, 405, 422}


def validate(config: dict, settings: Settings) -> dict:
    address = str(config.get("email", "")).strip()
    if not address:
        raise ConfigError("email", "the email address is required")
    if not ADDRESS.match(address) or len(address) > 320:
        raise ConfigError("email", f"{address!r} is not an email address")
    return {"email": address.lower()}


async def send(config: dict, message: Message, ctx: Context) -> SendResult:
    settings = ctx.settings
    if settings.resend_api_key:
        return await asyncio.to_thread(_send_resend, settings, config, message)
    if settings.smtp_host:
        return await _send_smtp(settings, config, message)
    return SendResult.refused("no email provider is configured (Resend or SMTP)")


def _body(message: Message) -> str:
    link = f"\n\nOpen the monitor: {message.link}" if message.link else ""
    return f"{message.text}{link}\n\n-- IsUp"


def _send_resend(settings: Settings, config: dict, message: Message) -> SendResult:
    # The SDK keeps its key and address in module globals; every send sets
    # them from the one settings object, so they never differ between threads.
    resend.api_key = settings.resend_api_key
    resend.api_url = settings.resend_api_url.rstrip("/")
    params = {
        "from": settings.email_from,
        "to": [config["email"]],
        "subject": message.subject,
        "text": _body(message),
        "headers": {"X-IsUp-Delivery": message.key},
    }
    try:
        sent = resend.Emails.send(params, {"idempotency_key": message.key[:256]})
    except ResendError as exc:
        reason = f"Resend refused it ({exc.code}): {exc.message}"
        code = int(exc.code) if str(exc.code).isdigit() else 500
        if code in RESEND_PERMANENT:
            return SendResult.refused(reason)
        return SendResult.transient(reason)
    return SendResult.sent(sent.get("id") if isinstance(sent, dict) else None)


def _mail(settings: Settings, config: dict, message: Message) -> EmailMessage:
    mail = EmailMessage()
    name, address = parseaddr(settings.email_from)
    mail["From"] = formataddr((name, address))
    mail["To"] = config["email"]
    mail["Subject"] = message.subject
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
    domain = address.rsplit("@", 1)[-1] or "isup.localhost"
    mail["Message-ID"] = f"<{digest}@{domain}>"
    mail["X-IsUp-Delivery"] = message.key
    mail.set_content(_body(message))
    return mail


async def _send_smtp(settings: Settings, config: dict, message: Message) -> SendResult:
    security = settings.smtp_security.lower()
    try:
        await aiosmtplib.send(
            _mail(settings, config, message),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            use_tls=security == "tls",
            start_tls=security == "starttls",
            timeout=settings.notify_timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        reason = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        if all(500 <= code < 600 for code in codes):
            return SendResult.refused(f"the mail server refused the address: {reason}")
        return SendResult.transient(f"the mail server deferred the address: {reason}")
    except aiosmtplib.SMTPAuthenticationError as exc:
        return SendResult.refused(f"the mail server refused the login: {exc.code}")
    except aiosmtplib.SMTPResponseException as exc:
        reason = f"the mail server answered {exc.code} {exc.message}"
        if 500 <= exc.code < 600:
            return SendResult.refused(reason)
        return SendResult.transient(reason)
    except (aiosmtplib.SMTPException, OSError) as exc:
        return SendResult.transient(
            f"the mail server could not be reached: {type(exc).__name__}"
        )
    return SendResult.sent()
