"""Who may see a page: public, private (members only, 404 for everyone else)
and password-protected (a form, a signed cookie, rate-limited attempts)."""

import pytest
from sqlmodel import Session

from isup_app.api.status_pages import COOKIE_PREFIX, PASSWORD_ATTEMPTS
from isup_app.core import auth
from isup_app.core import status_pages as sp
from isup_app.core.models import Membership, Organization, RoleName, User
from tests.factories import DEFAULT_ORG
from tests.status.conftest import Scene

PASSWORD = "open sesame"
SUBPATHS = [
    "",
    "/api/v2/summary.json",
    "/feed.rss",
    "/feed.atom",
    "/badge/public-api.svg",
]


def _member_cookie(session: Session, settings, organization_id: str) -> str:
    user = User(email=f"someone@{organization_id}.example", name="Someone")
    session.add(user)
    session.commit()
    session.add(
        Membership(
            user_id=user.id, organization_id=organization_id, role=RoleName.VIEWER
        )
    )
    session.commit()
    return auth.seal_local_session(user.id, settings)


def _private(session: Session, scene: Scene) -> None:
    sp.update_status_page(session, DEFAULT_ORG, scene.page.id, is_public=False)


def _protected(session: Session, scene: Scene) -> None:
    sp.set_page_password(session, DEFAULT_ORG, scene.page.id, PASSWORD)


@pytest.mark.parametrize("subpath", SUBPATHS)
def test_private_page_is_not_found_for_anonymous_visitors(
    client, session, scene, subpath
):
    _private(session, scene)

    response = client.get(f"/status/acme{subpath}")
    missing = client.get(f"/status/no-such-page{subpath}")

    assert response.status_code == 404
    assert response.content == missing.content
    assert response.headers["content-type"] == missing.headers["content-type"]


def test_private_public_json_is_not_found_for_anonymous_visitors(
    client, session, scene
):
    _private(session, scene)

    response = client.get("/api/public/status/acme.json")

    assert response.status_code == 404
    assert "Acme" not in response.text


def test_private_page_is_shown_to_a_signed_in_member(client, session, settings, scene):
    _private(session, scene)
    client.cookies.set(
        auth.SESSION_COOKIE, _member_cookie(session, settings, DEFAULT_ORG)
    )

    response = client.get("/status/acme")

    assert response.status_code == 200
    assert "Public API" in response.text
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-robots-tag"] == "noindex, nofollow"


def test_private_page_is_not_found_for_a_member_of_another_organization(
    client, session, settings, scene
):
    _private(session, scene)
    session.add(Organization(id="org_other", name="Other"))
    session.commit()
    client.cookies.set(
        auth.SESSION_COOKIE, _member_cookie(session, settings, "org_other")
    )

    assert client.get("/status/acme").status_code == 404


def test_password_page_asks_for_the_password_and_shows_nothing_else(
    client, session, scene
):
    _protected(session, scene)

    response = client.get("/status/acme")

    assert response.status_code == 401
    assert 'type="password"' in response.text
    assert "Public API" not in response.text
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    for subpath in SUBPATHS[1:]:
        assert client.get(f"/status/acme{subpath}").status_code == 401


def test_wrong_password_is_refused(client, session, scene):
    _protected(session, scene)

    response = client.post("/status/acme/unlock", data={"password": "guess"})

    assert response.status_code == 401
    assert "Wrong password." in response.text
    assert not any(name.startswith(COOKIE_PREFIX) for name in client.cookies)


def test_right_password_sets_a_cookie_that_opens_the_page(client, session, scene):
    _protected(session, scene)

    response = client.post(
        "/status/acme/unlock", data={"password": PASSWORD}, follow_redirects=False
    )
    page = client.get("/status/acme")

    assert response.status_code == 303
    assert response.headers["location"] == "/status/acme"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Path=/status/acme" in cookie
    assert PASSWORD not in cookie
    assert page.status_code == 200
    assert "Public API" in page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert client.get("/status/acme/api/v2/summary.json").status_code == 200


def test_tampered_cookie_does_not_open_the_page(client, session, scene):
    _protected(session, scene)
    client.post("/status/acme/unlock", data={"password": PASSWORD})
    name = f"{COOKIE_PREFIX}{scene.page.id}"
    value = client.cookies.get(name)
    client.cookies.clear()
    client.cookies.set(name, value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))

    assert client.get("/status/acme").status_code == 401


def test_changing_the_password_closes_earlier_cookies(client, session, scene):
    _protected(session, scene)
    client.post("/status/acme/unlock", data={"password": PASSWORD})
    assert client.get("/status/acme").status_code == 200

    sp.set_page_password(session, DEFAULT_ORG, scene.page.id, "another secret")

    assert client.get("/status/acme").status_code == 401


def test_password_attempts_are_rate_limited_per_visitor(client, session, scene):
    _protected(session, scene)
    for _ in range(PASSWORD_ATTEMPTS):
        client.post("/status/acme/unlock", data={"password": "guess"})

    response = client.post("/status/acme/unlock", data={"password": PASSWORD})

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many attempts" in response.text
    assert client.get("/status/acme").status_code == 401


def test_clearing_the_password_opens_the_page(client, session, scene):
    _protected(session, scene)
    sp.clear_page_password(session, DEFAULT_ORG, scene.page.id)

    assert client.get("/status/acme").status_code == 200
