"""What several runners share: name resolution timed apart from connecting,
a stopwatch that knows the phase a check is in, and certificate summaries."""

import asyncio
import ipaddress
import math
import os
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.x509.oid import NameOID

from isup_app.core.outcome import CheckOutcome, Phase, Timings, Verdict

USER_AGENT = "IsUp/0.1 (uptime monitor; +https://github.com/isup/isup)"


@dataclass(slots=True)
class Stopwatch:
    """Where a check is, and how long each phase took (milliseconds)."""

    started: float = field(default_factory=time.perf_counter)
    phase: Phase = Phase.DNS
    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    ttfb_ms: float | None = None
    total_ms: float | None = None

    def elapsed_ms(self, since: float | None = None) -> float:
        return (time.perf_counter() - (since or self.started)) * 1000

    def add(self, name: str, ms: float) -> None:
        setattr(self, name, round((getattr(self, name) or 0) + ms, 3))

    def stop(self) -> Timings:
        if self.total_ms is None:
            self.total_ms = round(self.elapsed_ms(), 3)
        return Timings(
            dns_ms=self.dns_ms,
            connect_ms=self.connect_ms,
            tls_ms=self.tls_ms,
            ttfb_ms=self.ttfb_ms,
            total_ms=self.total_ms,
        )


def ip_literal(host: str) -> str | None:
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        return None


async def resolve(host: str, port: int, watch: Stopwatch | None = None) -> list[str]:
    """The addresses of ``host``, in the system resolver's order.

    An IP address is its own answer (and takes no DNS time)."""
    if watch is not None:
        watch.phase = Phase.DNS
    literal = ip_literal(host)
    if literal is not None:
        if watch is not None:
            watch.add("dns_ms", 0.0)
        return [literal]
    began = time.perf_counter()
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    )
    if watch is not None:
        watch.add("dns_ms", (time.perf_counter() - began) * 1000)
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


@lru_cache(maxsize=64)
def ssl_context(verify: bool = True, ca_bundle: str | None = None) -> ssl.SSLContext:
    """A shared client context (contexts are costly to build, cheap to share;
    every check still makes its own connection)."""
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if ca_bundle:
        return ssl.create_default_context(cadata=ca_bundle)
    if _system_store_present():
        return ssl.create_default_context()
    import certifi  # httpx's own dependency: a store where the system has none

    return ssl.create_default_context(cafile=certifi.where())


def _system_store_present() -> bool:
    paths = ssl.get_default_verify_paths()
    if paths.cafile and os.path.isfile(paths.cafile):
        return True
    return bool(
        paths.capath and os.path.isdir(paths.capath) and os.listdir(paths.capath)
    )


@dataclass(slots=True)
class CertSummary:
    subject: str
    issuer: str
    names: list[str]
    not_before: datetime
    not_after: datetime
    days_left: int

    def as_details(self) -> dict:
        return {
            "ssl_subject": self.subject,
            "ssl_issuer": self.issuer,
            "ssl_names": self.names,
            "ssl_not_before": self.not_before.isoformat(),
            "ssl_not_after": self.not_after.isoformat(),
            "ssl_days_left": self.days_left,
        }


def days_left(not_after: datetime, now: datetime) -> int:
    """Whole days until expiry, counting a part day as a day; once expired,
    minus the whole days since (expired 3 days and 2 hours ago: -3)."""
    seconds = (not_after - now).total_seconds()
    if seconds > 0:
        return math.ceil(seconds / 86_400)
    return -math.floor(-seconds / 86_400)


def summarize_certificate(der: bytes, now: datetime) -> CertSummary:
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = [str(n) for n in san.value.get_values_for_type(x509.DNSName)]
        names += [str(a) for a in san.value.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    return CertSummary(
        subject=_common_name(cert.subject),
        issuer=_common_name(cert.issuer),
        names=names,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        days_left=days_left(cert.not_valid_after_utc, now),
    )


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if values:
        return str(values[0].value)
    return name.rfc4514_string()


def peer_certificate(ssl_object) -> bytes | None:
    if ssl_object is None:
        return None
    try:
        return ssl_object.getpeercert(binary_form=True)
    except (ValueError, ssl.SSLError):
        return None


def apply_threshold(monitor, outcome: CheckOutcome) -> CheckOutcome:
    """An up outcome slower than the monitor's response-time threshold is
    degraded."""
    threshold = monitor.response_time_threshold
    total = outcome.timings.total_ms
    if outcome.verdict is Verdict.UP and threshold and total and total > threshold:
        outcome.verdict = Verdict.DEGRADED
        outcome.phase = Phase.RESPONSE
        outcome.reason = "slower than its threshold"
        outcome.seen = f"{total:.0f} ms"
        outcome.expected = f"at most {threshold} ms"
    return outcome
