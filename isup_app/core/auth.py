"""Sessions: who a request's cookies belong to.

With the WorkOS settings present the session is WorkOS's own sealed session
(``seal_session_from_auth_response``): a Fernet-sealed access token, refresh
token and user, the access token an RS256 JWT checked against WorkOS's JWKS.
Without them it is a local sealed session: a Fernet token, keyed from
``ISUP_SECRET_KEY``, holding the user id and stamped with its issue time.

``identity_from_cookies`` is the one way in. Whatever goes wrong in verifying
(bad signature, unknown key id, expired and not refreshable, a tampered or
foreign cookie, a user or organization that no longer exists) it answers
``None``: signed out, never an error page. Membership and role are read from
the database on every call, so a role change or a removal counts at once.
"""

import base64
import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jwt
from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import Session, select

from isup_app.core import accounts
from isup_app.core.models import Membership, RoleName, User
from isup_app.core.settings import Settings

logger = logging.getLogger(__name__)

SESSION_COOKIE = "isup_session"
ORG_COOKIE = "isup_org"
STATE_COOKIE = "isup_auth_state"

# A Reflex websocket carries the cookies it connected with for as long as it
# stays open, so an event cannot refresh a WorkOS access token (refresh tokens
# rotate; the new one could not reach the browser). Events accept an access
# token that expired less than this long ago, still verifying its signature;
# anyone holding the cookie could refresh it anyway. Page loads refresh.
EVENT_GRACE_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Identity:
    user_id: str
    email: str
    name: str
    organization_id: str
    role: RoleName
    kind: str  # "workos", "local", or "api_key" (isup_app.core.api_keys)
    session_id: str = ""
    # A new sealed session to set as the cookie, when this check refreshed it.
    refreshed: str | None = None

    def can(self, at_least: RoleName) -> bool:
        return accounts.RANK[self.role] >= accounts.RANK[at_least]


# --- keys -------------------------------------------------------------------


def workos_enabled(settings: Settings) -> bool:
    return bool(settings.workos_api_key and settings.workos_client_id)


def secret_key(settings: Settings) -> bytes:
    """``ISUP_SECRET_KEY``, or one made once and kept in the data directory
    (the same file ``isup_app.launch`` uses)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    return _stored_secret(Path(settings.data_dir) / "secret_key")


@lru_cache
def _stored_secret(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = secrets.token_urlsafe(48).encode()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    logger.info("secret key made path=%s", path)
    return key


def _fernet_key(material: bytes, purpose: bytes) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(purpose + b"\0" + material).digest())


def cookie_password(settings: Settings) -> str:
    """The Fernet key that seals WorkOS sessions. ``ISUP_WORKOS_COOKIE_PASSWORD``
    may be a Fernet key or any long random string (as WorkOS's other SDKs
    take); an empty one is derived from the secret key."""
    given = settings.workos_cookie_password
    if given:
        try:
            Fernet(given)
            return given
        except ValueError:
            return _fernet_key(given.encode(), b"isup-workos-cookie").decode()
    return _fernet_key(secret_key(settings), b"isup-workos-cookie").decode()


def _local_fernet(settings: Settings) -> Fernet:
    return Fernet(_fernet_key(secret_key(settings), b"isup-local-session"))


@lru_cache(maxsize=8)
def _client(api_key: str, client_id: str, base_url: str):
    from workos import WorkOSClient

    return WorkOSClient(
        api_key=api_key, client_id=client_id, base_url=base_url or None, max_retries=1
    )


def workos_client(settings: Settings):
    return _client(
        settings.workos_api_key, settings.workos_client_id, settings.workos_base_url
    )


# --- local sessions ---------------------------------------------------------


def seal_local_session(
    user_id: str, settings: Settings, *, at: float | None = None
) -> str:
    """A local session cookie value for ``user_id``, issued at ``at``."""
    payload = json.dumps({"uid": user_id, "sid": secrets.token_urlsafe(12)}).encode()
    issued = int(time.time() if at is None else at)
    return _local_fernet(settings).encrypt_at_time(payload, issued).decode()


def _local_user(
    raw: str, settings: Settings, clock: Callable[[], float]
) -> tuple[str, str] | None:
    try:
        data = _local_fernet(settings).decrypt_at_time(
            raw.encode(), ttl=settings.session_days * 86400, current_time=int(clock())
        )
        payload = json.loads(data)
        return str(payload["uid"]), str(payload.get("sid", ""))
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None


# --- WorkOS sessions --------------------------------------------------------


@dataclass(frozen=True)
class _WorkOSResult:
    user: dict
    session_id: str
    refreshed: str | None


def _workos_user(
    raw: str,
    settings: Settings,
    *,
    allow_refresh: bool,
    grace_seconds: float,
) -> _WorkOSResult | None:
    from workos.session import unseal_data

    password = cookie_password(settings)
    client = workos_client(settings)
    try:
        sealed = client.user_management.load_sealed_session(
            session_data=raw, cookie_password=password
        )
        result = sealed.authenticate()
        if result.authenticated:
            return _WorkOSResult(result.user or {}, result.session_id, None)

        # Only an access token that is genuine but expired may go on; a bad
        # signature, an unknown key or a foreign cookie stop here.
        data = unseal_data(raw, password)
        claims = _verified_ignoring_expiry(sealed, data.get("access_token", ""))
        if claims is None or float(claims["exp"]) > time.time():
            return None  # not merely expired: something else is wrong with it
        if allow_refresh:
            refreshed = sealed.refresh()
            if not refreshed.authenticated:
                logger.info("workos refresh failed reason=%s", refreshed.reason)
                return None
            return _WorkOSResult(
                refreshed.user or {}, refreshed.session_id, refreshed.sealed_session
            )
        if time.time() - float(claims.get("exp", 0)) <= grace_seconds:
            return _WorkOSResult(data.get("user") or {}, str(claims["sid"]), None)
        return None
    except Exception as exc:  # unknown kid, JWKS unreachable, garbage: signed out
        logger.info("workos session rejected error=%s", type(exc).__name__)
        return None


def _verified_ignoring_expiry(sealed, token: str) -> dict | None:
    try:
        key = sealed.jwks.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False},
        )
    except (jwt.InvalidTokenError, jwt.PyJWKClientError):
        return None
    if not isinstance(claims.get("sid"), str) or "exp" not in claims:
        return None
    return claims


# --- ended sessions ---------------------------------------------------------

ENDED_PREFIX = "isup:session-ended:"


@lru_cache(maxsize=4)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def session_id_of(raw: str, settings: Settings) -> str | None:
    """The session id inside a genuine cookie (expired or not), else None."""
    if not raw:
        return None
    if not workos_enabled(settings):
        found = _local_user(raw, settings, time.time)
        return found[1] if found else None
    from workos.session import unseal_data

    try:
        sealed = workos_client(settings).user_management.load_sealed_session(
            session_data=raw, cookie_password=cookie_password(settings)
        )
        data = unseal_data(raw, cookie_password(settings))
    except Exception:  # not ours, or garbage
        return None
    claims = _verified_ignoring_expiry(sealed, data.get("access_token", ""))
    return str(claims["sid"]) if claims else None


def end_session(session_id: str, settings: Settings) -> bool:
    """Remember that ``session_id`` signed out, for as long as any cookie of
    it could live, so that a copy of the cookie stops working too. Needs
    Redis; answers whether it was recorded."""
    if not session_id or not settings.redis_url:
        return False
    try:
        _redis(settings.redis_url).set(
            ENDED_PREFIX + session_id, "1", ex=settings.session_days * 86400
        )
    except Exception as exc:  # redis down: the cookie is still cleared
        logger.warning("session end not recorded error=%s", type(exc).__name__)
        return False
    return True


def _session_ended(session_id: str, settings: Settings) -> bool:
    if not session_id or not settings.redis_url:
        return False
    try:
        return bool(_redis(settings.redis_url).exists(ENDED_PREFIX + session_id))
    except Exception as exc:  # redis down: fall back to the cookie alone
        logger.warning("ended sessions unreadable error=%s", type(exc).__name__)
        return False


# --- the one way in ---------------------------------------------------------


def identity_from_cookies(
    cookies: Mapping[str, str],
    session: Session,
    settings: Settings,
    *,
    allow_refresh: bool = True,
    grace_seconds: float = 0,
    clock: Callable[[], float] = time.time,
) -> Identity | None:
    """Who these cookies belong to, in which organization, with which role;
    ``None`` when signed out or when anything fails to verify."""
    raw = cookies.get(SESSION_COOKIE)
    if not raw:
        return None

    refreshed = None
    if workos_enabled(settings):
        found = _workos_user(
            raw, settings, allow_refresh=allow_refresh, grace_seconds=grace_seconds
        )
        if found is None or not found.user.get("id"):
            return None
        user = session.exec(
            select(User).where(User.workos_user_id == found.user["id"])
        ).first()
        if user is None:
            # A valid WorkOS session for someone IsUp does not know (a new
            # database, say): treat it as their first sign-in.
            user = accounts.sync_workos_user(
                session, found.user, default_org_id=settings.default_org_id
            ).user
        kind, session_id, refreshed = "workos", found.session_id, found.refreshed
    else:
        local = _local_user(raw, settings, clock)
        if local is None:
            return None
        user = session.get(User, local[0])
        if user is None:
            return None
        kind, session_id = "local", local[1]

    if _session_ended(session_id, settings):
        return None
    membership = _active_membership(session, user.id, cookies.get(ORG_COOKIE))
    if membership is None:
        return None
    return Identity(
        user_id=user.id,
        email=user.email,
        name=user.name,
        organization_id=membership.organization_id,
        role=RoleName(membership.role),
        kind=kind,
        session_id=session_id,
        refreshed=refreshed,
    )


def identity_from_cookie_header(
    header: str, session: Session, settings: Settings, **options
) -> Identity | None:
    from starlette.requests import cookie_parser

    return identity_from_cookies(
        cookie_parser(header or ""), session, settings, **options
    )


def _active_membership(
    session: Session, user_id: str, wanted_org: str | None
) -> Membership | None:
    """The organization the person chose (``isup_org`` cookie) if they are in
    it, else their first one."""
    memberships = accounts.memberships_of(session, user_id)
    for membership in memberships:
        if membership.organization_id == wanted_org:
            return membership
    return memberships[0] if memberships else None
