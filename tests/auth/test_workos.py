"""WorkOS AuthKit against the stand-in, with the real SDK: the round trip,
first sign-in, refresh, expiry, bad signatures, unknown keys, tampering,
sign-out."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import select

from isup_app.core import accounts, auth
from isup_app.core.models import Organization, RoleName, User


def sign_in(client, workos, email="ada@example.test", next_path=None):
    """Follow /sign-in -> AuthKit (stand-in) -> /auth/callback."""
    params = {"next": next_path} if next_path else {}
    to_authkit = client.get("/sign-in", params=params)
    assert to_authkit.status_code == 302
    authorize = to_authkit.headers["location"]
    assert authorize.startswith(workos.url + "/user_management/authorize")
    back = httpx.get(authorize + "&login_hint=" + email, follow_redirects=False)
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/auth/callback"
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def ada(workos):
    return workos.add_user("ada@example.test", "Ada", "Lovelace")


def test_sign_in_redirects_to_authkit_with_our_callback(
    client, workos, workos_settings
):
    response = client.get("/sign-in")

    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["client_id"] == [workos.client_id]
    assert query["redirect_uri"] == ["http://testserver/auth/callback"]
    assert query["provider"] == ["authkit"]
    assert query["response_type"] == ["code"]


def test_sign_up_asks_authkit_for_its_sign_up_screen(client, workos_settings):
    response = client.get("/sign-up")

    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["screen_hint"] == ["sign-up"]


def test_round_trip_signs_in_and_lands_on_the_dashboard(
    client, workos, workos_settings, ada
):
    response = sign_in(client, workos)

    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    set_cookie = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookie if c.startswith("isup_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.test"


def test_round_trip_keeps_the_page_asked_for(client, workos, workos_settings, ada):
    response = sign_in(client, workos, next_path="/monitors/3")

    assert response.headers["location"] == "/monitors/3"


def test_first_sign_in_creates_user_and_personal_organization(
    client, workos, workos_settings, session, ada
):
    # Someone already owns the built-in organization.
    owner = User(email="owner@example.test")
    session.add(owner)
    session.commit()
    session.add(
        accounts.Membership(
            user_id=owner.id, organization_id="org_test", role=RoleName.OWNER
        )
    )
    session.commit()

    sign_in(client, workos)

    user = session.exec(select(User).where(User.workos_user_id == ada)).one()
    assert user.id.startswith("usr_") and user.app_id == "isup"
    assert user.name == "Ada Lovelace"
    (membership,) = accounts.memberships_of(session, user.id)
    org = session.get(Organization, membership.organization_id)
    assert org.id.startswith("org_") and org.personal
    assert membership.role == RoleName.OWNER


def test_first_ever_sign_in_also_owns_the_builtin_organization(
    client, workos, workos_settings, session, ada
):
    sign_in(client, workos)

    user = session.exec(select(User).where(User.workos_user_id == ada)).one()
    assert accounts.role_of(session, user.id, "org_test") == RoleName.OWNER
    assert client.get("/api/auth/me").json()["organization_id"] == "org_test"


def test_first_sign_in_writes_isup_ids_to_workos_metadata(
    client, workos, workos_settings, session, ada
):
    sign_in(client, workos)

    user = session.exec(select(User).where(User.workos_user_id == ada)).one()
    metadata = workos.users[ada].metadata
    assert metadata["app_id"] == "isup"
    assert metadata["isup_user_id"] == user.id
    assert metadata["isup_org_id"].startswith("org_")


def test_second_sign_in_reuses_the_user_and_writes_no_metadata(
    client, workos, workos_settings, session, ada
):
    sign_in(client, workos)
    client.cookies.clear()

    sign_in(client, workos)

    assert len(session.exec(select(User)).all()) == 1
    assert len(workos.metadata_writes) == 1


def test_callback_with_a_foreign_state_is_refused(client, workos, workos_settings, ada):
    code = workos.issue_code(ada)

    response = client.get(f"/auth/callback?code={code}&state=forged.%2F")

    assert response.status_code == 400
    assert "isup_session" not in client.cookies


def test_callback_with_a_used_code_is_refused(client, workos, workos_settings, ada):
    to_authkit = client.get("/sign-in")
    back = httpx.get(to_authkit.headers["location"], follow_redirects=False)
    callback = urlsplit(back.headers["location"])
    client.get(f"{callback.path}?{callback.query}")
    client.cookies.delete("isup_session")

    again = client.get(f"{callback.path}?{callback.query}")

    assert again.status_code == 400


def test_expired_access_token_is_refreshed_and_cookie_renewed(
    client, workos, workos_settings, ada
):
    workos.token_ttl = -60  # born expired
    sign_in(client, workos)
    old = client.cookies["isup_session"]
    workos.token_ttl = 300

    response = client.get("/api/auth/me")

    assert response.status_code == 200
    assert client.cookies["isup_session"] != old
    refreshes = [r for r in workos.requests if r[1] == "/user_management/authenticate"]
    assert len(refreshes) == 2  # the code exchange and one refresh
    assert client.get("/api/auth/me").status_code == 200


def test_expired_session_that_cannot_refresh_is_signed_out(
    client, workos, workos_settings, ada
):
    workos.token_ttl = -60
    sign_in(client, workos)
    workos.refresh_tokens.clear()  # WorkOS ended the session

    api = client.get("/api/auth/me")
    page = client.get("/dashboard")

    assert api.status_code == 401
    assert page.status_code == 302
    assert page.headers["location"].startswith("/sign-in")


@pytest.mark.parametrize("signing", ["foreign", "unknown_kid"])
def test_access_token_not_signed_by_workos_key_is_signed_out(
    client, workos, workos_settings, ada, signing
):
    workos.sign_with = signing
    sign_in(client, workos)
    workos.sign_with = "good"  # a refresh would now succeed: it must not run

    assert client.get("/api/auth/me").status_code == 401
    assert [r for r in workos.requests if r[1] == "/user_management/authenticate"] == [
        ("POST", "/user_management/authenticate")
    ]


def test_tampered_cookie_is_signed_out(client, workos, workos_settings, ada):
    sign_in(client, workos)
    value = client.cookies["isup_session"]
    flipped = value[:40] + ("A" if value[40] != "A" else "B") + value[41:]
    client.cookies.clear()
    client.cookies.set("isup_session", flipped)

    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/dashboard").status_code == 302


def test_cookie_sealed_with_another_password_is_signed_out(
    client, workos, workos_settings, ada, session
):
    from workos.session import seal_session_from_auth_response

    sign_in(client, workos)
    other = seal_session_from_auth_response(
        access_token=workos.access_token(ada, "session_x"),
        refresh_token="r",
        user=workos.users[ada].to_json(),
        cookie_password=auth.Fernet.generate_key().decode(),
    )
    client.cookies.clear()
    client.cookies.set("isup_session", other)

    assert client.get("/api/auth/me").status_code == 401


def test_sign_out_ends_the_workos_session_and_clears_the_cookie(
    client, workos, workos_settings, ada
):
    sign_in(client, workos)

    response = client.get("/sign-out")

    logout = urlsplit(response.headers["location"])
    assert logout.path == "/user_management/sessions/logout"
    assert parse_qs(logout.query)["return_to"] == ["http://testserver"]
    assert "isup_session" not in client.cookies
    httpx.get(response.headers["location"], follow_redirects=False)
    assert workos.revoked


def test_sign_out_with_a_broken_cookie_still_signs_out(client, workos_settings):
    client.cookies.set("isup_session", "garbage")

    response = client.get("/sign-out")

    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_event_accepts_a_recently_expired_token_without_refreshing(
    client, workos, workos_settings, ada, session
):
    workos.token_ttl = -60
    sign_in(client, workos)
    raw = client.cookies["isup_session"]
    before = len(workos.requests)

    identity = auth.identity_from_cookies(
        {"isup_session": raw},
        session,
        workos_settings,
        allow_refresh=False,
        grace_seconds=auth.EVENT_GRACE_SECONDS,
    )
    too_old = auth.identity_from_cookies(
        {"isup_session": raw},
        session,
        workos_settings,
        allow_refresh=False,
        grace_seconds=30,
    )

    assert identity is not None and identity.kind == "workos"
    assert too_old is None
    assert not [r for r in workos.requests[before:] if r[0] == "POST"]


def test_signed_out_workos_cookie_copy_stops_working_even_for_events(
    client, workos, workos_settings, ada, session, with_redis
):
    from isup_app.core.settings import get_settings

    sign_in(client, workos)
    kept = client.cookies["isup_session"]

    client.get("/sign-out")

    for allow_refresh in (True, False):
        assert (
            auth.identity_from_cookies(
                {"isup_session": kept},
                session,
                get_settings(),
                allow_refresh=allow_refresh,
                grace_seconds=auth.EVENT_GRACE_SECONDS,
            )
            is None
        )


def test_sign_out_with_an_expired_token_still_ends_the_workos_session(
    client, workos, workos_settings, ada
):
    workos.token_ttl = -60
    sign_in(client, workos)

    response = client.get("/sign-out")

    logout = urlsplit(response.headers["location"])
    assert logout.path == "/user_management/sessions/logout"
    assert parse_qs(logout.query)["session_id"][0].startswith("session_")
