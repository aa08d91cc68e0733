"""Monitors: validation of every kind's configuration, and the queries that
create, change, pause, delete and read them.

Bad configuration is refused when a monitor is saved, never discovered by the
checker: ``validate_monitor`` returns clean, typed fields or raises
``MonitorInvalid`` whose ``errors`` map each offending field to a message the
dashboard shows beside it. Every query takes the organization it works in.
"""

import ipaddress
import logging
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlmodel import Session, select

from isup_app.core import plans
from isup_app.core.contacts import attach_default_contacts
from isup_app.core.models import (
    KeywordType,
    Monitor,
    MonitorStatus,
    MonitorType,
)

logger = logging.getLogger(__name__)

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
DNS_RECORD_TYPES = (
    "A",
    "AAAA",
    "CNAME",
    "MX",
    "NS",
    "TXT",
    "SOA",
    "SRV",
    "CAA",
    "PTR",
)
DNS_MATCHES = ("any", "all")

MIN_INTERVAL_SECONDS = 1
MAX_INTERVAL_SECONDS = 86_400
MAX_HEARTBEAT_INTERVAL_SECONDS = 31 * 86_400
MAX_TIMEOUT_SECONDS = 120
MAX_BODY_BYTES = 10 * 1_048_576
MAX_REDIRECTS = 20
MAX_PING_COUNT = 20
DEFAULT_SSL_PORT = 443

# Fields a user may set; everything else on Monitor is state kept by IsUp.
EDITABLE_FIELDS = (
    "name",
    "type",
    "url",
    "interval_seconds",
    "timeout_seconds",
    "regions",
    "tags",
    "http_method",
    "http_headers",
    "http_body",
    "expected_status_codes",
    "follow_redirects",
    "max_redirects",
    "verify_tls",
    "body_max_bytes",
    "keyword",
    "keyword_type",
    "keyword_case_sensitive",
    "port",
    "ping_count",
    "ssl_expiry_alert_days",
    "ca_bundle",
    "dns_record_type",
    "dns_server",
    "dns_expected",
    "dns_match",
    "heartbeat_grace_seconds",
    "response_time_threshold",
    "retries",
    "retry_interval_seconds",
    "recovery_checks",
    "reminder_minutes",
)

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_RANGE = re.compile(r"^(\d{3})\s*-\s*(\d{3})$")
_TRUE = {"true", "1", "yes", "on", "y", "t"}
_FALSE = {"false", "0", "no", "off", "n", "f", ""}


class MonitorInvalid(ValueError):
    """A monitor's configuration was refused; ``errors`` maps field -> message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        detail = "; ".join(f"{field}: {message}" for field, message in errors.items())
        super().__init__(f"invalid monitor: {detail}")


class _Invalid(Exception):
    """One field's message, raised by the small coercers below."""


# --- small coercers -----------------------------------------------------------


def _text(value, *, max_length: int | None = None, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise _Invalid("is required")
    if max_length is not None and len(text) > max_length:
        raise _Invalid(f"must be at most {max_length} characters")
    return text


def _int(value, *, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool):
        raise _Invalid("must be a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        value = value.strip()
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _Invalid("must be a whole number") from None
    _check_bounds(number, low, high)
    return number


def _optional_int(value, *, low=None, high=None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _int(value, low=low, high=high)


def _float(value, *, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool):
        raise _Invalid("must be a number")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise _Invalid("must be a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _Invalid("must be a number")
    _check_bounds(number, low, high)
    return number


def _check_bounds(number, low, high) -> None:
    if low is not None and number < low:
        raise _Invalid(f"must be at least {low:g}")
    if high is not None and number > high:
        raise _Invalid(f"must be at most {high:g}")


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Invalid("must be true or false")


def _string_list(value) -> list[str]:
    """A list from a list, or from text separated by commas or new lines."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[,\n]", value)
    elif isinstance(value, Iterable):
        parts = list(value)
    else:
        raise _Invalid("must be a list")
    return [str(part).strip() for part in parts if str(part).strip()]


def _host(value, *, required: bool = True) -> str:
    """A host name or an IP address (IPv6 with or without brackets)."""
    host = _text(value, max_length=255, required=required)
    if not host:
        return host
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    name = bare.rstrip(".")
    if not name or not all(_HOST_LABEL.match(label) for label in name.split(".")):
        raise _Invalid("must be a host name or an IP address")
    return bare.lower()


# --- public helpers -----------------------------------------------------------


def parse_status_codes(spec) -> list[tuple[int, int]]:
    """Accepted status codes as inclusive ranges: ``"200-299, 401"`` gives
    ``[(200, 299), (401, 401)]``. Lists of numbers or strings work too."""
    try:
        return _parse_status_codes(spec)
    except _Invalid as exc:
        raise MonitorInvalid({"expected_status_codes": str(exc)}) from None


def _parse_status_codes(spec) -> list[tuple[int, int]]:
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec = [spec]
    items = _string_list(spec) if spec is not None else []
    if not items:
        raise _Invalid("give at least one status code, like 200-299")
    ranges = []
    for item in items:
        match = _RANGE.match(item)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
        elif item.isdigit() and len(item) == 3:
            low = high = int(item)
        else:
            raise _Invalid(f"'{item}' is not a status code or a range like 200-299")
        if not (100 <= low <= 599 and 100 <= high <= 599):
            raise _Invalid(f"'{item}' is outside 100-599")
        if low > high:
            raise _Invalid(f"'{item}' starts after it ends")
        ranges.append((low, high))
    return ranges


def format_status_codes(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def status_accepted(code: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def parse_headers(value) -> dict[str, str]:
    """Headers from a mapping or from ``Name: value`` lines."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        pairs = []
        for line in value.splitlines():
            if not line.strip():
                continue
            name, sep, content = line.partition(":")
            if not sep:
                raise _Invalid(f"'{line.strip()}' is not a 'Name: value' line")
            pairs.append((name.strip(), content.strip()))
    elif isinstance(value, dict):
        pairs = [
            (str(k).strip(), "" if v is None else str(v)) for k, v in value.items()
        ]
    else:
        raise _Invalid("must be Name: value lines")
    headers = {}
    for name, content in pairs:
        if not _HEADER_NAME.match(name):
            raise _Invalid(f"'{name}' is not a valid header name")
        if "\r" in content or "\n" in content:
            raise _Invalid(f"the value of '{name}' holds a line break")
        headers[name] = content
    return headers


def display_url(url: str) -> str:
    """The URL without any user name or password, for showing back."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return parts._replace(netloc=netloc).geturl()


def split_server(value: str) -> tuple[str, int]:
    """``host``, ``host:port`` or ``[v6]:port`` -> (host, port); port 53 by default."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.lstrip(":") or "53"
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, "53"
    return host, int(port)


# --- validation ---------------------------------------------------------------


def _defaults() -> dict:
    blank = Monitor(organization_id="", name="", type=MonitorType.HTTP)
    return {name: getattr(blank, name) for name in EDITABLE_FIELDS}


def validate_monitor(data: dict) -> dict:
    """Clean, typed values for every editable field of a monitor.

    Fields missing from ``data`` take the table's defaults; unknown fields are
    refused. Raises ``MonitorInvalid`` naming every field that is wrong.
    """
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        raise MonitorInvalid({name: "is not a monitor field" for name in unknown})

    raw = _defaults()
    for name, value in data.items():
        # A form's empty box means "the default" where there is one.
        if isinstance(value, str) and not value.strip() and raw[name] not in (None, ""):
            continue
        raw[name] = value
    clean: dict = {}
    errors: dict[str, str] = {}

    def field(name, convert, *args, **kwargs):
        try:
            clean[name] = convert(raw.get(name), *args, **kwargs)
        except _Invalid as exc:
            errors[name] = str(exc)

    field("name", _text, max_length=200, required=True)
    try:
        kind = MonitorType(_text(raw.get("type"), required=True).lower())
        clean["type"] = kind
    except (_Invalid, ValueError):
        choices = ", ".join(t.value for t in MonitorType)
        errors["type"] = f"must be one of {choices}"
        raise MonitorInvalid(errors) from None

    _validate_common(kind, raw, clean, errors, field)
    _VALIDATORS[kind](raw, clean, errors, field)
    # Fields another kind uses keep the table's defaults.
    defaults = _defaults()
    for name in EDITABLE_FIELDS:
        if name not in clean and name not in errors:
            clean[name] = defaults[name]

    if errors:
        raise MonitorInvalid(errors)
    return clean


def _validate_common(kind, raw, clean, errors, field) -> None:
    high = (
        MAX_HEARTBEAT_INTERVAL_SECONDS
        if kind is MonitorType.HEARTBEAT
        else MAX_INTERVAL_SECONDS
    )
    field("interval_seconds", _int, low=MIN_INTERVAL_SECONDS, high=high)
    field("timeout_seconds", _float, low=0.1, high=MAX_TIMEOUT_SECONDS)
    interval = clean.get("interval_seconds")
    timeout = clean.get("timeout_seconds")
    if (
        kind is not MonitorType.HEARTBEAT
        and interval is not None
        and timeout is not None
        and timeout > interval
    ):
        errors["timeout_seconds"] = "must not be longer than the interval"
    field("regions", _string_list)
    field("tags", _string_list)
    field("response_time_threshold", _optional_int, low=1, high=600_000)
    field("retries", _int, low=0, high=10)
    field("retry_interval_seconds", _optional_int, low=1, high=MAX_INTERVAL_SECONDS)
    field("recovery_checks", _int, low=1, high=10)
    field("reminder_minutes", _optional_int, low=1, high=10_080)


def _http_url(value) -> str:
    url = _text(value, max_length=2048, required=True)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise _Invalid("is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _Invalid("must start with http:// or https://")
    if not parts.hostname:
        raise _Invalid("must name a host")
    try:
        _host(parts.hostname)
    except _Invalid:
        raise _Invalid("must name a valid host") from None
    if any(ch.isspace() for ch in url):
        raise _Invalid("must not contain spaces")
    return url


def _validate_http(raw, clean, errors, field) -> None:
    field("url", _http_url)
    try:
        method = _text(raw.get("http_method") or "GET").upper()
        if method not in HTTP_METHODS:
            raise _Invalid(f"must be one of {', '.join(HTTP_METHODS)}")
        clean["http_method"] = method
    except _Invalid as exc:
        errors["http_method"] = str(exc)
    field("http_headers", parse_headers)
    body = raw.get("http_body")
    clean["http_body"] = None if body in (None, "") else str(body)
    if clean["http_body"] is not None and clean.get("http_method") in ("GET", "HEAD"):
        errors["http_body"] = "a GET or HEAD request sends no body"
    try:
        ranges = _parse_status_codes(raw.get("expected_status_codes"))
        clean["expected_status_codes"] = format_status_codes(ranges)
    except _Invalid as exc:
        errors["expected_status_codes"] = str(exc)
    field("follow_redirects", _bool)
    field("max_redirects", _int, low=0, high=MAX_REDIRECTS)
    field("verify_tls", _bool)
    field("ca_bundle", _ca_bundle)
    field("body_max_bytes", _int, low=1, high=MAX_BODY_BYTES)


def _validate_keyword(raw, clean, errors, field) -> None:
    _validate_http(raw, clean, errors, field)
    field("keyword", _text, max_length=1000, required=True)
    try:
        value = _text(raw.get("keyword_type") or KeywordType.PRESENT).lower()
        clean["keyword_type"] = KeywordType(value)
    except ValueError:
        errors["keyword_type"] = "must be present or absent"
    field("keyword_case_sensitive", _bool)


def _validate_port(raw, clean, errors, field) -> None:
    field("url", _host)
    field("port", _int, low=1, high=65535)


def _validate_ping(raw, clean, errors, field) -> None:
    field("url", _host)
    field("ping_count", _int, low=1, high=MAX_PING_COUNT)


def _ssl_target(value) -> str:
    """A host, ``host:port`` or an https URL; kept as the host alone."""
    text = _text(value, max_length=2048, required=True)
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme.lower() != "https":
            raise _Invalid("must be a host name or an https:// address")
        return _host(parts.hostname)
    return _host(text)


def _validate_ssl(raw, clean, errors, field) -> None:
    text = _text(raw.get("url"))
    port = raw.get("port")
    if port in (None, "") and "://" in text:
        try:
            port = urlsplit(text).port
        except ValueError:
            port = None
    field("url", _ssl_target)
    try:
        clean["port"] = _int(
            DEFAULT_SSL_PORT if port in (None, "") else port, low=1, high=65535
        )
    except _Invalid as exc:
        errors["port"] = str(exc)
    try:
        days = sorted(
            {_int(day, low=1, high=365) for day in _string_list_or_ints(raw)},
            reverse=True,
        )
        clean["ssl_expiry_alert_days"] = days
    except _Invalid:
        errors["ssl_expiry_alert_days"] = "must be whole numbers of days from 1 to 365"
    field("ca_bundle", _ca_bundle)
    field("verify_tls", _bool)


def _string_list_or_ints(raw) -> list:
    value = raw.get("ssl_expiry_alert_days")
    if isinstance(value, list):
        return value
    return _string_list(value)


def _ca_bundle(value) -> str | None:
    text = _text(value)
    if not text:
        return None
    from cryptography import x509

    try:
        certificates = x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        raise _Invalid("is not a PEM certificate bundle") from None
    if not certificates:
        raise _Invalid("holds no certificate")
    return text + "\n"


def _dns_name(value) -> str:
    name = _text(value, max_length=253, required=True)
    try:
        ipaddress.ip_address(name)
        return name  # a PTR query may name the address itself
    except ValueError:
        pass
    return _host(name)


def _dns_server(value) -> str | None:
    text = _text(value, max_length=255)
    if not text:
        return None
    try:
        host, port = split_server(text)
    except ValueError:
        raise _Invalid("must be host or host:port") from None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise _Invalid("must be an IP address, optionally with :port") from None
    if not 1 <= port <= 65535:
        raise _Invalid("port must be from 1 to 65535")
    if port == 53:
        return str(address)
    return f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"


def _validate_dns(raw, clean, errors, field) -> None:
    field("url", _dns_name)
    record_type = _text(raw.get("dns_record_type") or "A").upper()
    if record_type in DNS_RECORD_TYPES:
        clean["dns_record_type"] = record_type
    else:
        errors["dns_record_type"] = f"must be one of {', '.join(DNS_RECORD_TYPES)}"
    field("dns_server", _dns_server)
    field("dns_expected", _string_list)
    match = _text(raw.get("dns_match") or "any").lower()
    if match in DNS_MATCHES:
        clean["dns_match"] = match
    else:
        errors["dns_match"] = "must be any or all"
    if (
        record_type == "PTR"
        and "url" in clean
        and not _is_ip(clean["url"])
        and not clean["url"].endswith((".in-addr.arpa", ".ip6.arpa"))
    ):
        errors["url"] = "a PTR lookup needs an IP address or a reverse name"


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _validate_heartbeat(raw, clean, errors, field) -> None:
    field("heartbeat_grace_seconds", _int, low=0, high=MAX_HEARTBEAT_INTERVAL_SECONDS)


_VALIDATORS = {
    MonitorType.HTTP: _validate_http,
    MonitorType.KEYWORD: _validate_keyword,
    MonitorType.PORT: _validate_port,
    MonitorType.PING: _validate_ping,
    MonitorType.SSL: _validate_ssl,
    MonitorType.DNS: _validate_dns,
    MonitorType.HEARTBEAT: _validate_heartbeat,
}


# --- queries ------------------------------------------------------------------


def new_heartbeat_token() -> str:
    return secrets.token_urlsafe(24)


def _announce(redis, monitor: Monitor, action: str) -> None:
    if redis is None:
        return
    from isup_app.core.bus import announce_monitor_change

    announce_monitor_change(redis, monitor.id, action)


def create_monitor(
    session: Session,
    organization_id: str,
    data: dict,
    *,
    user_id: str | None = None,
    redis=None,
) -> Monitor:
    clean = validate_monitor(data)
    plans.check_interval(session, organization_id, clean["interval_seconds"])
    plans.check_can_add_monitors(session, organization_id)
    monitor = Monitor(organization_id=organization_id, user_id=user_id, **clean)
    if monitor.type is MonitorType.HEARTBEAT:
        monitor.heartbeat_token = new_heartbeat_token()
    session.add(monitor)
    session.flush()
    # The organization's default alert contacts go on every new monitor.
    attach_default_contacts(session, monitor)
    session.commit()
    session.refresh(monitor)
    logger.info(
        "monitor created id=%s org=%s type=%s",
        monitor.id,
        organization_id,
        monitor.type.value,
    )
    _announce(redis, monitor, "created")
    return monitor


def get_monitor(
    session: Session, organization_id: str, monitor_id: int
) -> Monitor | None:
    monitor = session.exec(
        select(Monitor).where(
            Monitor.id == monitor_id,
            Monitor.organization_id == organization_id,
            Monitor.status != MonitorStatus.DELETED,
        )
    ).first()
    return monitor


def get_monitors(
    session: Session, organization_id: str, monitor_ids: list[int]
) -> list[Monitor]:
    """The named monitors of one organization that are not deleted (any
    order); ids of other organizations' monitors are not found."""
    if not monitor_ids:
        return []
    return list(
        session.exec(
            select(Monitor).where(
                Monitor.id.in_(monitor_ids),
                Monitor.organization_id == organization_id,
                Monitor.status != MonitorStatus.DELETED,
            )
        )
    )


def list_monitors(session: Session, organization_id: str) -> list[Monitor]:
    return list(
        session.exec(
            select(Monitor)
            .where(
                Monitor.organization_id == organization_id,
                Monitor.status != MonitorStatus.DELETED,
            )
            .order_by(Monitor.name, Monitor.id)
        )
    )


def _require(session, organization_id, monitor_id) -> Monitor:
    monitor = get_monitor(session, organization_id, monitor_id)
    if monitor is None:
        raise LookupError(f"no monitor {monitor_id} in this organization")
    return monitor


def update_monitor(
    session: Session,
    organization_id: str,
    monitor_id: int,
    data: dict,
    *,
    redis=None,
) -> Monitor:
    """Change a monitor's configuration; the fields not given stay as they are.

    Raises ``LookupError`` for a monitor outside the organization.
    """
    monitor = _require(session, organization_id, monitor_id)
    current = {name: getattr(monitor, name) for name in EDITABLE_FIELDS}
    clean = validate_monitor({**current, **data})
    if clean["interval_seconds"] != monitor.interval_seconds:
        plans.check_interval(session, organization_id, clean["interval_seconds"])

    for name, value in clean.items():
        setattr(monitor, name, value)
    if monitor.type is MonitorType.HEARTBEAT and not monitor.heartbeat_token:
        monitor.heartbeat_token = new_heartbeat_token()
    monitor.updated_at = datetime.now(UTC)
    session.add(monitor)
    session.commit()
    session.refresh(monitor)

    logger.info("monitor updated id=%s org=%s", monitor.id, organization_id)
    _announce(redis, monitor, "updated")
    return monitor


def set_paused(
    session: Session,
    organization_id: str,
    monitor_id: int,
    paused: bool,
    *,
    redis=None,
) -> Monitor:
    monitor = _require(session, organization_id, monitor_id)
    if not paused and monitor.status is not MonitorStatus.ACTIVE:
        plans.check_can_add_monitors(session, organization_id)
    monitor.status = MonitorStatus.PAUSED if paused else MonitorStatus.ACTIVE
    monitor.updated_at = datetime.now(UTC)
    session.add(monitor)
    session.commit()
    session.refresh(monitor)

    action = "paused" if paused else "resumed"
    logger.info("monitor %s id=%s org=%s", action, monitor.id, organization_id)
    _announce(redis, monitor, action)
    return monitor


def delete_monitor(
    session: Session,
    organization_id: str,
    monitor_id: int,
    *,
    redis=None,
) -> Monitor:
    """Mark a monitor deleted; its history stays until retention removes it."""
    monitor = _require(session, organization_id, monitor_id)
    monitor.status = MonitorStatus.DELETED
    monitor.updated_at = datetime.now(UTC)
    session.add(monitor)
    session.commit()
    session.refresh(monitor)

    logger.info("monitor deleted id=%s org=%s", monitor.id, organization_id)
    _announce(redis, monitor, "deleted")
    return monitor


def regenerate_heartbeat_token(
    session: Session, organization_id: str, monitor_id: int, *, redis=None
) -> Monitor:
    """Give a heartbeat monitor a new ping address; the old one stops working."""
    monitor = _require(session, organization_id, monitor_id)
    if monitor.type is not MonitorType.HEARTBEAT:
        raise MonitorInvalid({"type": "only heartbeat monitors have a ping address"})
    monitor.heartbeat_token = new_heartbeat_token()
    session.add(monitor)
    session.commit()
    session.refresh(monitor)
    _announce(redis, monitor, "updated")
    return monitor


# --- heartbeat pings ----------------------------------------------------------

PING_BODY_LIMIT = 10_240
PING_SUCCESS = "success"
PING_START = "start"
PING_FAIL = "fail"


def ping_kind(signal: str | None = None, exit_status: int | None = None) -> str:
    """``success``, ``start``, ``fail`` or ``exit N`` for a non-zero status."""
    if exit_status is not None:
        return PING_SUCCESS if exit_status == 0 else f"exit {exit_status}"
    return signal or PING_SUCCESS


def is_failure_kind(kind: str | None) -> bool:
    return kind == PING_FAIL or bool(kind and kind.startswith("exit "))


def failure_reason(kind: str) -> str:
    if kind == PING_FAIL:
        return "the job reported a failure"
    return f"the job ended with exit status {kind.removeprefix('exit ')}"


def record_ping(
    session: Session,
    token: str,
    kind: str,
    body: bytes | str | None,
    *,
    now: datetime | None = None,
) -> Monitor | None:
    """Record one ping on the heartbeat monitor whose token it is.

    The token is the credential (unguessable, one per monitor), so the lookup
    is not scoped by organization. Deleted monitors do not exist here. A
    ``start`` only marks the run's beginning; success and failure pings are
    the monitor's last ping, with the first 10 KB of their body.
    """
    monitor = session.exec(
        select(Monitor).where(
            Monitor.heartbeat_token == token,
            Monitor.type == MonitorType.HEARTBEAT,
            Monitor.status != MonitorStatus.DELETED,
        )
    ).first()
    if monitor is None:
        return None

    now = now or datetime.now(UTC)
    if isinstance(body, bytes):
        body = body[:PING_BODY_LIMIT].decode("utf-8", errors="replace")
    body = (body or "")[:PING_BODY_LIMIT]
    if kind == PING_START:
        monitor.last_start_at = now
    else:
        monitor.last_ping_at = now
        monitor.last_ping_kind = kind
        monitor.last_ping_body = body
    # Probes keep monitors in memory and re-read those whose updated_at moved:
    # without this, a missed "pinged" event would leave a probe judging the
    # heartbeat on an old ping. (Same interval, so nothing is rescheduled.)
    monitor.updated_at = now
    session.add(monitor)
    session.commit()
    session.refresh(monitor)
    return monitor
