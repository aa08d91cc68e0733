"""Plain HTTP routes of the assembled app (no frontend build needed)."""

from urllib.parse import urlsplit


def test_the_backend_answers_ping(web):
    assert web.get("/ping").status_code == 200


def test_the_dashboard_sends_a_visitor_without_a_session_to_sign_in(web):
    response = web.get("/dashboard", follow_redirects=False)

    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert location.path == "/sign-in"
    assert "next=%2Fdashboard" in location.query


def test_api_routes_are_mounted_behind_the_access_rule(web):
    # Mounted: the sign-in route of isup_app.api answers; guarded: an API
    # route without a session answers 401, not 404.
    assert web.get("/sign-in", follow_redirects=False).status_code in (200, 302)
    assert web.get("/api/auth/me").status_code == 401
