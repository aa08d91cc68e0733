"""What every alert channel shares: the message, the outcome of a send, and
the one place where transport errors and HTTP answers become outcomes.

A send never raises for a provider's refusal: it returns a ``SendResult`` that
says whether it worked and, if not, whether trying again could help.
"""

import logging
from dataclasses import asdict, dataclass, field
from typing import Protocol

import httpx

from isup_app.core.settings import Settings

logger = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A contact's settings that cannot be saved; ``field`` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(slots=True)
class Message:
    """One alert, rendered once when the event is decided.

    ``key`` identifies the event for one contact; providers that honour
    idempotency keys get it, and webhook receivers see it in a header.
    """

    event: str
    subject: str
    text: str
    key: str
    link: str | None = None
    data: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Message":
        return cls(**data)


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    permanent: bool = False
    reason: str = ""
    provider_id: str | None = None
    retry_after: float | None = None

    @classmethod
    def sent(cls, provider_id: str | None = None) -> "SendResult":
        return cls(ok=True, provider_id=provider_id)

    @classmethod
    def transient(cls, reason: str, retry_after: float | None = None) -> "SendResult":
        return cls(ok=False, reason=reason[:1000], retry_after=retry_after)

    @classmethod
    def refused(cls, reason: str) -> "SendResult":
        """A permanent failure: trying again will not help."""
        return cls(ok=False, permanent=True, reason=reason[:1000])


@dataclass(slots=True)
class Context:
    settings: Settings
    http: httpx.AsyncClient


class Channel(Protocol):
    def validate(self, config: dict, settings: Settings) -> dict:
        """The config to store, normalised, or ``ConfigError``."""

    async def send(self, config: dict, message: Message, ctx: Context) -> SendResult:
        """Deliver ``message``; never raises for the provider's answers."""


# Answers after which the same request can never succeed: the address is
# gone (404, 410), the credentials are refused (401, 403), the request is
# refused as such (400, 413, 422).
PERMANENT_STATUSES = {400, 401, 403, 404, 405, 410, 413, 422}


def classify_response(service: str, response: httpx.Response) -> SendResult:
    """A provider's HTTP answer as an outcome, for the common cases."""
    if response.is_success:
        return SendResult.sent()
    detail = _detail(response)
    reason = f"{service} answered {response.status_code}{detail}"
    if response.status_code in PERMANENT_STATUSES:
        return SendResult.refused(reason)
    return SendResult.transient(reason, retry_after=_retry_after(response))


def transport_failure(service: str, exc: httpx.HTTPError) -> SendResult:
    """A request that got no answer: always worth another try."""
    if isinstance(exc, httpx.TimeoutException):
        return SendResult.transient(f"{service} did not answer in time")
    if isinstance(exc, httpx.ConnectError):
        return SendResult.transient(
            f"{service} could not be reached: connection failed"
        )
    return SendResult.transient(f"{service} request failed: {type(exc).__name__}")


async def post(
    service: str, ctx: Context, url: str, **kwargs
) -> tuple[httpx.Response | None, SendResult | None]:
    """POST and hand back the response, or the failure if none came."""
    try:
        response = await ctx.http.post(
            url, timeout=ctx.settings.notify_timeout_seconds, **kwargs
        )
    except httpx.HTTPError as exc:
        logger.debug("send failed service=%s error=%s", service, type(exc).__name__)
        return None, transport_failure(service, exc)
    return response, None


def _detail(response: httpx.Response) -> str:
    text = response.text.strip()
    if not text:
        return ""
    try:
        body = response.json()
    except ValueError:
        return f": {text[:200]}"
    if isinstance(body, dict):
        for key in ("description", "message", "error"):
            if isinstance(body.get(key), str):
                return f": {body[key][:200]}"
    return f": {text[:200]}"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def require(config: dict, name: str, what: str) -> str:
    value = config.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(name, f"{what} is required")
    return value.strip()
