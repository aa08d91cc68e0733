"""Custom domains: verified through a DNS TXT record, then served by Host."""

from collections.abc import Iterator

import pytest
from sqlmodel import Session

from isup_app.core import status_pages as sp
from tests.factories import DEFAULT_ORG
from tests.status.conftest import Scene
from tests.status.dns_responder import DNSResponder, silent_resolver

DOMAIN = "status.acme.test"


@pytest.fixture
def dns_server() -> Iterator[DNSResponder]:
    with DNSResponder() as server:
        yield server


def _with_domain(session: Session, scene: Scene):
    return sp.set_custom_domain(session, DEFAULT_ORG, scene.page.id, DOMAIN)


def test_domain_is_verified_by_its_txt_record(session, scene, dns_server):
    page = _with_domain(session, scene)
    name, value = sp.verification_record(page)
    dns_server.txt[name] = ["some-other-record", value]

    page = sp.check_custom_domain(session, DEFAULT_ORG, page.id, dns_server.resolver())

    assert name == f"_isup-verify.{DOMAIN}"
    assert page.custom_domain_verified is True
    assert dns_server.queries == [name]


def test_domain_with_the_wrong_token_stays_unverified(session, scene, dns_server):
    page = _with_domain(session, scene)
    dns_server.txt[f"_isup-verify.{DOMAIN}"] = ["not-the-token"]

    page = sp.check_custom_domain(session, DEFAULT_ORG, page.id, dns_server.resolver())

    assert page.custom_domain_verified is False


def test_domain_without_a_record_stays_unverified(session, scene, dns_server):
    page = _with_domain(session, scene)

    assert sp.verify_custom_domain(page, dns_server.resolver()) is False


def test_dns_that_does_not_answer_is_reported(session, scene):
    page = _with_domain(session, scene)

    with pytest.raises(sp.DomainCheckFailed):
        sp.verify_custom_domain(page, silent_resolver())
    assert page.custom_domain_verified is False


def test_changing_the_domain_asks_for_a_new_verification(session, scene, dns_server):
    page = _with_domain(session, scene)
    name, value = sp.verification_record(page)
    dns_server.txt[name] = [value]
    sp.check_custom_domain(session, DEFAULT_ORG, page.id, dns_server.resolver())

    page = sp.set_custom_domain(session, DEFAULT_ORG, page.id, "status.other.test")

    assert page.custom_domain_verified is False
    assert sp.verification_record(page)[1] != value


@pytest.mark.parametrize(
    "domain", ["localhost", "not a domain", "http://x.test/", "-bad.test"]
)
def test_bad_domains_are_refused(session, scene, domain):
    with pytest.raises(sp.StatusPageError) as error:
        sp.set_custom_domain(session, DEFAULT_ORG, scene.page.id, domain)

    assert error.value.field == "custom_domain"


def test_verified_domain_serves_the_page_by_host(client, session, scene, dns_server):
    page = _with_domain(session, scene)
    name, value = sp.verification_record(page)
    dns_server.txt[name] = [value]
    sp.check_custom_domain(session, DEFAULT_ORG, page.id, dns_server.resolver())

    html = client.get("/", headers={"Host": "Status.Acme.test:8080"})
    summary = client.get("/api/v2/summary.json", headers={"Host": DOMAIN})
    badge = client.get("/badge/website.svg", headers={"Host": DOMAIN})
    feed = client.get("/feed.atom", headers={"Host": DOMAIN})

    assert html.status_code == 200
    assert "Public API" in html.text
    assert 'href="/feed.rss"' in html.text
    assert summary.json()["page"]["url"] == f"http://{DOMAIN}"
    assert badge.status_code == 200
    assert feed.status_code == 200


def test_unverified_domain_is_not_served(client, session, scene, dns_server):
    _with_domain(session, scene)

    response = client.get("/", headers={"Host": DOMAIN})

    assert response.status_code == 404
    assert "Public API" not in response.text


def test_other_hosts_do_not_reach_the_domain_routes(client, session, scene):
    assert client.get("/", headers={"Host": "isup.test"}).status_code == 404


def test_password_on_a_custom_domain_uses_a_root_cookie(
    client, session, scene, dns_server
):
    page = _with_domain(session, scene)
    name, value = sp.verification_record(page)
    dns_server.txt[name] = [value]
    sp.check_custom_domain(session, DEFAULT_ORG, page.id, dns_server.resolver())
    sp.set_page_password(session, DEFAULT_ORG, page.id, "open sesame")
    host = {"Host": DOMAIN}

    locked = client.get("/", headers=host)
    unlock = client.post(
        "/unlock",
        data={"password": "open sesame"},
        headers=host,
        follow_redirects=False,
    )

    assert locked.status_code == 401
    assert 'action="/unlock"' in locked.text
    assert unlock.status_code == 303
    assert unlock.headers["location"] == "/"
    assert "Path=/;" in unlock.headers["set-cookie"]
