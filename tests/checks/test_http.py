"""HTTP and keyword checks against loopback servers (cases C1, C2, C3)."""

import gzip
import time
import zlib

import brotli
import pytest

from checker.runners import run_check
from isup_app.core.outcome import Phase, Verdict
from tests.checks.conftest import build_monitor
from tests.checks.servers import Reply

PAGE = b"<p>Service OK</p>"


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


# --- C1: compressed bodies -----------------------------------------------------

COMPRESSED = {
    "gzip": ("gzip", gzip.compress(PAGE)),
    "raw-deflate": ("deflate", raw_deflate(PAGE)),
    "zlib-deflate": ("deflate", zlib.compress(PAGE)),
    "brotli": ("br", brotli.compress(PAGE)),
}


@pytest.mark.parametrize("own_header", [False, True], ids=["default", "own-header"])
@pytest.mark.parametrize("variant", list(COMPRESSED), ids=list(COMPRESSED))
async def test_keyword_is_found_in_a_compressed_body(http_server, variant, own_header):
    encoding, body = COMPRESSED[variant]
    server = http_server({"/": Reply(200, body, {"Content-Encoding": encoding})})
    headers = {"Accept-Encoding": "gzip, deflate"} if own_header else {}
    monitor = build_monitor(
        type="keyword", url=server.url("/"), keyword="Service OK", http_headers=headers
    )

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.UP, outcome.reason
    if own_header:
        assert server.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


async def test_keyword_excerpt_is_decoded_text(http_server):
    server = http_server(
        {"/": Reply(200, gzip.compress(PAGE), {"Content-Encoding": "gzip"})}
    )
    monitor = build_monitor(type="keyword", url=server.url("/"), keyword="Maintenance")

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "keyword missing"
    assert outcome.excerpt == "<p>Service OK</p>"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
async def test_undecodable_body_is_down_with_a_decoding_reason(http_server, encoding):
    server = http_server(
        {
            "/": Reply(
                200, b"this is not compressed at all", {"Content-Encoding": encoding}
            )
        }
    )
    monitor = build_monitor(type="keyword", url=server.url("/"), keyword="Service OK")

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.CONTENT
    assert outcome.reason == "the body could not be decoded"
    assert "keyword" not in outcome.reason


async def test_keyword_uses_the_declared_charset(http_server):
    body = "<p>Prix: 10 €, état: prêt</p>".encode("iso-8859-15")
    server = http_server(
        {"/": Reply(200, body, {"Content-Type": "text/html; charset=iso-8859-15"})}
    )
    monitor = build_monitor(type="keyword", url=server.url("/"), keyword="état: prêt")

    assert (await run_check(monitor)).verdict is Verdict.UP


async def test_keyword_can_be_case_insensitive(http_server):
    server = http_server({"/": Reply(200, PAGE)})
    sensitive = build_monitor(type="keyword", url=server.url("/"), keyword="service ok")
    insensitive = build_monitor(
        type="keyword",
        url=server.url("/"),
        keyword="service ok",
        keyword_case_sensitive=False,
    )

    assert (await run_check(sensitive)).verdict is Verdict.DOWN
    assert (await run_check(insensitive)).verdict is Verdict.UP


async def test_keyword_absent_is_down_when_the_word_appears(http_server):
    server = http_server({"/": Reply(200, b"<h1>Error: database unavailable</h1>")})
    monitor = build_monitor(
        type="keyword", url=server.url("/"), keyword="Error", keyword_type="absent"
    )

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "keyword found"
    assert "Error: database unavailable" in outcome.excerpt


async def test_keyword_check_reports_status_before_content(http_server):
    server = http_server({"/": Reply(503, PAGE)})
    monitor = build_monitor(type="keyword", url=server.url("/"), keyword="Service OK")

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.STATUS


# --- C2: redirects ------------------------------------------------------------


@pytest.fixture
def redirecting(http_server):
    return http_server(
        {
            "/": Reply(301, b"", {"Location": "/a"}),
            "/a": Reply(200, b"arrived"),
            "/loop1": Reply(302, b"", {"Location": "/loop2"}),
            "/loop2": Reply(302, b"", {"Location": "/loop1"}),
            "/chain1": Reply(302, b"", {"Location": "/chain2"}),
            "/chain2": Reply(302, b"", {"Location": "/chain3"}),
            "/chain3": Reply(302, b"", {"Location": "/a"}),
        }
    )


async def test_redirect_not_followed_records_301_and_is_up_when_accepted(redirecting):
    monitor = build_monitor(
        url=redirecting.url("/"), follow_redirects=False, expected_status_codes="301"
    )

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.UP
    assert outcome.status_code == 301


async def test_redirect_not_followed_is_down_when_200_expected(redirecting):
    monitor = build_monitor(
        url=redirecting.url("/"), follow_redirects=False, expected_status_codes="200"
    )

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.status_code == 301
    assert outcome.reason == "status 301, expected 200"


async def test_redirect_followed_ends_up_on_the_final_url(redirecting):
    monitor = build_monitor(
        url=redirecting.url("/"),
        follow_redirects=True,
        max_redirects=3,
        expected_status_codes="200",
    )

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.UP
    assert outcome.status_code == 200
    assert outcome.final_url.endswith("/a")


async def test_redirect_loop_is_down_and_says_so(redirecting):
    monitor = build_monitor(url=redirecting.url("/loop1"), max_redirects=10)

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "redirect loop"
    assert outcome.seen == "/loop1 → /loop2 → /loop1"


async def test_more_redirects_than_allowed_is_down(redirecting):
    monitor = build_monitor(url=redirecting.url("/chain1"), max_redirects=2)

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "too many redirects"
    assert outcome.status_code == 302


# --- C3: accepted status codes --------------------------------------------------


@pytest.mark.parametrize(
    ("status", "accepted", "verdict"),
    [
        (401, "401", Verdict.UP),
        (503, "200-299", Verdict.DOWN),
        (404, "200-299, 401", Verdict.DOWN),
        (299, "200-299", Verdict.UP),
        (200, "200-299", Verdict.UP),
        (300, "200-299", Verdict.DOWN),
    ],
    ids=[
        "401-in-401",
        "503-not-2xx",
        "404-not-2xx-or-401",
        "299-edge",
        "200-edge",
        "300",
    ],
)
async def test_status_code_is_checked_against_accepted_ranges(
    http_server, status, accepted, verdict
):
    server = http_server({"/": Reply(status, b"body")})
    monitor = build_monitor(url=server.url("/"), expected_status_codes=accepted)

    outcome = await run_check(monitor)

    assert outcome.verdict is verdict
    assert outcome.status_code == status


async def test_status_reason_names_the_code_and_the_accepted_range(http_server):
    server = http_server({"/": Reply(503, b"busy")})
    monitor = build_monitor(url=server.url("/"), expected_status_codes="200-299")

    outcome = await run_check(monitor)

    assert outcome.reason == "status 503, expected 200-299"
    assert outcome.seen == "503"
    assert outcome.expected == "200-299"


# --- the rest of the http kind ---------------------------------------------------


@pytest.mark.parametrize(
    "method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
)
async def test_http_check_sends_the_method_headers_and_body(http_server, method):
    server = http_server({"/api": Reply(200, b"{}")})
    body = None if method == "HEAD" else '{"ping": true}'
    monitor = build_monitor(
        url=server.url("/api"),
        http_method=method,
        http_headers="X-Probe: isup\nContent-Type: application/json",
        http_body=body,
    )

    outcome = await run_check(monitor)

    seen = server.requests[0]
    assert outcome.verdict is Verdict.UP
    assert seen.method == method
    assert seen.headers["X-Probe"] == "isup"
    assert seen.body == (body.encode() if body else b"")


async def test_http_check_names_isup_in_its_user_agent(http_server):
    server = http_server({"/": Reply(200, b"ok")})

    await run_check(build_monitor(url=server.url("/")))

    assert server.requests[0].headers["User-Agent"].startswith("IsUp/")


async def test_credentials_in_the_url_are_sent_and_never_shown(http_server):
    server = http_server({"/health": Reply(500, b"no")})
    url = f"http://user:s3cret@127.0.0.1:{server.port}/health"

    outcome = await run_check(build_monitor(url=url))

    assert server.requests[0].headers["Authorization"].startswith("Basic ")
    assert "s3cret" not in repr(outcome)
    assert outcome.final_url == f"http://127.0.0.1:{server.port}/health"


async def test_slow_response_over_the_threshold_is_degraded(http_server):
    def slow(handler):
        time.sleep(0.3)
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")

    server = http_server({"/": slow})
    monitor = build_monitor(url=server.url("/"), response_time_threshold=100)

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DEGRADED
    assert outcome.reason == "slower than its threshold"
    assert outcome.expected == "at most 100 ms"


async def test_body_is_read_only_up_to_the_cap(http_server):
    server = http_server({"/": Reply(200, b"a" * 5000 + b"NEEDLE")})
    monitor = build_monitor(
        type="keyword", url=server.url("/"), keyword="NEEDLE", body_max_bytes=1000
    )

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.details["truncated"] is True
    assert outcome.details["body_bytes"] == 1000


async def test_timings_cover_dns_connect_first_byte_and_total(http_server):
    server = http_server({"/": Reply(200, b"ok")})

    outcome = await run_check(build_monitor(url=server.url("/", host="localhost")))

    timings = outcome.timings
    assert outcome.verdict is Verdict.UP
    assert timings.dns_ms > 0
    assert timings.connect_ms > 0
    assert timings.ttfb_ms > 0
    assert timings.tls_ms is None
    assert timings.total_ms >= timings.dns_ms + timings.connect_ms + timings.ttfb_ms


async def test_each_check_opens_a_fresh_connection(http_server):
    server = http_server({"/": Reply(200, b"ok")})
    monitor = build_monitor(url=server.url("/"))

    await run_check(monitor)
    await run_check(monitor)

    assert len(server.requests) == 2
    assert server.requests[0].client_port != server.requests[1].client_port


async def test_refused_connection_is_down_with_that_reason():
    from tests.checks.servers import free_port

    monitor = build_monitor(url=f"http://127.0.0.1:{free_port()}/")

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.CONNECT
    assert outcome.reason == "connection refused"


async def test_server_closing_without_an_answer_is_down(http_server):
    def hang_up(handler):
        handler.close_connection = True
        handler.connection.close()

    server = http_server({"/": hang_up})

    outcome = await run_check(build_monitor(url=server.url("/")))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "the server closed the connection without answering"
