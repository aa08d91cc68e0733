"""What one check found, and the message that carries it over the results stream.

A target that is down is an outcome, not an exception: every runner returns a
``CheckOutcome`` with the verdict, the phase that failed, a reason in words a
user understands, the value seen against the value expected, and the time each
phase took.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class Verdict(StrEnum):
    UP = "up"
    DOWN = "down"
    DEGRADED = "degraded"
    UNKNOWN = "unknown"


class Phase(StrEnum):
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    REQUEST = "request"
    RESPONSE = "response"
    TIMEOUT = "timeout"
    STATUS = "status"
    CONTENT = "content"
    KEYWORD = "keyword"
    CERTIFICATE = "certificate"
    ASSERTION = "assertion"
    HEARTBEAT = "heartbeat"
    CONFIG = "config"


@dataclass(slots=True)
class Timings:
    """Milliseconds spent in each phase; None where the phase did not happen."""

    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    ttfb_ms: float | None = None
    total_ms: float | None = None


@dataclass(slots=True)
class CheckOutcome:
    verdict: Verdict
    reason: str = ""
    phase: Phase | None = None
    seen: str | None = None
    expected: str | None = None
    timings: Timings = field(default_factory=Timings)
    status_code: int | None = None
    final_url: str | None = None
    ssl_expiry_date: datetime | None = None
    ssl_issuer: str | None = None
    excerpt: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def response_time_ms(self) -> float | None:
        return self.timings.total_ms


@dataclass(slots=True)
class ResultMessage:
    """One check's outcome on its way from a probe to the evaluator.

    ``check_id`` is unique per check: the evaluator stores a result once even
    when the stream hands the same entry over again after a crash.
    """

    check_id: str
    monitor_id: int
    organization_id: str
    region: str
    scheduled_at: datetime
    started_at: datetime
    outcome: CheckOutcome

    def to_fields(self) -> dict[str, str]:
        return {"json": json.dumps(asdict(self), default=_encode)}

    @classmethod
    def from_fields(cls, fields: dict) -> "ResultMessage":
        raw = fields.get("json") or fields.get(b"json")
        data = json.loads(raw)
        out = data["outcome"]
        outcome = CheckOutcome(
            verdict=Verdict(out["verdict"]),
            reason=out["reason"],
            phase=Phase(out["phase"]) if out["phase"] else None,
            seen=out["seen"],
            expected=out["expected"],
            timings=Timings(**out["timings"]),
            status_code=out["status_code"],
            final_url=out["final_url"],
            ssl_expiry_date=_parse_time(out["ssl_expiry_date"]),
            ssl_issuer=out["ssl_issuer"],
            excerpt=out["excerpt"],
            details=out["details"],
        )
        return cls(
            check_id=data["check_id"],
            monitor_id=data["monitor_id"],
            organization_id=data["organization_id"],
            region=data["region"],
            scheduled_at=_parse_time(data["scheduled_at"]),
            started_at=_parse_time(data["started_at"]),
            outcome=outcome,
        )


def utcnow() -> datetime:
    return datetime.now(UTC)


def _encode(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
