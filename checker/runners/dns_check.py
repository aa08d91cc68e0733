"""DNS checks: one record type of one name, from the system resolver or a
given server, against expected values.

Values are compared as text in the usual presentation form, without a final
dot and without case for names. A TXT record's strings are joined into one
value without quotes or spaces, as SPF and DKIM readers do; separate records
are never joined. An expected TXT value matches a record that contains it.

``dns_match`` "any": every expected value is found in some record.
``dns_match`` "all": that, and every record is one of the expected values.
NXDOMAIN, SERVFAIL, an empty answer and a timeout each have their own reason.
"""

import asyncio
import ipaddress
from datetime import datetime

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.resolver
import dns.reversename

from checker.runners.failures import CheckTimeout, describe
from checker.runners.net import Stopwatch
from isup_app.core.models import Monitor
from isup_app.core.monitors import split_server
from isup_app.core.outcome import CheckOutcome, Phase, Verdict


async def check_dns(monitor: Monitor, now: datetime) -> CheckOutcome:
    record_type = (monitor.dns_record_type or "A").upper()
    timeout = float(monitor.timeout_seconds)
    watch = Stopwatch()
    resolver = _resolver(monitor.dns_server, timeout)
    name = _query_name(monitor.url, record_type)
    try:
        async with asyncio.timeout(timeout + 0.5):
            answer = await resolver.resolve(
                name, record_type, lifetime=timeout, raise_on_no_answer=True
            )
    except TimeoutError:
        return _failed(describe(CheckTimeout(Phase.DNS, timeout)), watch)
    except (dns.exception.DNSException, OSError) as exc:
        return _failed(describe(exc, Phase.DNS), watch)

    timings = watch.stop()
    timings.dns_ms = timings.total_ms
    values = [record_text(rdata) for rdata in answer]
    expected = [str(v) for v in monitor.dns_expected or []]
    outcome = CheckOutcome(
        verdict=Verdict.UP,
        seen=", ".join(values),
        expected=", ".join(expected) or None,
        timings=timings,
        details={"records": values, "ttl": answer.rrset.ttl if answer.rrset else None},
    )

    missing = [
        e for e in expected if not any(_matches(record_type, v, e) for v in values)
    ]
    if missing:
        outcome.verdict = Verdict.DOWN
        outcome.phase = Phase.ASSERTION
        outcome.reason = "expected value not found"
        outcome.details["missing"] = missing
        return outcome
    if expected and (monitor.dns_match or "any") == "all":
        extra = [
            v for v in values if not any(_matches(record_type, v, e) for e in expected)
        ]
        if extra:
            outcome.verdict = Verdict.DOWN
            outcome.phase = Phase.ASSERTION
            outcome.reason = "unexpected record"
            outcome.details["unexpected"] = extra
    return outcome


def _resolver(server: str | None, timeout: float) -> dns.asyncresolver.Resolver:
    if not server:
        resolver = dns.asyncresolver.Resolver()
    else:
        host, port = split_server(server)
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = port
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


def _query_name(name: str, record_type: str) -> str:
    if record_type == "PTR":
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return name
        return dns.reversename.from_address(name).to_text()
    return name


def record_text(rdata) -> str:
    """One record as the text people compare against."""
    kind = rdata.rdtype
    if kind == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    if kind in (dns.rdatatype.CNAME, dns.rdatatype.NS, dns.rdatatype.PTR):
        return rdata.target.to_text(omit_final_dot=True).lower()
    if kind == dns.rdatatype.MX:
        exchange = rdata.exchange.to_text(omit_final_dot=True).lower()
        return f"{rdata.preference} {exchange}"
    if kind == dns.rdatatype.SRV:
        target = rdata.target.to_text(omit_final_dot=True).lower()
        return f"{rdata.priority} {rdata.weight} {rdata.port} {target}"
    if kind == dns.rdatatype.CAA:
        value = rdata.value.decode("utf-8", errors="replace")
        return f"{rdata.flags} {rdata.tag.decode()} {value}"
    if kind == dns.rdatatype.SOA:
        mname = rdata.mname.to_text(omit_final_dot=True).lower()
        rname = rdata.rname.to_text(omit_final_dot=True).lower()
        return f"{mname} {rname} {rdata.serial}"
    return rdata.to_text()


def _normal(record_type: str, value: str) -> str:
    value = value.strip()
    if record_type in ("A", "AAAA"):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value
    if record_type == "TXT":
        return value
    if record_type == "CAA":
        return value.replace('"', "")
    return value.rstrip(".").lower()


def _matches(record_type: str, value: str, expected: str) -> bool:
    if record_type == "TXT":
        return expected in value
    value, expected = _normal(record_type, value), _normal(record_type, expected)
    if value == expected:
        return True
    # A bare name matches the name part of an MX, SRV, CAA or SOA record.
    if " " not in expected and record_type in ("MX", "SRV", "CAA"):
        return value.split()[-1] == expected
    if " " not in expected and record_type == "SOA":
        return value.split()[0] == expected
    return False


def _failed(failure, watch: Stopwatch) -> CheckOutcome:
    timings = watch.stop()
    timings.dns_ms = timings.total_ms
    return CheckOutcome(
        verdict=failure.verdict,
        reason=failure.reason,
        phase=failure.phase,
        seen=failure.seen,
        timings=timings,
    )
