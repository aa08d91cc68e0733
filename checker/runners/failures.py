"""Foreign exceptions, mapped in one place to what a user reads.

httpx, httpcore, ssl, socket, dnspython and icmplib each raise their own
errors; a runner hands whatever it caught to ``describe`` and gets back the
phase that failed, a short reason ("connection refused", "self-signed
certificate", ...) and the verdict. Most failures are ``down``; a few say
nothing about the target (ICMP forbidden on this machine) and are ``unknown``.
"""

import errno
import socket
import ssl
from dataclasses import dataclass

import dns.exception
import dns.resolver
import httpx
import icmplib

from isup_app.core.outcome import Phase, Verdict


@dataclass(frozen=True, slots=True)
class Failure:
    phase: Phase
    reason: str
    verdict: Verdict = Verdict.DOWN
    seen: str | None = None


class CheckTimeout(Exception):
    """A check ran out of time; ``phase`` says where it was waiting."""

    def __init__(self, phase: Phase, seconds: float):
        self.phase = phase
        self.seconds = seconds
        super().__init__(f"timeout after {seconds:g} s in {phase.value}")


# OpenSSL's X509_V_ERR_* codes, as ssl.SSLCertVerificationError.verify_code.
_VERIFY_REASONS = {
    2: "incomplete certificate chain",
    9: "certificate not yet valid",
    10: "certificate expired",
    18: "self-signed certificate",
    19: "self-signed certificate in the chain",
    20: "certificate issuer not trusted",
    21: "incomplete certificate chain",
    62: "certificate host name mismatch",
    64: "certificate IP address mismatch",
}

_WAITING_FOR = {
    Phase.DNS: "the DNS answer",
    Phase.CONNECT: "the connection",
    Phase.TLS: "the TLS handshake",
    Phase.REQUEST: "the request to be sent",
    Phase.RESPONSE: "the response",
    Phase.CONTENT: "the body",
}


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def describe(exc: BaseException, phase: Phase | None = None) -> Failure:
    """What went wrong, for a user. ``phase`` is where the check was when the
    exception came, used when the exception itself does not say."""
    for err in _chain(exc):
        failure = _describe_one(err, phase)
        if failure is not None:
            return failure
    name = type(exc).__name__
    return Failure(phase or Phase.REQUEST, f"{name}: {exc}".rstrip(": "))


def _describe_one(err: BaseException, phase: Phase | None) -> Failure | None:
    if isinstance(err, CheckTimeout):
        waiting = _WAITING_FOR.get(err.phase, err.phase.value)
        return Failure(
            Phase.TIMEOUT,
            "timeout",
            seen=f"no answer within {err.seconds:g} s, waiting for {waiting}",
        )
    if isinstance(err, ssl.SSLCertVerificationError):
        reason = _VERIFY_REASONS.get(err.verify_code)
        if reason is None:
            reason = f"certificate not trusted: {err.verify_message}"
        return Failure(Phase.CERTIFICATE, reason, seen=err.verify_message)
    if isinstance(err, ssl.SSLError):
        detail = err.reason or err.strerror or str(err)
        return Failure(Phase.TLS, f"TLS handshake failed: {detail}")
    if isinstance(err, socket.gaierror):
        if err.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            return Failure(Phase.DNS, "host name not found")
        return Failure(Phase.DNS, f"DNS lookup failed: {err.strerror}")
    if isinstance(err, ConnectionRefusedError):
        return Failure(Phase.CONNECT, "connection refused")
    if isinstance(err, ConnectionResetError):
        return Failure(phase or Phase.RESPONSE, "connection reset by the server")
    if isinstance(err, TimeoutError | httpx.TimeoutException):
        return Failure(Phase.TIMEOUT, "timeout")
    if isinstance(err, OSError) and err.errno in (errno.ENETUNREACH,):
        return Failure(Phase.CONNECT, "network unreachable")
    if isinstance(err, OSError) and err.errno in (errno.EHOSTUNREACH,):
        return Failure(Phase.CONNECT, "host unreachable")
    if isinstance(err, OSError) and err.errno in (errno.EADDRNOTAVAIL,):
        return Failure(Phase.CONNECT, "address not available")
    if isinstance(err, httpx.DecodingError):
        return Failure(
            Phase.CONTENT, "the body could not be decoded", seen=str(err) or None
        )
    if isinstance(err, httpx.RemoteProtocolError):
        text = str(err)
        if "without sending" in text or "disconnected" in text.lower():
            return Failure(
                Phase.RESPONSE, "the server closed the connection without answering"
            )
        return Failure(Phase.RESPONSE, f"invalid HTTP response: {text}")
    if isinstance(err, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return Failure(Phase.CONFIG, f"invalid URL: {err}", verdict=Verdict.UNKNOWN)
    if isinstance(err, dns.resolver.NXDOMAIN):
        return Failure(Phase.DNS, "NXDOMAIN: the name does not exist")
    if isinstance(err, dns.resolver.NoAnswer):
        return Failure(Phase.DNS, "empty answer: no records of that type")
    if isinstance(err, dns.resolver.NoNameservers):
        return Failure(Phase.DNS, _no_nameservers_reason(err))
    if isinstance(err, dns.exception.Timeout):
        return Failure(Phase.TIMEOUT, "timeout")
    if isinstance(err, icmplib.SocketPermissionError):
        return Failure(
            Phase.CONNECT,
            "ICMP not permitted on this machine",
            verdict=Verdict.UNKNOWN,
        )
    if isinstance(err, icmplib.NameLookupError):
        return Failure(Phase.DNS, "host name not found")
    if isinstance(err, icmplib.ICMPError):
        return Failure(Phase.CONNECT, f"ICMP error: {err}")
    if isinstance(err, icmplib.ICMPSocketError):
        return Failure(Phase.CONNECT, f"ICMP failed: {err}")
    return None


def _no_nameservers_reason(err: dns.resolver.NoNameservers) -> str:
    text = str(err)
    for rcode in ("SERVFAIL", "REFUSED", "NOTIMP", "FORMERR"):
        if rcode in text:
            return rcode if rcode == "SERVFAIL" else f"server answered {rcode}"
    return "no DNS server answered"
