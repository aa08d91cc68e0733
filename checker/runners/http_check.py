"""HTTP and keyword checks.

Each check makes a fresh connection (its own client and pool, closed after),
so the timing always includes DNS, connect and TLS. Names are resolved before
connecting, by a network backend that then connects to the address while
httpcore keeps the Host header and the TLS server name. Redirects are followed
here, hop by hop, so that a loop can be named as one and the status of a hop
is never lost.
"""

import asyncio
import codecs
import logging
import re
import time
from datetime import datetime

import anyio
import httpcore
import httpx

from checker.runners.failures import CheckTimeout, describe
from checker.runners.net import (
    USER_AGENT,
    Stopwatch,
    apply_threshold,
    peer_certificate,
    resolve,
    ssl_context,
    summarize_certificate,
)
from isup_app.core.models import KeywordType, Monitor
from isup_app.core.monitors import display_url, parse_status_codes, status_accepted
from isup_app.core.outcome import CheckOutcome, Phase, Verdict

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 200
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.I)


class _ResolvingBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host (timed as DNS), then connects to an address (timed
    as connect). TLS still runs against the host name, so SNI and the
    certificate's name check are unchanged."""

    def __init__(self, watch: Stopwatch):
        self._inner = httpcore.AnyIOBackend()
        self._watch = watch

    async def connect_tcp(
        self, host, port, timeout=None, local_address=None, socket_options=None
    ):
        addresses = await resolve(host, port, self._watch)
        self._watch.phase = Phase.CONNECT
        began = time.perf_counter()
        error: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, OSError) as exc:
                error = exc
                continue
            self._watch.add("connect_ms", (time.perf_counter() - began) * 1000)
            return _AbortingStream(stream)
        raise error or OSError(f"no address for {host}")

    async def connect_unix_socket(self, *args, **kwargs):  # pragma: no cover
        raise NotImplementedError("checks never use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _AbortingStream(httpcore.AsyncNetworkStream):
    """Closes at once: a polite TLS close waits for the server's close_notify,
    which a check has no use for and which a busy server may never send."""

    def __init__(self, inner: httpcore.AsyncNetworkStream):
        self._inner = inner

    async def read(self, max_bytes, timeout=None):
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer, timeout=None):
        await self._inner.write(buffer, timeout)

    async def aclose(self):
        await anyio.aclose_forcefully(self._inner)

    async def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        stream = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _AbortingStream(stream)

    def get_extra_info(self, info):
        return self._inner.get_extra_info(info)


class _Transport(httpx.AsyncHTTPTransport):
    def __init__(self, watch: Stopwatch, context):
        super().__init__(verify=context, trust_env=False, retries=0)
        # httpx offers no argument for the network backend; swap its pool for
        # one that uses ours. One connection, never kept past the check.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=1,
            max_keepalive_connections=0,
            network_backend=_ResolvingBackend(watch),
        )


class _Tracer:
    """httpcore's trace events, turned into phases and timings."""

    def __init__(self, watch: Stopwatch):
        self.watch = watch
        self.tls_began: float | None = None
        self.request_sent: float | None = None
        self.certificate: bytes | None = None

    async def __call__(self, name: str, info: dict) -> None:
        watch = self.watch
        if name == "connection.start_tls.started":
            watch.phase = Phase.TLS
            self.tls_began = time.perf_counter()
        elif name == "connection.start_tls.complete":
            watch.add("tls_ms", (time.perf_counter() - self.tls_began) * 1000)
            stream = info.get("return_value")
            if stream is not None:
                self.certificate = peer_certificate(stream.get_extra_info("ssl_object"))
        elif name == "http11.send_request_headers.started":
            watch.phase = Phase.REQUEST
        elif name == "http11.receive_response_headers.started":
            watch.phase = Phase.RESPONSE
            self.request_sent = time.perf_counter()
        elif name == "http11.receive_response_headers.complete":
            if self.request_sent is not None:
                watch.add("ttfb_ms", (time.perf_counter() - self.request_sent) * 1000)


async def check_http(monitor: Monitor, now: datetime) -> CheckOutcome:
    return await _check(monitor, now, keyword=False)


async def check_keyword(monitor: Monitor, now: datetime) -> CheckOutcome:
    return await _check(monitor, now, keyword=True)


async def _check(monitor: Monitor, now: datetime, *, keyword: bool) -> CheckOutcome:
    accepted = parse_status_codes(monitor.expected_status_codes or "200-299")
    timeout = float(monitor.timeout_seconds)
    watch = Stopwatch()
    tracer = _Tracer(watch)
    context = ssl_context(bool(monitor.verify_tls), monitor.ca_bundle or None)
    headers = {"User-Agent": USER_AGENT, **(monitor.http_headers or {})}
    client = httpx.AsyncClient(
        transport=_Transport(watch, context),
        headers=headers,
        # Our own timer below bounds the whole check; httpx's is a backstop.
        timeout=timeout + 1,
        trust_env=False,
        follow_redirects=False,
    )
    try:
        try:
            async with asyncio.timeout(timeout):
                outcome = await _fetch(monitor, client, tracer, accepted, keyword)
        except TimeoutError:
            failure = describe(CheckTimeout(watch.phase, timeout))
            outcome = _failed(failure)
        except (httpx.HTTPError, httpcore.NetworkError, OSError) as exc:
            outcome = _failed(describe(exc, watch.phase))
        outcome.timings = watch.stop()
    finally:
        await client.aclose()

    if tracer.certificate:
        _note_certificate(outcome, tracer.certificate, now)
    return apply_threshold(monitor, outcome)


def _failed(failure) -> CheckOutcome:
    return CheckOutcome(
        verdict=failure.verdict,
        reason=failure.reason,
        phase=failure.phase,
        seen=failure.seen,
    )


async def _fetch(monitor, client, tracer, accepted, keyword) -> CheckOutcome:
    request = client.build_request(
        monitor.http_method or "GET",
        monitor.url,
        content=monitor.http_body.encode() if monitor.http_body else None,
        extensions={"trace": tracer},
    )
    visited = [str(request.url)]
    hops = 0
    while True:
        response = await client.send(request, stream=True)
        if not (monitor.follow_redirects and response.next_request is not None):
            break
        await response.aclose()
        request = response.next_request
        request.extensions["trace"] = tracer
        target = str(request.url)
        if target in visited:
            path = " → ".join(_short(u) for u in [*visited, target])
            return CheckOutcome(
                verdict=Verdict.DOWN,
                phase=Phase.RESPONSE,
                reason="redirect loop",
                seen=path,
                status_code=response.status_code,
                final_url=display_url(target),
            )
        hops += 1
        if hops > monitor.max_redirects:
            return CheckOutcome(
                verdict=Verdict.DOWN,
                phase=Phase.RESPONSE,
                reason="too many redirects",
                seen=f"more than {monitor.max_redirects}",
                expected=f"at most {monitor.max_redirects}",
                status_code=response.status_code,
                final_url=display_url(target),
            )
        visited.append(target)

    try:
        tracer.watch.phase = Phase.CONTENT
        body, truncated = await _read_body(response, monitor.body_max_bytes)
    finally:
        await response.aclose()

    code = response.status_code
    outcome = CheckOutcome(
        verdict=Verdict.UP,
        status_code=code,
        final_url=display_url(str(response.url)),
        details={"redirects": hops, "body_bytes": len(body), "truncated": truncated},
    )
    if not status_accepted(code, accepted):
        outcome.verdict = Verdict.DOWN
        outcome.phase = Phase.STATUS
        expected = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in accepted)
        outcome.reason = f"status {code}, expected {expected}"
        outcome.seen = str(code)
        outcome.expected = expected
        return outcome
    if keyword:
        _match_keyword(monitor, decode_text(body, response), outcome)
    return outcome


def _short(url: str) -> str:
    return httpx.URL(url).raw_path.decode("ascii", "replace") or "/"


async def _read_body(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` decoded bytes: a cap on what is read and kept, also
    against small compressed bodies that unpack to very large ones."""
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            return b"".join(parts)[:limit], True
    return b"".join(parts), False


def decode_text(body: bytes, response: httpx.Response) -> str:
    """The body as text: the declared charset, else an HTML meta charset,
    else UTF-8; undecodable bytes are replaced, never fatal."""
    charset = response.charset_encoding
    if not charset:
        match = _META_CHARSET.search(body[:4096])
        charset = match.group(1).decode("ascii") if match else "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return body.decode(charset, errors="replace")


def _match_keyword(monitor: Monitor, text: str, outcome: CheckOutcome) -> None:
    word = monitor.keyword or ""
    haystack, needle = text, word
    if not monitor.keyword_case_sensitive:
        haystack, needle = text.casefold(), word.casefold()
    at = haystack.find(needle)
    wanted = KeywordType(monitor.keyword_type or KeywordType.PRESENT)
    outcome.expected = (
        f"{word!r} present" if wanted is KeywordType.PRESENT else f"{word!r} absent"
    )
    if wanted is KeywordType.PRESENT and at < 0:
        outcome.verdict = Verdict.DOWN
        outcome.phase = Phase.KEYWORD
        outcome.reason = "keyword missing"
        outcome.seen = "not found in the body"
        outcome.excerpt = _excerpt(text, 0)
    elif wanted is KeywordType.ABSENT and at >= 0:
        outcome.verdict = Verdict.DOWN
        outcome.phase = Phase.KEYWORD
        outcome.reason = "keyword found"
        outcome.seen = "found in the body"
        outcome.excerpt = _excerpt(text, max(0, at - EXCERPT_CHARS // 2))


def _excerpt(text: str, start: int) -> str:
    return " ".join(text[start : start + EXCERPT_CHARS].split())


def _note_certificate(outcome: CheckOutcome, der: bytes, now: datetime) -> None:
    try:
        summary = summarize_certificate(der, now)
    except ValueError:
        logger.debug("unreadable peer certificate")
        return
    outcome.ssl_expiry_date = summary.not_after
    outcome.ssl_issuer = summary.issuer
    outcome.details.update(summary.as_details())
