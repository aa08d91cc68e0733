"""The access rule: the reference's public paths stay public, everything
else needs a session; pages redirect, API routes answer 401."""

import re

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


def _api_routes(routes, prefix=""):
    """Every APIRoute, through FastAPI's included routers."""
    from fastapi.routing import APIRoute

    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route.methods
        elif hasattr(route, "original_router"):
            inner = prefix + route.include_context.prefix
            yield from _api_routes(route.original_router.routes, inner)


def _private_routes():
    from isup_app.api import build_api

    for template, methods in _api_routes(build_api().routes):
        path = re.sub(r"\{[^}]+\}", "x1", template)
        if is_public(path):
            continue
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            yield pytest.param(method, path, id=f"{method} {template}")


@pytest.mark.parametrize(("method", "path"), list(_private_routes()))
def test_every_private_route_turns_away_the_signed_out(client, method, path):
    response = client.request(method, path)

    if method == "GET" and not path.startswith("/api/"):
        assert response.status_code == 302
        assert response.headers["location"].startswith("/sign-in?next=")
    else:
        assert response.status_code == 401


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("viewer", False), ("member", False), ("admin", False), ("owner", True)],
)
def test_billing_routes_are_the_owners(client, session, app_settings, role, allowed):
    from isup_app.core.models import RoleName

    name, value = signed_in_cookie(session, app_settings, role=RoleName(role))
    client.cookies.set(name, value, domain="testserver.local")

    response = client.get("/billing/portal")

    # Without Stripe settings the owner passes the role check and meets 404.
    assert response.status_code == (404 if allowed else 403)


@pytest.fixture
def verified_domain(session, monkeypatch):
    from isup_app.api import auth as auth_routes
    from isup_app.core.models import StatusPage

    monkeypatch.setattr(auth_routes, "_domains", (0.0, frozenset()))
    page = StatusPage(
        organization_id="org_test",
        slug="acme",
        name="Acme status",
        custom_domain="status.acme.test",
        custom_domain_verified=True,
    )
    session.add(page)
    session.commit()
    return "status.acme.test"


@pytest.mark.parametrize("path", ["/api/v2/summary.json", "/feed.rss", "/feed.atom"])
def test_status_page_on_its_own_domain_needs_no_session(client, verified_domain, path):
    response = client.get(path, headers={"host": verified_domain})

    assert response.status_code == 200


def test_status_page_unlock_on_its_own_domain_reaches_the_page(client, verified_domain):
    response = client.post(
        "/unlock", data={"password": "x"}, headers={"host": verified_domain}
    )

    assert response.status_code not in (401, 302)


def test_status_page_paths_on_another_host_need_a_session(client, verified_domain):
    response = client.get("/api/v2/summary.json", headers={"host": "evil.test"})

    assert response.status_code == 401


def test_dashboard_on_a_status_page_domain_still_needs_a_session(
    client, verified_domain
):
    response = client.get("/dashboard", headers={"host": verified_domain})

    assert response.status_code == 302


def test_signed_out_cookie_copy_stops_working(
    client, session, app_settings, with_redis
):
    name, value = signed_in_cookie(session, app_settings)
    client.cookies.set(name, value, domain="testserver.local")
    assert client.get("/api/auth/me").status_code == 200

    client.post("/sign-out")
    client.cookies.set(name, value, domain="testserver.local")  # a kept copy

    assert client.get("/api/auth/me").status_code == 401


def test_other_sessions_of_the_same_person_go_on(
    client, session, app_settings, with_redis
):
    name, first = signed_in_cookie(session, app_settings)
    _, second = signed_in_cookie(session, app_settings)
    client.cookies.set(name, first, domain="testserver.local")
    client.post("/sign-out")

    client.cookies.set(name, second, domain="testserver.local")

    assert client.get("/api/auth/me").status_code == 200
