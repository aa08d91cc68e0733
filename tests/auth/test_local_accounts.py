"""Local accounts: sign-up, the first account owning the built-in
organization, sign-in, wrong passwords, closed sign-up."""

import pytest
from sqlmodel import select

from isup_app.core import accounts
from isup_app.core.auth import SESSION_COOKIE
from isup_app.core.models import Membership, Organization, RoleName, User

PASSWORD = "correct horse battery"


def sign_up(client, email, password=PASSWORD, **extra):
    return client.post("/sign-up", data={"email": email, "password": password, **extra})


def test_fresh_install_sends_sign_in_to_sign_up(client):
    response = client.get("/sign-in")

    assert response.status_code == 302
    assert response.headers["location"].startswith("/sign-up")


def test_first_account_owns_the_builtin_organization(client, session):
    response = sign_up(client, "first@example.test", name="Ada")

    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    user = session.exec(select(User).where(User.email == "first@example.test")).one()
    assert user.id.startswith("usr_") and user.app_id == "isup"
    assert accounts.role_of(session, user.id, "org_test") == RoleName.OWNER


def test_session_cookie_is_httponly_and_lax(client):
    response = sign_up(client, "first@example.test")

    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith(SESSION_COOKIE + "=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # public_url is http here


def test_session_cookie_is_secure_behind_https(client, monkeypatch):
    from isup_app.core.settings import get_settings

    monkeypatch.setenv("ISUP_PUBLIC_URL", "https://isup.example.test")
    get_settings.cache_clear()

    response = sign_up(client, "first@example.test")

    assert "Secure" in response.headers["set-cookie"]


def test_second_account_gets_a_personal_organization(client, session):
    sign_up(client, "first@example.test")
    client.cookies.clear()

    sign_up(client, "second@example.test")

    user = session.exec(select(User).where(User.email == "second@example.test")).one()
    (membership,) = session.exec(
        select(Membership).where(Membership.user_id == user.id)
    ).all()
    assert membership.organization_id != "org_test"
    assert membership.organization_id.startswith("org_")
    assert membership.role == RoleName.OWNER
    assert session.get(Organization, membership.organization_id).personal


def test_signed_up_person_reaches_their_identity(client):
    sign_up(client, "first@example.test")

    me = client.get("/api/auth/me").json()

    assert me["email"] == "first@example.test"
    assert me["organization_id"] == "org_test"
    assert me["role"] == "owner"


def test_sign_in_with_the_right_password(client):
    sign_up(client, "first@example.test")
    client.cookies.clear()

    response = client.post(
        "/sign-in",
        data={"email": "First@Example.test", "password": PASSWORD, "next": "/monitors"},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/monitors"
    assert client.get("/api/auth/me").json()["email"] == "first@example.test"


def test_sign_in_with_a_wrong_password_is_refused(client):
    sign_up(client, "first@example.test")
    client.cookies.clear()

    response = client.post(
        "/sign-in", data={"email": "first@example.test", "password": "wrong-password"}
    )

    assert response.status_code == 400
    assert "Wrong email or password" in response.text
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/api/auth/me").status_code == 401


def test_sign_in_with_an_unknown_email_says_the_same(client):
    sign_up(client, "first@example.test")
    client.cookies.clear()

    response = client.post(
        "/sign-in", data={"email": "nobody@example.test", "password": PASSWORD}
    )

    assert response.status_code == 400
    assert "Wrong email or password" in response.text


def test_sign_in_never_redirects_off_site(client):
    sign_up(client, "first@example.test")

    response = client.post(
        "/sign-in",
        data={
            "email": "first@example.test",
            "password": PASSWORD,
            "next": "//evil.example/",
        },
    )

    assert response.headers["location"] == "/dashboard"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", PASSWORD, "valid email"),
        ("a@example.test", "short", "at least 8"),
    ],
    ids=["bad-email", "short-password"],
)
def test_sign_up_refuses_bad_input(client, email, password, message):
    response = sign_up(client, email, password)

    assert response.status_code == 400
    assert message in response.text


def test_sign_up_refuses_an_email_already_taken(client):
    sign_up(client, "first@example.test")
    client.cookies.clear()

    response = sign_up(client, "FIRST@example.test")

    assert response.status_code == 400
    assert "already exists" in response.text


def test_closed_sign_up_admits_only_the_invited(client, session, monkeypatch):
    from isup_app.core.settings import get_settings

    monkeypatch.setenv("ISUP_ALLOW_SIGNUP", "false")
    get_settings.cache_clear()
    sign_up(client, "first@example.test")
    owner = session.exec(select(User).where(User.email == "first@example.test")).one()
    accounts.invite(session, owner.id, "org_test", "invited@example.test")
    client.cookies.clear()

    refused = sign_up(client, "stranger@example.test")
    admitted = sign_up(client, "invited@example.test")

    assert refused.status_code == 400 and "closed" in refused.text
    assert admitted.status_code == 303


def test_shipped_scrypt_cost_is_at_least_n_2_15(monkeypatch, cheap_password_hashes):
    shipped = cheap_password_hashes  # the cost before the tests lowered it
    monkeypatch.setattr(accounts, "SCRYPT_N", shipped)

    stored = accounts.hash_password(PASSWORD)

    assert shipped >= 2**15 and accounts.SCRYPT_R >= 8
    assert stored.split("$")[1] == str(shipped)
    assert accounts.check_password(PASSWORD, stored)


def test_password_hash_is_scrypt_with_its_parameters():
    stored = accounts.hash_password(PASSWORD)

    scheme, n, r, p, _salt, _digest = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == (
        "scrypt",
        accounts.SCRYPT_N,
        accounts.SCRYPT_R,
        accounts.SCRYPT_P,
    )
    assert accounts.check_password(PASSWORD, stored)
    assert not accounts.check_password(PASSWORD + "!", stored)
    assert accounts.hash_password(PASSWORD) != stored  # salted


def test_local_session_expires_after_its_lifetime(app_settings, session):
    from isup_app.core import auth
    from tests.auth.helpers import signed_in_user

    user = signed_in_user(session)
    issued = 1_800_000_000
    value = auth.seal_local_session(user.id, app_settings, at=issued)
    cookies = {auth.SESSION_COOKIE: value}
    lifetime = app_settings.session_days * 86400

    fresh = auth.identity_from_cookies(
        cookies, session, app_settings, clock=lambda: issued + lifetime - 60
    )
    stale = auth.identity_from_cookies(
        cookies, session, app_settings, clock=lambda: issued + lifetime + 60
    )

    assert fresh is not None and fresh.user_id == user.id
    assert stale is None


def test_repeated_wrong_passwords_are_slowed_down(client):
    from isup_app.api.auth import SIGN_IN_ATTEMPTS

    sign_up(client, "first@example.test")
    client.cookies.clear()
    wrong = {"email": "first@example.test", "password": "wrong-password"}
    for _ in range(SIGN_IN_ATTEMPTS):
        assert client.post("/sign-in", data=wrong).status_code == 400

    refused = client.post(
        "/sign-in", data={"email": "first@example.test", "password": PASSWORD}
    )

    assert refused.status_code == 429
    assert "Too many wrong passwords" in refused.text
    assert SESSION_COOKIE not in client.cookies


def test_throttle_forgets_after_its_window():
    from isup_app.api.auth import Throttle

    now = [1000.0]
    throttle = Throttle(limit=2, window=60, clock=lambda: now[0])
    throttle.failed("k")
    throttle.failed("k")
    blocked = throttle.wait_seconds("k")
    now[0] += 61

    assert blocked == 60
    assert throttle.wait_seconds("k") == 0


def test_signed_in_person_skips_the_sign_in_page(client):
    sign_up(client, "first@example.test")

    response = client.get("/sign-in?next=/monitors")

    assert response.status_code == 302
    assert response.headers["location"] == "/monitors"
