"""The organization: members and roles, invitations, plan, limits and usage.

Served at ``/settings`` and below (``/settings/billing``, where Stripe sends
people back after checkout, and ``/settings/members``)."""

import html

import reflex as rx

from isup_app.components.layout import page_frame
from isup_app.core import plans
from isup_app.states.organization import (
    FeatureLine,
    InvitationLine,
    MemberLine,
    OrganizationState,
    UsageLine,
)
from isup_app.states.words import counted

ROUTE = "/settings/[[section]]"
TITLE = "Organization · IsUp"

State = OrganizationState
ROLE_COLOURS = {"owner": "purple", "admin": "blue", "member": "green"}


def role_badge(role: rx.Var) -> rx.Component:
    return rx.badge(
        role, color_scheme=rx.match(role, *ROLE_COLOURS.items(), "gray"), variant="soft"
    )


def role_select(line: MemberLine) -> rx.Component:
    return rx.select(
        State.invite_roles,
        default_value=line.role,
        on_change=lambda role: State.change_role(line.user_id, role),
        size="1",
        key=line.user_id + ":" + line.role,
        aria_label="Role of " + line.email,
        class_name="member-role",
    )


def remove_button(line: MemberLine) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Remove", size="1", variant="soft", color_scheme="red")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove ", line.email, "?"),
            rx.alert_dialog.description(
                "They lose access to this organization at once."
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button("Keep", variant="soft", color_scheme="gray")
                ),
                rx.alert_dialog.action(
                    rx.button(
                        "Remove",
                        color_scheme="red",
                        on_click=State.remove_member(line.user_id),
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="1em",
            ),
        ),
    )


def member_row(line: MemberLine) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.flex(
                rx.text(rx.cond(line.name != "", line.name, line.email), weight="bold"),
                rx.cond(line.is_me, rx.badge("you", variant="outline")),
                spacing="2",
                align="center",
            ),
            rx.text(line.email, size="2", color_scheme="gray"),
            spacing="0",
            min_width="12em",
        ),
        rx.spacer(),
        rx.cond(
            line.changeable,
            rx.flex(
                role_select(line), remove_button(line), spacing="2", align="center"
            ),
            role_badge(line.role),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        width="100%",
        class_name="member",
        data_email=line.email,
        data_role=line.role,
    )


def invitation_row(line: InvitationLine) -> rx.Component:
    return rx.flex(
        rx.text(line.email),
        role_badge(line.role),
        rx.spacer(),
        rx.button(
            "Withdraw",
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=State.revoke_invitation(line.id),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        width="100%",
        class_name="invitation",
        data_email=line.email,
    )


def invite_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(
                type="email",
                name="email",
                id="invite-email",
                placeholder="name@example.com",
                min_width="14em",
                flex="1",
            ),
            rx.select(
                State.invite_roles,
                name="role",
                default_value="member",
                aria_label="Role",
                id="invite-role",
            ),
            rx.button("Invite", type="submit", id="invite"),
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        on_submit=State.invite,
        width="100%",
        id="invite-form",
    )


def members_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Members", size="4"),
            rx.vstack(
                rx.foreach(State.view.members, member_row),
                spacing="3",
                width="100%",
                id="members",
            ),
            rx.cond(
                State.can_manage,
                rx.vstack(
                    rx.divider(),
                    rx.heading("Invite someone", size="3"),
                    invite_form(),
                    rx.cond(
                        State.view.invitations.length() > 0,
                        rx.vstack(
                            rx.heading("Pending invitations", size="3"),
                            rx.foreach(State.view.invitations, invitation_row),
                            spacing="2",
                            width="100%",
                            id="invitations",
                        ),
                    ),
                    spacing="3",
                    width="100%",
                ),
                rx.text(
                    "Owners and admins invite people and change roles.",
                    size="2",
                    color_scheme="gray",
                    id="members-read-only",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def usage_row(line: UsageLine) -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.text(line.label, size="2", color_scheme="gray"),
            rx.spacer(),
            rx.text(line.value, weight="medium"),
            width="100%",
            spacing="3",
        ),
        rx.cond(line.percent >= 0, rx.progress(value=line.percent, size="1")),
        spacing="1",
        width="100%",
        class_name="usage",
    )


def feature_row(line: FeatureLine) -> rx.Component:
    return rx.flex(
        rx.cond(
            line.included,
            rx.icon("check", color="var(--green-9)", size=16),
            rx.icon("x", color="var(--gray-8)", size=16),
        ),
        rx.text(line.name, size="2"),
        spacing="2",
        align="center",
        class_name="feature",
        data_included=line.included.to_string(),
    )


def _upgrade_form(plan: plans.Plan) -> rx.Component:
    # A plain HTML form: Reflex forms never submit to an address, and a POST
    # keeps other sites from starting a checkout with a link.
    name = html.escape(plan.name)
    return rx.html(
        f'<form method="post" action="/billing/checkout?plan={plan.id}">'
        '<button type="submit" class="rt-reset rt-BaseButton rt-r-size-2 '
        f'rt-variant-solid rt-Button" id="upgrade-{plan.id}">'
        f"Upgrade to {name}</button></form>"
    )


def plan_option(plan: plans.Plan) -> rx.Component:
    limits = plan.limits
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading(plan.name, size="3"),
                rx.cond(
                    State.view.plan_id == plan.id,
                    rx.badge("current", color_scheme="green"),
                ),
                spacing="2",
                align="center",
            ),
            rx.text(plan.description, size="2"),
            rx.text(
                f"{counted(limits.monitors, 'monitor')} · "
                f"every {limits.interval_min} s · "
                f"{limits.retention_days} days of history",
                size="1",
                color_scheme="gray",
            ),
            rx.cond(
                State.is_owner & (State.view.plan_id != plan.id),
                _upgrade_form(plan) if plan.price_setting else rx.fragment(),
            ),
            spacing="2",
        ),
        flex="1",
        min_width="14em",
        class_name="plan-option",
    )


def plan_card() -> rx.Component:
    view = State.view
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading("Plan", size="4"),
                rx.badge(view.plan_name, size="2", id="plan-name"),
                spacing="3",
                align="center",
            ),
            rx.text(view.plan_description, size="2"),
            rx.vstack(
                rx.foreach(view.usage, usage_row),
                spacing="3",
                width="100%",
                id="usage",
            ),
            rx.flex(
                rx.foreach(view.features, feature_row),
                spacing="4",
                wrap="wrap",
                id="features",
            ),
            rx.cond(
                view.billing,
                rx.vstack(
                    rx.flex(
                        *[plan_option(p) for p in plans.PLANS.values()],
                        spacing="3",
                        wrap="wrap",
                        width="100%",
                        direction=rx.breakpoints(initial="column", sm="row"),
                    ),
                    rx.cond(
                        State.is_owner,
                        rx.cond(
                            view.billing_account,
                            rx.link(
                                "Manage billing (invoices, payment method, "
                                "cancellation)",
                                href="/billing/portal",
                                reload_document=True,
                                id="manage-billing",
                            ),
                        ),
                        rx.text(
                            "Only an owner changes the plan.",
                            size="2",
                            color_scheme="gray",
                        ),
                    ),
                    spacing="3",
                    width="100%",
                ),
                rx.text(
                    "This install has no billing: every feature, no limits.",
                    size="2",
                    color_scheme="gray",
                    id="no-billing",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
    )


def messages() -> rx.Component:
    return rx.fragment(
        rx.cond(
            State.checkout_message != "",
            rx.callout.root(
                rx.callout.text(State.checkout_message),
                color_scheme="green",
                id="checkout-message",
            ),
        ),
        rx.cond(
            State.error != "",
            rx.callout.root(
                rx.callout.text(State.error), color_scheme="red", id="error"
            ),
        ),
        rx.cond(
            State.notice != "",
            rx.callout.root(
                rx.callout.text(State.notice),
                rx.cond(
                    State.invite_link != "",
                    rx.code(
                        State.invite_link,
                        id="invite-link",
                        style={"word_break": "break-all"},
                    ),
                ),
                color_scheme="green",
                id="notice",
            ),
        ),
    )


def page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.heading(State.view.name, size="7", id="organization-name"),
            rx.text("Your role: ", State.view.role, size="2", color_scheme="gray"),
            spacing="1",
        ),
        messages(),
        rx.cond(
            State.loaded,
            rx.vstack(members_card(), plan_card(), spacing="5", width="100%"),
            rx.text("Loading…", color_scheme="gray"),
        ),
    )


ON_LOAD = State.load
