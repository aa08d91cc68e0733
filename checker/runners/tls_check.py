"""Certificate checks (monitor type ``ssl``).

The handshake verifies the chain as served against the system's trust store,
or the CA bundle given on the monitor. Expired or untrusted is down, with the
reason OpenSSL gave in words; a trusted certificate within one of the
monitor's alert days is degraded, and the outcome names the threshold it
crossed (``details["ssl_threshold"]``) so each one is announced once.
A failed verification is followed by an unverified handshake only to read
the certificate's dates and names.
"""

import asyncio
import ssl
import time
from datetime import datetime

from checker.runners.failures import CheckTimeout, describe
from checker.runners.net import (
    Stopwatch,
    resolve,
    ssl_context,
    summarize_certificate,
)
from isup_app.core.models import Monitor
from isup_app.core.outcome import CheckOutcome, Phase, Verdict

DEFAULT_PORT = 443


async def check_ssl(monitor: Monitor, now: datetime) -> CheckOutcome:
    host = monitor.url
    port = int(monitor.port or DEFAULT_PORT)
    timeout = float(monitor.timeout_seconds)
    verify = monitor.verify_tls is not False
    watch = Stopwatch()
    failure = None
    certificate = None
    try:
        async with asyncio.timeout(timeout):
            addresses = await resolve(host, port, watch)
            context = ssl_context(verify, monitor.ca_bundle or None)
            try:
                certificate, chain = await _handshake(
                    addresses[0], port, host, context, watch
                )
            except ssl.SSLCertVerificationError as exc:
                failure = describe(exc)
                certificate, chain = await _handshake(
                    addresses[0], port, host, ssl_context(False), None
                )
    except TimeoutError:
        failure = failure or describe(CheckTimeout(watch.phase, timeout))
    except (OSError, ssl.SSLError) as exc:
        failure = failure or describe(exc, watch.phase)

    timings = watch.stop()
    outcome = CheckOutcome(verdict=Verdict.UP, timings=timings)
    if certificate is not None:
        summary = summarize_certificate(certificate, now)
        outcome.ssl_expiry_date = summary.not_after
        outcome.ssl_issuer = summary.issuer
        outcome.details.update(summary.as_details())
        outcome.details["ssl_chain_length"] = len(chain) if chain else None
        outcome.seen = f"{summary.days_left} days left"
    if failure is not None:
        outcome.verdict = failure.verdict
        outcome.phase = failure.phase
        outcome.reason = failure.reason
        outcome.seen = failure.seen if certificate is None else outcome.seen
        return outcome

    days = outcome.details["ssl_days_left"]
    crossed = [d for d in monitor.ssl_expiry_alert_days or [] if days <= int(d)]
    if crossed:
        threshold = min(crossed)
        outcome.verdict = Verdict.DEGRADED
        outcome.phase = Phase.CERTIFICATE
        outcome.reason = f"certificate expires in {days} days"
        outcome.expected = f"more than {threshold} days"
        outcome.details["ssl_threshold"] = threshold
    return outcome


async def _handshake(address, port, host, context, watch: Stopwatch | None):
    """Connect and shake hands; the leaf (DER) and the chain as served."""
    if watch is not None:
        watch.phase = Phase.CONNECT
    began = time.perf_counter()
    loop = asyncio.get_running_loop()
    transport, _protocol = await loop.create_connection(asyncio.Protocol, address, port)
    try:
        if watch is not None:
            watch.add("connect_ms", (time.perf_counter() - began) * 1000)
            watch.phase = Phase.TLS
        began = time.perf_counter()
        # Python sends no SNI for an IP address and checks it against the
        # certificate's IP names instead.
        tls = await loop.start_tls(
            transport, transport.get_protocol(), context, server_hostname=host
        )
        transport = tls
        if watch is not None:
            watch.add("tls_ms", (time.perf_counter() - began) * 1000)
        ssl_object = tls.get_extra_info("ssl_object")
        leaf = ssl_object.getpeercert(binary_form=True)
        return leaf, _served_chain(ssl_object)
    finally:
        # Abort: a polite TLS shutdown would wait on the peer for nothing the
        # check needs. Then let the loop run the close callbacks.
        transport.abort()
        await asyncio.sleep(0)


def _served_chain(ssl_object) -> list[bytes] | None:
    # Python 3.13 has SSLObject.get_unverified_chain(); 3.11 only the
    # underlying object's method of the same name.
    getter = getattr(ssl_object, "get_unverified_chain", None) or getattr(
        getattr(ssl_object, "_sslobj", None), "get_unverified_chain", None
    )
    if getter is None:
        return None
    try:
        chain = getter()
    except (ssl.SSLError, ValueError):
        return None
    return [
        c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER)
        for c in chain or []
    ]
