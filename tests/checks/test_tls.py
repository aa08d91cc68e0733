"""Certificates over HTTPS and the ssl kind (case C6), against loopback
servers presenting certificates made with ``cryptography``."""

from datetime import UTC, datetime, timedelta

import pytest

from checker.runners import run_check
from isup_app.core.outcome import Phase, Verdict
from tests.checks.conftest import build_monitor
from tests.checks.servers import issue


def https_monitor(server, authority=None, **fields):
    if authority is not None:
        fields.setdefault("ca_bundle", authority["root"].pem)
    return build_monitor(url=server.url("/", host="localhost"), **fields)


def ssl_monitor(server, authority=None, **fields):
    if authority is not None:
        fields.setdefault("ca_bundle", authority["root"].pem)
    return build_monitor(type="ssl", url="localhost", port=server.port, **fields)


# --- C6: certificates that are not trusted ----------------------------------------


@pytest.fixture
def self_signed_elsewhere(tls_server):
    """Self-signed, for another host name, valid 30 more days."""
    leaf = issue(
        "other.example", names=("other.example",), valid_for=timedelta(days=30)
    )
    return tls_server(leaf)


async def test_unverified_https_is_up_and_still_reads_the_certificate(
    self_signed_elsewhere,
):
    monitor = https_monitor(self_signed_elsewhere, verify_tls=False)

    outcome = await run_check(monitor)

    assert outcome.verdict is Verdict.UP
    assert outcome.details["ssl_days_left"] == 30
    assert outcome.ssl_issuer == "other.example"
    assert outcome.ssl_expiry_date > datetime.now(UTC) + timedelta(days=29)


async def test_verified_https_to_a_self_signed_certificate_is_down(
    self_signed_elsewhere,
):
    outcome = await run_check(https_monitor(self_signed_elsewhere, verify_tls=True))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.phase is Phase.CERTIFICATE
    assert outcome.reason == "self-signed certificate"


async def test_host_name_mismatch_has_its_own_reason(tls_server, authority):
    leaf = issue("other.example", issuer=authority["root"], names=("other.example",))
    server = tls_server(leaf)

    outcome = await run_check(https_monitor(server, authority))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "certificate host name mismatch"


# --- the usual certificate faults, over https and as ssl monitors ---------------------

FAULTS = {
    "expired": (
        {"valid_from": timedelta(days=-90), "valid_for": timedelta(days=-1)},
        "certificate expired",
    ),
    "not-yet-valid": (
        {"valid_from": timedelta(days=2), "valid_for": timedelta(days=90)},
        "certificate not yet valid",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_https_to_a_faulty_certificate_is_down_with_its_reason(
    tls_server, authority, fault
):
    validity, reason = FAULTS[fault]
    server = tls_server(issue("localhost", issuer=authority["root"], **validity))

    outcome = await run_check(https_monitor(server, authority))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == reason


async def test_https_through_an_intermediate_is_up(tls_server, authority):
    leaf = issue("localhost", issuer=authority["intermediate"])
    server = tls_server(leaf, chain=[authority["intermediate"]])

    outcome = await run_check(https_monitor(server, authority))

    assert outcome.verdict is Verdict.UP, outcome.reason
    assert outcome.timings.tls_ms > 0
    assert outcome.ssl_issuer == "IsUp Test Intermediate"


async def test_https_without_the_intermediate_is_an_incomplete_chain(
    tls_server, authority
):
    leaf = issue("localhost", issuer=authority["intermediate"])
    server = tls_server(leaf)

    outcome = await run_check(https_monitor(server, authority))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "certificate issuer not trusted"


async def test_https_to_an_untrusted_authority_is_down(tls_server, authority):
    server = tls_server(issue("localhost", issuer=authority["root"]))

    # No CA bundle: the system's store does not know the test root.
    outcome = await run_check(https_monitor(server))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "certificate issuer not trusted"


async def test_ssl_monitor_reports_days_left_issuer_and_names(tls_server, authority):
    leaf = issue(
        "localhost", issuer=authority["intermediate"], valid_for=timedelta(days=200)
    )
    server = tls_server(leaf, chain=[authority["intermediate"]])

    outcome = await run_check(ssl_monitor(server, authority))

    assert outcome.verdict is Verdict.UP, outcome.reason
    assert outcome.details["ssl_days_left"] == 200
    assert outcome.details["ssl_subject"] == "localhost"
    assert outcome.details["ssl_names"] == ["localhost", "127.0.0.1"]
    assert outcome.ssl_issuer == "IsUp Test Intermediate"
    assert outcome.details["ssl_chain_length"] == 2


@pytest.mark.parametrize(
    ("days", "threshold"),
    [(25, 30), (10, 14), (3, 7), (1, 1)],
    ids=["30", "14", "7", "1"],
)
async def test_ssl_monitor_is_degraded_within_an_alert_threshold(
    tls_server, authority, days, threshold
):
    leaf = issue("localhost", issuer=authority["root"], valid_for=timedelta(days=days))
    server = tls_server(leaf)

    outcome = await run_check(ssl_monitor(server, authority))

    assert outcome.verdict is Verdict.DEGRADED
    assert outcome.reason == f"certificate expires in {days} days"
    assert outcome.details["ssl_threshold"] == threshold


@pytest.mark.parametrize(
    ("leaf_kwargs", "reason"),
    [
        (
            {"valid_from": timedelta(days=-90), "valid_for": timedelta(days=-3)},
            "certificate expired",
        ),
        ({"valid_from": timedelta(days=5)}, "certificate not yet valid"),
        ({"names": ("other.example",)}, "certificate host name mismatch"),
    ],
    ids=["expired", "not-yet-valid", "wrong-host"],
)
async def test_ssl_monitor_is_down_for_a_bad_certificate_and_still_reads_it(
    tls_server, authority, leaf_kwargs, reason
):
    server = tls_server(issue("localhost", issuer=authority["root"], **leaf_kwargs))

    outcome = await run_check(ssl_monitor(server, authority))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == reason
    assert outcome.ssl_expiry_date is not None


async def test_ssl_monitor_to_a_self_signed_certificate_is_down(tls_server):
    server = tls_server(issue("localhost"))

    outcome = await run_check(ssl_monitor(server))

    assert outcome.verdict is Verdict.DOWN
    assert outcome.reason == "self-signed certificate"


async def test_expired_certificate_reports_negative_days_left(tls_server, authority):
    leaf = issue(
        "localhost",
        issuer=authority["root"],
        valid_from=timedelta(days=-90),
        valid_for=timedelta(days=-3),
    )
    server = tls_server(leaf)

    outcome = await run_check(ssl_monitor(server, authority))

    assert outcome.details["ssl_days_left"] == -3
