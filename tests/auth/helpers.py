"""Signed-in sessions for tests of other areas (pages, events, routes).

``signed_in_cookie`` makes a local account (or reuses one) with a role in an
organization and answers the session cookie's name and value; put them in a
browser (Playwright ``context.add_cookies``), a ``TestClient`` (``cookies=``),
or a state's router headers (``cookie_header``). The app must run with the
same ``ISUP_SECRET_KEY`` (or the same ``data/secret_key``) and no WorkOS
settings.
"""

from sqlmodel import Session, select

from isup_app.core import accounts, auth
from isup_app.core.models import Membership, Organization, RoleName, User
from isup_app.core.settings import Settings, get_settings

PASSWORD = "correct horse battery"


def signed_in_user(
    session: Session,
    *,
    email: str = "owner@example.test",
    organization_id: str = "org_test",
    role: RoleName = RoleName.OWNER,
    password: str | None = PASSWORD,
) -> User:
    """A local user who is ``role`` in ``organization_id`` (made if missing);
    ``password=None`` skips the (deliberately slow) hashing."""
    if session.get(Organization, organization_id) is None:
        session.add(Organization(id=organization_id, name=organization_id))
        session.commit()
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        hashed = accounts.hash_password(password) if password else None
        user = User(email=email, password_hash=hashed)
        session.add(user)
        session.commit()
    membership = session.exec(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organization_id == organization_id,
        )
    ).first()
    if membership is None:
        session.add(
            Membership(user_id=user.id, organization_id=organization_id, role=role)
        )
    else:
        membership.role = role
        session.add(membership)
    session.commit()
    session.refresh(user)
    return user


def signed_in_cookie(
    session: Session, settings: Settings | None = None, **user_options
) -> tuple[str, str]:
    """``(name, value)`` of a valid session cookie for a local user."""
    user = signed_in_user(session, **user_options)
    value = auth.seal_local_session(user.id, settings or get_settings())
    return auth.SESSION_COOKIE, value


def cookie_header(session: Session, settings: Settings | None = None, **options) -> str:
    """A ``Cookie:`` header value, as a websocket would carry it."""
    name, value = signed_in_cookie(session, settings, **options)
    organization_id = options.get("organization_id", "org_test")
    return f"{name}={value}; {auth.ORG_COOKIE}={organization_id}"
