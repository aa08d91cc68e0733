"""API keys: how scripts call ``/api/v1/`` without a browser session.

A key is ``isup_`` and 32 random bytes (url-safe base64). Only its sha256 is
stored: a key that long needs no slow hash, and a stolen table gives no key.
Each key belongs to one organization and acts with the role it was made
with, never above its maker's: the maker's role is read again on every use,
so a maker who is demoted or removed takes the key down with them.

``identity_from_bearer`` is the one way in; whatever is wrong with a key
(unknown, revoked, maker gone) it answers ``None``, which the access rule
turns into 401.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from isup_app.core import accounts
from isup_app.core.auth import Identity
from isup_app.core.models import ApiKey, RoleName, User, now

logger = logging.getLogger(__name__)

KEY_PREFIX = "isup_"
KEY_BYTES = 32
SHOWN_CHARS = 12  # "isup_" and the first 7 characters, to tell keys apart
IDENTITY_KIND = "api_key"
# Writing the last-used time on every call would make each read a write;
# within this long of the stored time it is left alone.
LAST_USED_PRECISION = timedelta(minutes=1)


class KeyRefused(ValueError):
    """A key cannot be made as asked; the message is meant for the person."""


@dataclass(frozen=True)
class MadeKey:
    key: ApiKey
    secret: str  # the key itself: shown once, never stored


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    session: Session,
    creator: Identity,
    *,
    name: str = "",
    role: RoleName = RoleName.MEMBER,
) -> MadeKey:
    """A new key in the creator's organization; ``role`` at most theirs."""
    role = RoleName(role)
    if accounts.RANK[role] > accounts.RANK[creator.role]:
        raise KeyRefused(f"a key's role cannot be above yours ({creator.role.value})")
    name = name.strip()
    if len(name) > 200:
        raise KeyRefused("the name must be at most 200 characters")

    secret = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    key = ApiKey(
        organization_id=creator.organization_id,
        created_by=creator.user_id,
        name=name,
        prefix=secret[:SHOWN_CHARS],
        key_hash=hash_key(secret),
        role=role,
    )
    session.add(key)
    session.commit()
    session.refresh(key)
    logger.info(
        "api key created id=%s org=%s role=%s by=%s",
        key.id,
        key.organization_id,
        role.value,
        creator.user_id,
    )
    return MadeKey(key=key, secret=secret)


def list_api_keys(session: Session, organization_id: str) -> list[ApiKey]:
    """The organization's keys that are not revoked, oldest first."""
    return list(
        session.exec(
            select(ApiKey)
            .where(
                ApiKey.organization_id == organization_id,
                ApiKey.revoked_at.is_(None),
            )
            .order_by(ApiKey.created_at, ApiKey.id)
        )
    )


def revoke_api_key(
    session: Session, organization_id: str, key_id: int, *, at: datetime | None = None
) -> ApiKey:
    """Stop a key working; ``LookupError`` for a key not in the organization
    (or already revoked)."""
    key = session.get(ApiKey, key_id)
    if key is None or key.organization_id != organization_id or key.revoked_at:
        raise LookupError(f"no api key {key_id} in this organization")
    key.revoked_at = at or now()
    session.add(key)
    session.commit()
    logger.info("api key revoked id=%s org=%s", key.id, organization_id)
    return key


def identity_from_bearer(
    secret: str, session: Session, *, at: datetime | None = None
) -> Identity | None:
    """Who a key acts as, or ``None`` for a key that does not work."""
    if not secret.startswith(KEY_PREFIX):
        return None
    key = session.exec(
        select(ApiKey).where(ApiKey.key_hash == hash_key(secret))
    ).first()
    if key is None or key.revoked_at is not None:
        return None
    maker_role = accounts.role_of(session, key.created_by, key.organization_id)
    user = session.get(User, key.created_by)
    if maker_role is None or user is None:
        return None

    at = at or now()
    if key.last_used_at is None or at - key.last_used_at >= LAST_USED_PRECISION:
        key.last_used_at = at
        session.add(key)
        session.commit()
    role = min(RoleName(key.role), maker_role, key=accounts.RANK.__getitem__)
    return Identity(
        user_id=user.id,
        email=user.email,
        name=user.name,
        organization_id=key.organization_id,
        role=role,
        kind=IDENTITY_KIND,
        session_id=f"key:{key.id}",
    )
