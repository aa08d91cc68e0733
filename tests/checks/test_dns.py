"""DNS checks against a responder on a free loopback port (cases C7, C8)."""

import pytest

from checker.runners import run_check
from isup_app.core.outcome import Phase, Verdict
from tests.checks.conftest import build_monitor

LONG_A = "a" * 255
LONG_B = "b" * 150

RECORDS = {
    ("multi.test", "A"): ["127.0.0.1", "127.0.0.2", "127.0.0.3"],
    ("txt.test", "TXT"): [f'"{LONG_A}" "{LONG_B}"', '"v=spf1 -all"'],
    ("site.test", "A"): ["127.0.0.10"],
    ("site.test", "AAAA"): ["::1"],
    ("www.site.test", "CNAME"): ["site.test."],
    ("site.test", "MX"): ["10 mail.site.test.", "20 backup.site.test."],
    ("site.test", "NS"): ["ns1.site.test."],
    ("site.test", "SOA"): [
        "ns1.site.test. admin.site.test. 2024010101 3600 600 86400 60"
    ],
    ("_sip._tcp.site.test", "SRV"): ["10 5 5060 sip.site.test."],
    ("site.test", "CAA"): ['0 issue "letsencrypt.org"'],
    ("1.0.0.127.in-addr.arpa", "PTR"): ["localhost."],
    ("servfail.test", "A"): [],
    ("silent.test", "A"): [],
}


@pytest.fixture
def responder(dns_server):
    return dns_server(RECORDS, rotate=["multi.test"])


def dns_monitor(responder, name, record_type="A", expected=(), **fields):
    fields.setdefault("timeout_seconds", 2)
    return build_monitor(
        type="dns",
        url=name,
        dns_record_type=record_type,
        dns_server=responder.server,
        dns_expected=list(expected),
        **fields,
    )


# --- C7: several records, rotating -----------------------------------------------


async def test_expected_address_among_rotating_records_is_up_every_time(responder):
    monitor = dns_monitor(responder, "multi.test", expected=["127.0.0.3"])

    outcomes = [await run_check(monitor) for _ in range(10)]

    assert [o.verdict for o in outcomes] == [Verdict.UP] * 10
    assert len({o.seen for o in outcomes}) > 1  # the order really rotated


async def test_missing_expected_address_is_down_every_time(responder):
    monitor = dns_monitor(responder, "multi.test", expected=["127.0.0.9"])

    outcomes = [await run_check(monitor) for _ in range(10)]

    assert [o.verdict for o in outcomes] == [Verdict.DOWN] * 10
    assert {o.reason for o in outcomes} == {"expected value not found"}
    assert outcomes[0].expected == "127.0.0.9"


async def test_match_all_is_down_when_a_record_is_not_expected(responder):
    monitor = dns_monitor(
        responder, "multi.test", expected=["127.0.0.1", "127.0.0.2"], dns_match="all"
    )

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "unexpected record"
    assert outcome.details["unexpected"] == ["127.0.0.3"]


async def test_match_all_is_up_when_every_record_is_expected(responder):
    monitor = dns_monitor(
        responder,
        "multi.test",
        expected=["127.0.0.3", "127.0.0.1", "127.0.0.2"],
        dns_match="all",
    )

    assert (await run_check(monitor)).verdict is Verdict.UP


# --- C8: long TXT records ----------------------------------------------------------


async def test_txt_strings_of_one_record_are_joined_without_quotes_or_spaces(
    responder,
):
    whole = LONG_A + LONG_B
    assert len(whole) == 405
    monitor = dns_monitor(responder, "txt.test", "TXT", expected=[whole])

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.UP, outcome.reason
    assert sorted(outcome.details["records"]) == [whole, "v=spf1 -all"]


async def test_txt_records_are_never_joined_to_each_other(responder):
    monitor = dns_monitor(
        responder, "txt.test", "TXT", expected=[LONG_B + "v=spf1 -all"]
    )

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "expected value not found"


async def test_txt_value_with_a_space_where_strings_meet_is_not_found(responder):
    monitor = dns_monitor(responder, "txt.test", "TXT", expected=[f"{LONG_A} {LONG_B}"])

    assert (await run_check(monitor)).verdict is Verdict.DOWN


# --- every record type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "record_type", "expected"),
    [
        ("site.test", "A", "127.0.0.10"),
        ("site.test", "AAAA", "0:0:0:0:0:0:0:1"),
        ("www.site.test", "CNAME", "site.test."),
        ("site.test", "MX", "10 mail.site.test"),
        ("site.test", "MX", "backup.site.test"),
        ("site.test", "NS", "NS1.site.test"),
        ("site.test", "SOA", "ns1.site.test"),
        ("_sip._tcp.site.test", "SRV", "10 5 5060 sip.site.test"),
        ("site.test", "CAA", '0 issue "letsencrypt.org"'),
        ("127.0.0.1", "PTR", "localhost"),
    ],
    ids=["A", "AAAA", "CNAME", "MX", "MX-name", "NS", "SOA", "SRV", "CAA", "PTR"],
)
async def test_each_record_type_matches_its_expected_value(
    responder, name, record_type, expected
):
    monitor = dns_monitor(responder, name, record_type, expected=[expected])

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.UP, (outcome.reason, outcome.seen)


async def test_no_expected_values_is_up_when_records_exist(responder):
    outcome = await run_check(dns_monitor(responder, "site.test", "A"))

    assert outcome.verdict is Verdict.UP
    assert outcome.seen == "127.0.0.10"
    assert outcome.timings.dns_ms == outcome.timings.total_ms


# --- failures each with their own reason ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "record_type", "reason"),
    [
        ("nxdomain.test", "A", "NXDOMAIN: the name does not exist"),
        ("servfail.test", "A", "SERVFAIL"),
        ("site.test", "TXT", "empty answer: no records of that type"),
    ],
    ids=["nxdomain", "servfail", "empty"],
)
async def test_dns_failures_have_their_own_reasons(
    responder, name, record_type, reason
):
    outcome = await run_check(dns_monitor(responder, name, record_type))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.DNS
    assert outcome.reason == reason


async def test_dns_server_that_never_answers_is_a_timeout(responder):
    monitor = dns_monitor(responder, "silent.test", timeout_seconds=1)

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.TIMEOUT
    assert outcome.reason == "timeout"
