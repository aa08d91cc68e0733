"""The access rule: the reference's public paths stay public, everything
else needs a session; pages redirect, API routes answer 401."""

import pytest

from isup_app.api.auth import is_public
from tests.auth.helpers import signed_in_cookie


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sign-in",
        "/sign-up",
        "/pricing",
        "/docs",
        "/docs/checks/http",
        "/status/acme",
        "/status/acme/feed.rss",
        "/api/webhooks/stripe",
        "/api/public/plans",
        "/api/heartbeat/abc123",
        "/api/heartbeat/abc123/fail",
        "/assets/index-3f2a.js",
        "/favicon.ico",
        "/logo.svg",
        "/_event",
        "/ping",
        "/_health",
        "/pricing.data",
    ],
)
def test_public_paths_need_no_session(path):
    assert is_public(path)


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard",
        "/monitors/3",
        "/settings/members",
        "/api/monitors",
        "/api/auth/me",
        "/api/monitors/export.json",
        "/api/private.js",
        "/dashboard/index.html",
        "/dashboard.data",
        "/_upload",
        "/statuses",
        "/docsearch",
    ],
)
def test_private_paths_need_a_session(path):
    assert not is_public(path)


def test_private_page_redirects_to_sign_in_with_the_way_back(client):
    response = client.get("/monitors/3?tab=history")

    assert response.status_code == 302
    assert response.headers["location"] == (
        "/sign-in?next=%2Fmonitors%2F3%3Ftab%3Dhistory"
    )


def test_private_api_route_answers_401(client):
    response = client.get("/api/auth/me")

    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in first."}


def test_private_post_answers_401_rather_than_redirecting(client):
    response = client.post("/auth/organization", data={"organization_id": "x"})

    assert response.status_code == 401


def test_public_api_route_answers_without_a_session(client):
    response = client.get("/api/public/plans")

    assert response.status_code == 200


def test_heartbeat_ping_is_not_asked_for_a_session(client):
    response = client.get("/api/heartbeat/no-such-token")

    assert response.status_code == 404  # the route's own answer, not 401


def test_garbage_cookie_counts_as_signed_out(client):
    client.cookies.set("isup_session", "not-a-session")

    page = client.get("/dashboard")
    api = client.get("/api/auth/me")

    assert page.status_code == 302
    assert api.status_code == 401


def test_signed_in_request_passes_the_rule(client, session, app_settings):
    name, value = signed_in_cookie(session, app_settings)
    client.cookies.set(name, value, domain="testserver.local")

    response = client.get("/api/auth/me")

    assert response.status_code == 200
    assert response.json()["role"] == "owner"


def test_removed_member_is_signed_out_at_once(client, session, app_settings):
    from sqlmodel import delete

    from isup_app.core.models import Membership

    name, value = signed_in_cookie(session, app_settings)
    client.cookies.set(name, value, domain="testserver.local")
    session.exec(delete(Membership))
    session.commit()

    assert client.get("/api/auth/me").status_code == 401


def test_sign_out_clears_the_local_session(client, session, app_settings):
    name, value = signed_in_cookie(session, app_settings)
    client.cookies.set(name, value, domain="testserver.local")

    response = client.post("/sign-out")

    assert response.status_code == 303
    assert name not in client.cookies
    assert client.get("/api/auth/me").status_code == 401
