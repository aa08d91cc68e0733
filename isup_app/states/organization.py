"""The organization page: its members and their roles, pending invitations,
and its plan with the limits and what is used of them.

Who may do what is the accounts core's rule (``isup_app.core.accounts``):
anyone in the organization reads; owners and admins invite, change roles and
remove people (``require_admin`` refuses the rest before the core is asked);
only owners touch the owner role and billing. Figures come from
``isup_app.core.plans``; the upgrade buttons post to ``/billing/checkout``
and the portal link goes to ``/billing/portal`` (``isup_app.api.billing``).
"""

import asyncio
import dataclasses
import logging

import reflex as rx
import sqlalchemy as sa
from sqlmodel import Session, select

from isup_app.core import accounts, plans
from isup_app.core.auth import Identity
from isup_app.core.db import get_engine
from isup_app.core.models import Monitor, MonitorStatus, Organization, RoleName
from isup_app.core.settings import get_settings
from isup_app.states.session import identity_for, require_admin

logger = logging.getLogger(__name__)

ROLES = [r.value for r in (RoleName.OWNER, RoleName.ADMIN, RoleName.MEMBER)]
ROLES.append(RoleName.VIEWER.value)
CHECKOUT_MESSAGES = {
    "success": "Thank you: the new plan is in force.",
    "pending": "Payment received; the new plan applies as soon as Stripe confirms it.",
    "cancelled": "Checkout cancelled; nothing changed.",
}


@dataclasses.dataclass
class MemberLine:
    user_id: str
    email: str
    name: str
    role: str
    is_me: bool
    # Whether the person looking may change this member's role or remove them.
    changeable: bool


@dataclasses.dataclass
class InvitationLine:
    id: int
    email: str
    role: str
    link: str


@dataclasses.dataclass
class UsageLine:
    label: str
    value: str
    percent: int  # 0-100 of the limit used; -1 when unlimited


@dataclasses.dataclass
class FeatureLine:
    name: str
    included: bool


@dataclasses.dataclass
class PlanOption:
    id: str
    name: str
    description: str
    current: bool
    purchasable: bool


@dataclasses.dataclass
class OrganizationView:
    name: str = ""
    role: str = ""
    members: list[MemberLine] = dataclasses.field(default_factory=list)
    invitations: list[InvitationLine] = dataclasses.field(default_factory=list)
    plan_id: str = ""
    plan_name: str = ""
    plan_description: str = ""
    billing: bool = False
    billing_account: bool = False
    usage: list[UsageLine] = dataclasses.field(default_factory=list)
    features: list[FeatureLine] = dataclasses.field(default_factory=list)
    plans: list[PlanOption] = dataclasses.field(default_factory=list)


def _changeable(me: Identity, role: RoleName, user_id: str) -> bool:
    if user_id == me.user_id or not me.can(accounts.MANAGE_MEMBERS):
        return False
    return role != RoleName.OWNER or me.role == RoleName.OWNER


def _usage(session: Session, organization_id: str, limits: plans.Limits) -> list:
    active = plans.count_active_monitors(session, organization_id)
    paused = session.exec(
        select(sa.func.count())
        .select_from(Monitor)
        .where(
            Monitor.organization_id == organization_id,
            Monitor.status == MonitorStatus.PAUSED,
        )
    ).one()
    if limits.monitors is None:
        monitors = UsageLine("Active monitors", f"{active} of unlimited", -1)
    else:
        share = round(100 * active / limits.monitors) if limits.monitors else 100
        monitors = UsageLine(
            "Active monitors", f"{active} of {limits.monitors}", min(share, 100)
        )
    if paused:
        monitors.value += f" ({paused} paused)"
    interval = limits.interval_min
    days = limits.retention_days
    return [
        monitors,
        UsageLine(
            "Shortest check interval",
            "any" if interval is None else _seconds(interval),
            -1,
        ),
        UsageLine("History kept", "forever" if days is None else f"{days} days", -1),
    ]


def _seconds(value: int) -> str:
    if value % 60 == 0:
        minutes = value // 60
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{value} seconds"


def read_organization(me: Identity) -> OrganizationView:
    settings = get_settings()
    organization_id = me.organization_id
    with Session(get_engine()) as session:
        org = session.get(Organization, organization_id)
        members = [
            MemberLine(
                user_id=user.id,
                email=user.email,
                name=user.name or "",
                role=role.value,
                is_me=user.id == me.user_id,
                changeable=_changeable(me, role, user.id),
            )
            for user, role in accounts.members_of(session, organization_id)
        ]
        base = settings.public_url.rstrip("/")
        invitations = []
        if me.can(accounts.MANAGE_MEMBERS):
            invitations = [
                InvitationLine(
                    id=i.id,
                    email=i.email,
                    role=RoleName(i.role).value,
                    link=f"{base}/invite/{i.token}",
                )
                for i in accounts.pending_invitations(session, organization_id)
            ]
        granted = plans.entitlement(session, organization_id, settings=settings)
        plan = plans.PLANS.get(granted.plan) or plans.UNLIMITED
        billing = plans.billing_enabled(settings)
        return OrganizationView(
            name=org.name if org else organization_id,
            role=me.role.value,
            members=members,
            invitations=invitations,
            plan_id=plan.id,
            plan_name=plan.name,
            plan_description=plan.description,
            billing=billing,
            billing_account=bool(org and org.stripe_customer_id),
            usage=_usage(session, organization_id, granted.limits),
            features=[
                FeatureLine(name=name, included=granted.has(feature))
                for feature, name in plans.FEATURE_NAMES.items()
            ],
            plans=[
                PlanOption(
                    id=p["id"],
                    name=p["name"],
                    description=p["description"],
                    current=p["id"] == plan.id,
                    purchasable=p["purchasable"],
                )
                for p in plans.public_plans(settings)
            ]
            if billing
            else [],
        )


def _in_session(action):
    with Session(get_engine(), expire_on_commit=False) as session:
        return action(session)


async def _email(invitation, link: str, organization_name: str, me: Identity) -> bool:
    # The same email the members API sends (Resend or SMTP when configured).
    from isup_app.api.auth import _email_invitation

    try:
        return await _email_invitation(
            get_settings(), invitation, link, organization_name, me
        )
    except Exception:
        logger.exception("invitation email failed invitation=%s", invitation.id)
        return False


class OrganizationState(rx.State):
    view: OrganizationView = OrganizationView()
    loaded: bool = False
    can_manage: bool = False
    is_owner: bool = False
    invite_roles: list[str] = []
    error: str = ""
    notice: str = ""
    invite_link: str = ""
    checkout_message: str = ""

    async def _reload(self, me: Identity) -> None:
        self.view = await asyncio.to_thread(read_organization, me)
        self.can_manage = me.can(accounts.MANAGE_MEMBERS)
        self.is_owner = me.role == RoleName.OWNER
        self.invite_roles = [
            role
            for role in ROLES
            if accounts.RANK[RoleName(role)] <= accounts.RANK[me.role]
        ]
        self.loaded = True

    @rx.event
    async def load(self):
        me = identity_for(self)
        self.error = ""
        self.notice = ""
        self.invite_link = ""
        checkout = str(self.router._page.params.get("checkout", ""))
        self.checkout_message = CHECKOUT_MESSAGES.get(checkout, "")
        await self._reload(me)

    async def _manage(self, action, notice: str) -> bool:
        """Run ``action(session, me)`` as an owner or admin; the core's
        refusals become the page's error."""
        require_admin(self)
        me = identity_for(self)
        self.error = ""
        self.notice = ""
        try:
            await asyncio.to_thread(_in_session, lambda session: action(session, me))
        except (accounts.AccountError, accounts.NotAllowed) as exc:
            self.error = str(exc)[:1].upper() + str(exc)[1:]
            if not self.error.endswith("."):
                self.error += "."
            return False
        except accounts.NotMember:
            self.error = "That person or invitation is not in this organization."
            return False
        finally:
            await self._reload(me)
        self.notice = notice
        return True

    @rx.event
    async def invite(self, form_data: dict):
        email = form_data.get("email", "")
        role = form_data.get("role") or RoleName.MEMBER.value
        if role not in ROLES:
            role = RoleName.MEMBER.value
        made = {}

        def action(session, me):
            made["invitation"] = accounts.invite(
                session, me.user_id, me.organization_id, email, RoleName(role)
            )
            made["organization"] = accounts.organization_name(
                session, me.organization_id
            )

        self.invite_link = ""
        if not await self._manage(action, ""):
            return
        invitation = made["invitation"]
        link = f"{get_settings().public_url.rstrip('/')}/invite/{invitation.token}"
        emailed = await _email(
            invitation, link, made["organization"], identity_for(self)
        )
        self.invite_link = link
        self.notice = (
            f"Invited {invitation.email} as {role}; the link was emailed."
            if emailed
            else f"Invited {invitation.email} as {role}. Send them this link:"
        )
        return rx.set_value("invite-email", "")

    @rx.event
    async def change_role(self, user_id: str, role: str):
        if role not in ROLES:
            return

        def action(session, me):
            accounts.change_role(
                session, me.user_id, me.organization_id, user_id, RoleName(role)
            )

        await self._manage(action, f"Role changed to {role}.")

    @rx.event
    async def remove_member(self, user_id: str):
        def action(session, me):
            accounts.remove_member(session, me.user_id, me.organization_id, user_id)

        await self._manage(action, "Removed from the organization.")

    @rx.event
    async def revoke_invitation(self, invitation_id: int):
        def action(session, me):
            accounts.revoke_invitation(
                session, me.user_id, me.organization_id, int(invitation_id)
            )

        await self._manage(action, "Invitation withdrawn.")
