"""People, organizations, memberships, roles and invitations.

Two ways in lead here: a WorkOS sign-in (``sync_workos_user``, the reference
flow: create or update the user, give them a personal organization, write
the IsUp ids back to WorkOS) and a local account (``create_local_account`` /
``verify_local_password``, email and a scrypt hash) for installs without
WorkOS. Either way the first person in becomes owner of the built-in
organization, so that a self-hosted install keeps the monitors it already has.

What a role may do is decided in one place, ``require_role``: a viewer changes
nothing, a member manages monitors, contacts and pages, an admin also manages
members, an owner also billing.
"""

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from isup_app.core.bootstrap import seed
from isup_app.core.models import (
    APP_ID,
    Invitation,
    Membership,
    Organization,
    RoleName,
    User,
    now,
)

logger = logging.getLogger(__name__)

RANK = {
    RoleName.VIEWER: 10,
    RoleName.MEMBER: 20,
    RoleName.ADMIN: 30,
    RoleName.OWNER: 40,
}

# What each kind of action needs, at least.
READ = RoleName.VIEWER
WRITE = RoleName.MEMBER  # monitors, contacts, status pages, incidents
MANAGE_MEMBERS = RoleName.ADMIN
BILLING = RoleName.OWNER

INVITATION_DAYS = 7
PASSWORD_MIN = 8
PASSWORD_MAX = 1024
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# scrypt cost; the parameters travel inside each hash, so raising them later
# leaves old hashes readable. 2**15 with r=8 takes 32 MiB and ~0.1 s.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1


class AccountError(ValueError):
    """Input the person can fix; the message is meant for them."""


class NotAllowed(PermissionError):
    """The person is a member, but their role is too low for this."""


class NotMember(LookupError):
    """The person is not in that organization: answer as if it did not exist."""


@dataclass(frozen=True)
class Access:
    user_id: str
    organization_id: str
    role: RoleName

    def can(self, at_least: RoleName) -> bool:
        return RANK[self.role] >= RANK[at_least]


# --- roles ------------------------------------------------------------------


def role_of(session: Session, user_id: str, org_id: str) -> RoleName | None:
    membership = session.exec(
        select(Membership).where(
            Membership.user_id == user_id, Membership.organization_id == org_id
        )
    ).first()
    return RoleName(membership.role) if membership else None


def require_role(
    session: Session, user_id: str, org_id: str, at_least: RoleName = READ
) -> Access:
    """The one role check: raises ``NotMember`` (answer 404) when the user is
    not in the organization and ``NotAllowed`` (answer 403) when their role is
    below ``at_least``."""
    role = role_of(session, user_id, org_id)
    if role is None:
        raise NotMember(org_id)
    access = Access(user_id=user_id, organization_id=org_id, role=role)
    if not access.can(at_least):
        raise NotAllowed(f"needs the {at_least.value} role or higher")
    return access


def memberships_of(session: Session, user_id: str) -> list[Membership]:
    return list(
        session.exec(
            select(Membership)
            .where(Membership.user_id == user_id)
            .order_by(Membership.created_at, Membership.id)
        )
    )


def members_of(session: Session, org_id: str) -> list[tuple[User, RoleName]]:
    rows = session.exec(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org_id)
        .order_by(User.email)
    )
    return [(user, RoleName(role)) for user, role in rows]


def _add_member(session: Session, user_id: str, org_id: str, role: RoleName) -> None:
    session.add(Membership(user_id=user_id, organization_id=org_id, role=role))


def _count_owners(session: Session, org_id: str) -> int:
    return session.exec(
        select(sa.func.count())
        .select_from(Membership)
        .where(
            Membership.organization_id == org_id,
            Membership.role == RoleName.OWNER,
        )
    ).one()


def change_role(
    session: Session, actor_id: str, org_id: str, user_id: str, role: RoleName
) -> None:
    """Admins change roles up to admin; only owners grant or take away owner;
    the last owner stays owner."""
    actor = require_role(session, actor_id, org_id, MANAGE_MEMBERS)
    current = role_of(session, user_id, org_id)
    if current is None:
        raise NotMember(user_id)
    touches_owner = RoleName.OWNER in (current, role)
    if touches_owner and actor.role != RoleName.OWNER:
        raise NotAllowed("only an owner can grant or take away the owner role")
    if current == RoleName.OWNER and role != RoleName.OWNER:
        if _count_owners(session, org_id) <= 1:
            raise AccountError("An organization needs at least one owner.")

    membership = session.exec(
        select(Membership).where(
            Membership.user_id == user_id, Membership.organization_id == org_id
        )
    ).one()
    membership.role = role
    session.add(membership)
    session.commit()
    logger.info(
        "role changed org=%s user=%s role=%s by=%s", org_id, user_id, role, actor_id
    )


def remove_member(session: Session, actor_id: str, org_id: str, user_id: str) -> None:
    """Admins remove people (owners only by owners); anyone may leave; the
    last owner may not."""
    if actor_id == user_id:
        actor = require_role(session, actor_id, org_id, READ)
    else:
        actor = require_role(session, actor_id, org_id, MANAGE_MEMBERS)
    current = role_of(session, user_id, org_id)
    if current is None:
        raise NotMember(user_id)
    if current == RoleName.OWNER:
        if actor.role != RoleName.OWNER:
            raise NotAllowed("only an owner can remove an owner")
        if _count_owners(session, org_id) <= 1:
            raise AccountError("An organization needs at least one owner.")

    session.exec(
        sa.delete(Membership).where(
            Membership.user_id == user_id, Membership.organization_id == org_id
        )
    )
    session.commit()
    logger.info("member removed org=%s user=%s by=%s", org_id, user_id, actor_id)


# --- invitations ------------------------------------------------------------


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise AccountError("Enter a valid email address.")
    return email


def invite(
    session: Session,
    actor_id: str,
    org_id: str,
    email: str,
    role: RoleName = RoleName.MEMBER,
) -> Invitation:
    """Owners and admins invite by email, to a role no higher than their own.
    The invitation's token makes the link (``/invite/<token>``)."""
    actor = require_role(session, actor_id, org_id, MANAGE_MEMBERS)
    email = normalise_email(email)
    role = RoleName(role)
    if RANK[role] > RANK[actor.role]:
        raise NotAllowed("cannot invite to a role above your own")
    existing = session.exec(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.email == email, Membership.organization_id == org_id)
    ).first()
    if existing:
        raise AccountError(f"{email} is already a member.")

    invitation = Invitation(
        organization_id=org_id, email=email, role=role, invited_by=actor_id
    )
    session.add(invitation)
    session.commit()
    session.refresh(invitation)
    logger.info("invited org=%s role=%s by=%s", org_id, role, actor_id)
    return invitation


def organization_name(session: Session, org_id: str) -> str:
    org = session.get(Organization, org_id)
    return org.name if org else org_id


def pending_invitations(session: Session, org_id: str) -> list[Invitation]:
    return list(
        session.exec(
            select(Invitation)
            .where(
                Invitation.organization_id == org_id,
                Invitation.accepted_at.is_(None),  # type: ignore[union-attr]
            )
            .order_by(Invitation.created_at)
        )
    )


def revoke_invitation(
    session: Session, actor_id: str, org_id: str, invitation_id: int
) -> None:
    require_role(session, actor_id, org_id, MANAGE_MEMBERS)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != org_id:
        raise NotMember(str(invitation_id))
    session.delete(invitation)
    session.commit()


def accept_invitation(
    session: Session,
    token: str,
    user_id: str,
    *,
    clock: Callable[[], datetime] = now,
) -> Membership:
    """The signed-in user takes up an invitation sent to their own email."""
    invitation = session.exec(
        select(Invitation).where(Invitation.token == token)
    ).first()
    if invitation is None or invitation.accepted_at is not None:
        raise AccountError("This invitation is not valid any more.")
    if clock() - invitation.created_at > timedelta(days=INVITATION_DAYS):
        raise AccountError("This invitation has expired; ask for a new one.")
    user = session.get(User, user_id)
    if user is None or user.email.lower() != invitation.email.lower():
        raise AccountError(
            f"This invitation was sent to {invitation.email}; sign in with that "
            "address to accept it."
        )

    membership = session.exec(
        select(Membership).where(
            Membership.user_id == user_id,
            Membership.organization_id == invitation.organization_id,
        )
    ).first()
    if membership is None:
        membership = Membership(
            user_id=user_id,
            organization_id=invitation.organization_id,
            role=invitation.role,
        )
        session.add(membership)
    invitation.accepted_at = clock()
    session.add(invitation)
    session.commit()
    logger.info(
        "invitation accepted org=%s user=%s role=%s",
        invitation.organization_id,
        user_id,
        invitation.role,
    )
    return membership


# --- first sign-in ----------------------------------------------------------


def _user_count(session: Session) -> int:
    return session.exec(select(sa.func.count()).select_from(User)).one()


def _claim_builtin_org(session: Session, user: User, default_org_id: str) -> bool:
    """Make ``user`` owner of the built-in organization if nobody is in it
    yet; that is how a fresh install's first person gets its monitors."""
    if not default_org_id:
        return False
    seed(session, default_org_id)
    taken = session.exec(
        select(Membership.id).where(Membership.organization_id == default_org_id)
    ).first()
    if taken is not None:
        return False
    _add_member(session, user.id, default_org_id, RoleName.OWNER)
    logger.info("built-in organization claimed org=%s user=%s", default_org_id, user.id)
    return True


def _personal_org(session: Session, user: User) -> Organization:
    label = user.name or user.email.split("@", 1)[0]
    org = Organization(name=f"{label}'s organization", personal=True)
    session.add(org)
    session.flush()
    _add_member(session, user.id, org.id, RoleName.OWNER)
    return org


@dataclass(frozen=True)
class SignedUp:
    user: User
    organization_id: str
    created: bool


def sync_workos_user(
    session: Session,
    workos_user: dict,
    *,
    default_org_id: str = "",
    write_metadata: Callable[[str, dict[str, str]], object] | None = None,
) -> SignedUp:
    """The reference's first-sign-in flow for a user WorkOS vouched for.

    Creates or updates the IsUp user (app ``isup``, id ``usr_...``); a new
    user gets a personal organization (``org_...``) as owner, and, if nobody
    has it yet, the built-in one. ``write_metadata(workos_id, metadata)``
    writes the IsUp ids back to WorkOS when they differ from what WorkOS
    holds; a failure there is logged and retried at the next sign-in.
    """
    workos_id = workos_user["id"]
    email = normalise_email(workos_user["email"])
    name = " ".join(
        p for p in (workos_user.get("first_name"), workos_user.get("last_name")) if p
    )
    name = name or workos_user.get("name") or ""

    user = session.exec(select(User).where(User.workos_user_id == workos_id)).first()
    if user is None:
        user = session.exec(select(User).where(User.email == email)).first()
    created = user is None
    if user is None:
        user = User(email=email)
    user.workos_user_id = workos_id
    user.email = email
    user.name = name or user.name
    user.email_verified = bool(workos_user.get("email_verified"))
    user.updated_at = now()
    session.add(user)
    session.flush()

    memberships = memberships_of(session, user.id)
    if memberships:
        org_id = memberships[0].organization_id
    else:
        claimed = _claim_builtin_org(session, user, default_org_id)
        personal = _personal_org(session, user)
        org_id = default_org_id if claimed else personal.id
    session.commit()
    session.refresh(user)

    metadata = {"app_id": APP_ID, "isup_user_id": user.id, "isup_org_id": org_id}
    held = workos_user.get("metadata") or {}
    if write_metadata is not None and any(
        held.get(k) != v for k, v in metadata.items()
    ):
        try:
            write_metadata(workos_id, {**held, **metadata})
        except Exception as exc:  # any SDK or network fault; sign-in goes on
            logger.warning(
                "workos metadata not written user=%s error=%s",
                user.id,
                type(exc).__name__,
            )
    if created:
        logger.info("user created via workos user=%s org=%s", user.id, org_id)
    return SignedUp(user=user, organization_id=org_id, created=created)


# --- local accounts ---------------------------------------------------------


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        [
            "scrypt",
            str(SCRYPT_N),
            str(SCRYPT_R),
            str(SCRYPT_P),
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )


def check_password(password: str, stored: str | None) -> bool:
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r + 2**20,
        dklen=32,
    )


# A hash to compare against when the email is unknown, so that a wrong
# address takes as long as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def create_local_account(
    session: Session,
    email: str,
    password: str,
    name: str = "",
    *,
    default_org_id: str = "",
    allow_signup: bool = True,
) -> SignedUp:
    """A local account. The first one becomes owner of the built-in
    organization; later ones get a personal organization, unless sign-up is
    closed, when only people with a pending invitation may create one."""
    email = normalise_email(email)
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise AccountError(f"Use a password of at least {PASSWORD_MIN} characters.")
    if session.exec(select(User.id).where(User.email == email)).first():
        raise AccountError("An account with this email already exists; sign in.")
    first = _user_count(session) == 0
    invited = session.exec(
        select(Invitation.id).where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    if not (first or allow_signup or invited):
        raise AccountError("Sign-up is closed here; ask an admin for an invitation.")

    user = User(
        email=email, name=name.strip()[:200], password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    if _claim_builtin_org(session, user, default_org_id):
        org_id = default_org_id
    else:
        org_id = _personal_org(session, user).id
    session.commit()
    session.refresh(user)
    logger.info("local account created user=%s org=%s", user.id, org_id)
    return SignedUp(user=user, organization_id=org_id, created=True)


def verify_local_password(session: Session, email: str, password: str) -> User | None:
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None or not user.password_hash:
        check_password(password, _DUMMY_HASH)
        return None
    return user if check_password(password, user.password_hash) else None


def local_accounts_exist(session: Session) -> bool:
    return (
        session.exec(select(User.id).where(User.password_hash.is_not(None))).first()  # type: ignore[union-attr]
        is not None
    )
