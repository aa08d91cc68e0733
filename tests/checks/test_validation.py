"""Configuration of every kind is refused when saved, naming the field."""

import pytest

from isup_app.core.models import MonitorType
from isup_app.core.monitors import (
    MonitorInvalid,
    display_url,
    parse_status_codes,
    validate_monitor,
)
from tests.checks.servers import issue

GOOD = {
    "http": {"type": "http", "url": "https://127.0.0.1:8443/health"},
    "keyword": {"type": "keyword", "url": "http://127.0.0.1/", "keyword": "OK"},
    "port": {"type": "port", "url": "127.0.0.1", "port": 5432},
    "ping": {"type": "ping", "url": "::1"},
    "ssl": {"type": "ssl", "url": "localhost"},
    "dns": {"type": "dns", "url": "example.test", "dns_record_type": "MX"},
    "heartbeat": {"type": "heartbeat", "interval_seconds": 86_400},
}


def refused(data: dict) -> dict[str, str]:
    with pytest.raises(MonitorInvalid) as caught:
        validate_monitor({"name": "Target", **data})
    return caught.value.errors


@pytest.mark.parametrize("kind", list(GOOD))
def test_good_configuration_of_each_kind_is_accepted(kind):
    clean = validate_monitor({"name": "Target", **GOOD[kind]})

    assert clean["type"] is MonitorType(kind)


# (kind, field, bad value, words the message holds)
BAD = [
    ("http", "url", "ftp://127.0.0.1/", "http://"),
    ("http", "url", "", "required"),
    ("http", "url", "http:///path", "host"),
    ("http", "http_method", "FETCH", "GET"),
    ("http", "http_headers", "no colon here", "Name: value"),
    ("http", "http_headers", {"Bad Name": "x"}, "header name"),
    ("http", "expected_status_codes", "200-2x9", "200-2x9"),
    ("http", "expected_status_codes", "299-200", "starts after"),
    ("http", "expected_status_codes", "99", "not a status code"),
    ("http", "expected_status_codes", "700", "100-599"),
    ("http", "max_redirects", "-1", "at least 0"),
    ("http", "body_max_bytes", "lots", "whole number"),
    ("http", "follow_redirects", "maybe", "true or false"),
    ("http", "timeout_seconds", 0, "at least"),
    ("http", "timeout_seconds", 90, "longer than the interval"),
    ("http", "interval_seconds", 0, "at least 1"),
    ("http", "interval_seconds", 2 * 86_400, "at most"),
    ("http", "ca_bundle", "not a pem", "PEM"),
    ("http", "response_time_threshold", "-5", "at least 1"),
    ("http", "retries", 99, "at most 10"),
    ("keyword", "keyword", "", "required"),
    ("keyword", "keyword_type", "sometimes", "present or absent"),
    ("port", "port", None, "whole number"),
    ("port", "port", 70000, "at most 65535"),
    ("port", "url", "not a host!", "host name or an IP"),
    ("ping", "ping_count", 0, "at least 1"),
    ("ping", "url", "", "required"),
    ("ssl", "url", "http://127.0.0.1/", "https://"),
    ("ssl", "port", 0, "at least 1"),
    ("ssl", "ssl_expiry_alert_days", "30, soon", "days"),
    ("dns", "dns_record_type", "ANY", "A, AAAA"),
    ("dns", "dns_server", "resolver.example:53", "IP address"),
    ("dns", "dns_server", "127.0.0.1:99999", "65535"),
    ("dns", "dns_match", "most", "any or all"),
    ("dns", "url", "bad..name", "host name"),
    ("heartbeat", "heartbeat_grace_seconds", -1, "at least 0"),
    ("heartbeat", "interval_seconds", 40 * 86_400, "at most"),
]


@pytest.mark.parametrize(
    ("kind", "field", "value", "words"),
    BAD,
    ids=[f"{k}-{f}-{i}" for i, (k, f, _, _) in enumerate(BAD)],
)
def test_bad_configuration_is_refused_naming_the_field(kind, field, value, words):
    errors = refused({**GOOD[kind], field: value})

    assert field in errors
    assert words in errors[field]


def test_unknown_type_is_refused_naming_the_type():
    assert "type" in refused({"type": "smoke-signal"})


def test_unknown_field_is_refused_by_name():
    assert "colour" in refused({**GOOD["http"], "colour": "red"})


def test_every_wrong_field_is_named_at_once():
    errors = refused({"type": "http", "url": "nope", "expected_status_codes": "x"})

    assert set(errors) >= {"url", "expected_status_codes"}


def test_error_text_names_the_fields():
    with pytest.raises(MonitorInvalid, match="expected_status_codes"):
        validate_monitor({"name": "x", **GOOD["http"], "expected_status_codes": "2-3"})


def test_status_code_lists_and_inclusive_ranges_are_parsed():
    assert parse_status_codes("200-299, 401") == [(200, 299), (401, 401)]
    assert parse_status_codes([200, "301-302"]) == [(200, 200), (301, 302)]
    assert parse_status_codes("401") == [(401, 401)]


def test_malformed_status_range_is_refused_naming_the_field():
    with pytest.raises(MonitorInvalid) as caught:
        parse_status_codes("200-")

    assert list(caught.value.errors) == ["expected_status_codes"]


def test_form_text_is_cleaned_into_typed_values():
    clean = validate_monitor(
        {
            "name": " API ",
            "type": "HTTP",
            "url": "http://127.0.0.1/",
            "interval_seconds": "30",
            "timeout_seconds": "2.5",
            "follow_redirects": "off",
            "expected_status_codes": "200-299,401",
            "http_headers": "Accept: application/json\n\nX-Key: 1",
            "tags": "prod, api",
        }
    )

    assert clean["name"] == "API"
    assert clean["interval_seconds"] == 30
    assert clean["timeout_seconds"] == 2.5
    assert clean["follow_redirects"] is False
    assert clean["expected_status_codes"] == "200-299, 401"
    assert clean["http_headers"] == {"Accept": "application/json", "X-Key": "1"}
    assert clean["tags"] == ["prod", "api"]


def test_ssl_target_given_as_an_address_keeps_host_and_port():
    clean = validate_monitor(
        {"name": "cert", "type": "ssl", "url": "https://LocalHost:8443/x"}
    )

    assert (clean["url"], clean["port"]) == ("localhost", 8443)


def test_ssl_alert_days_are_sorted_and_unique():
    clean = validate_monitor(
        {**GOOD["ssl"], "name": "c", "ssl_expiry_alert_days": "7, 30, 7, 1"}
    )

    assert clean["ssl_expiry_alert_days"] == [30, 7, 1]


def test_ca_bundle_with_a_certificate_is_accepted():
    pem = issue("Private CA", ca=True).pem

    clean = validate_monitor({**GOOD["ssl"], "name": "c", "ca_bundle": pem})

    assert "BEGIN CERTIFICATE" in clean["ca_bundle"]


def test_display_url_drops_credentials():
    url = "http://user:s3cret@127.0.0.1:8080/health?x=1"

    assert display_url(url) == "http://127.0.0.1:8080/health?x=1"


def test_empty_form_boxes_take_the_defaults():
    clean = validate_monitor(
        {
            **GOOD["http"],
            "name": "x",
            "expected_status_codes": "",
            "interval_seconds": " ",
            "response_time_threshold": "",
        }
    )

    assert clean["expected_status_codes"] == "200-299"
    assert clean["interval_seconds"] == 60
    assert clean["response_time_threshold"] is None
