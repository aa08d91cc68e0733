"""Pieces of the alert contacts page: the add form and a contact's card."""

import reflex as rx

from isup_app.states.contacts import (
    KIND_LABELS,
    ContactRow,
    ContactsState,
    MonitorChoice,
)

S = ContactsState

# (form box name, label, placeholder, input type) per contact type
FIELDS = {
    "email": [("email", "Email address", "oncall@example.com", "email")],
    "slack": [
        (
            "webhook_url",
            "Incoming webhook URL",
            "https://hooks.slack.com/services/…",
            "url",
        )
    ],
    "discord": [
        ("webhook_url", "Webhook URL", "https://discord.com/api/webhooks/…", "url")
    ],
    "telegram": [
        ("chat_id", "Chat ID", "123456789 or @channel", "text"),
        ("bot_token", "Bot token (optional)", "123456:ABC…", "password"),
    ],
    "webhook": [
        ("url", "URL", "https://example.com/isup-hook", "url"),
        (
            "secret",
            "Signing secret (optional, 16+ characters)",
            "made for you",
            "password",
        ),
    ],
    "sms": [("phone_number", "Phone number", "+14155550100", "tel")],
    "voice": [("phone_number", "Phone number", "+14155550100", "tel")],
}


def field_error(name: str) -> rx.Component:
    return rx.cond(
        S.errors.contains(name),
        rx.text(S.errors[name], color_scheme="red", size="2", class_name="error"),
    )


def labelled(name: str, label: str, placeholder: str, kind: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=name, size="2", weight="medium"),
        rx.input(name=name, id=name, placeholder=placeholder, type=kind, width="100%"),
        field_error(name),
        spacing="1",
        width="100%",
    )


def contact_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Add a contact", size="4"),
            rx.flex(
                rx.vstack(
                    rx.text("Type", size="2", weight="medium"),
                    rx.select.root(
                        rx.select.trigger(id="contact-type", width="100%"),
                        rx.select.content(
                            *(
                                rx.select.item(label, value=kind)
                                for kind, label in KIND_LABELS.items()
                            )
                        ),
                        name="type",
                        value=S.kind,
                        on_change=S.set_kind,
                    ),
                    field_error("type"),
                    spacing="1",
                    min_width="10em",
                ),
                labelled("name", "Name", "On-call team", "text"),
                spacing="3",
                direction={"initial": "column", "sm": "row"},
                width="100%",
            ),
            rx.match(
                S.kind,
                *(
                    (kind, rx.vstack(*(labelled(*f) for f in fields), width="100%"))
                    for kind, fields in FIELDS.items()
                ),
                rx.fragment(),
            ),
            rx.checkbox(
                "Default: put it on every new monitor",
                name="is_default",
                id="is_default",
            ),
            rx.button("Add contact", type="submit", id="add-contact", loading=S.busy),
            rx.cond(
                S.notice != "", rx.callout(S.notice, color_scheme="green", id="notice")
            ),
            rx.cond(
                S.secret_notice != "",
                rx.callout(
                    rx.text(
                        "Signing secret, shown once: ",
                        rx.code(S.secret_notice, id="webhook-secret"),
                        ". Your receiver checks X-IsUp-Signature with it.",
                    ),
                    color_scheme="amber",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=S.add_contact,
        reset_on_submit=False,
        id="contact-form",
        width="100%",
    )


def attached_monitor(contact: ContactRow, monitor: MonitorChoice) -> rx.Component:
    return rx.badge(
        monitor.name,
        rx.cond(
            S.can_write,
            rx.icon_button(
                rx.icon("x", size=12),
                size="1",
                variant="ghost",
                aria_label="Take off " + monitor.name,
                on_click=S.detach(contact.id, monitor.id),
                class_name="detach",
            ),
        ),
        variant="surface",
        class_name="attached-monitor",
    )


def attach_form(contact: ContactRow) -> rx.Component:
    return rx.cond(
        contact.others.length() > 0,
        rx.form(
            rx.hstack(
                rx.input(
                    type="hidden", name="contact_id", value=contact.id.to_string()
                ),
                rx.select.root(
                    rx.select.trigger(placeholder="Attach to a monitor…"),
                    rx.select.content(
                        rx.foreach(
                            contact.others,
                            lambda m: rx.select.item(m.name, value=m.id.to_string()),
                        )
                    ),
                    name="monitor_id",
                ),
                rx.button("Attach", type="submit", variant="soft", class_name="attach"),
                wrap="wrap",
            ),
            on_submit=S.attach,
            class_name="attach-form",
        ),
    )


def verify_form(contact: ContactRow) -> rx.Component:
    return rx.vstack(
        rx.text(
            "Not verified yet: it gets no alerts until its code is entered.",
            size="2",
            color_scheme="amber",
        ),
        rx.hstack(
            rx.button(
                rx.cond(contact.code_sent, "Send a new code", "Send code"),
                variant="soft",
                on_click=S.send_code(contact.id),
                class_name="send-code",
            ),
            rx.form(
                rx.hstack(
                    rx.input(
                        type="hidden", name="contact_id", value=contact.id.to_string()
                    ),
                    rx.input(
                        name="code",
                        placeholder="6-digit code",
                        max_length=12,
                        width="9em",
                        class_name="code",
                    ),
                    rx.button("Verify", type="submit", class_name="verify"),
                ),
                on_submit=S.confirm_code,
            ),
            wrap="wrap",
        ),
        spacing="2",
    )


def remove_button(contact: ContactRow) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Remove", color_scheme="red", variant="soft", class_name="remove")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove " + contact.name + "?"),
            rx.alert_dialog.description(
                "It stops receiving alerts on every monitor, and its delivery "
                "history goes with it."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft")),
                rx.alert_dialog.action(
                    rx.button(
                        "Remove",
                        color_scheme="red",
                        on_click=S.remove(contact.id),
                        class_name="confirm-remove",
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
    )


def contact_card(contact: ContactRow) -> rx.Component:
    key = contact.id.to_string()
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(contact.name, size="4"),
                rx.badge(contact.kind_label, variant="soft", class_name="kind"),
                rx.cond(
                    contact.verified,
                    rx.badge("verified", color_scheme="green", class_name="verified"),
                    rx.badge("unverified", color_scheme="amber", class_name="verified"),
                ),
                rx.cond(contact.is_default, rx.badge("default", color_scheme="blue")),
                rx.cond(
                    contact.disabled_reason != "",
                    rx.badge("disabled", color_scheme="red", variant="solid"),
                ),
                wrap="wrap",
                align="center",
            ),
            rx.code(
                contact.target,
                variant="ghost",
                class_name="target",
                word_break="break-all",
            ),
            rx.cond(
                contact.disabled_reason != "",
                rx.callout(
                    "Stopped after a permanent failure: "
                    + contact.disabled_reason
                    + ". Send a test or edit it to try again.",
                    color_scheme="red",
                    class_name="disabled-reason",
                ),
                rx.cond(
                    contact.last_error != "",
                    rx.text(
                        "Last error: " + contact.last_error,
                        size="2",
                        color_scheme="amber",
                    ),
                ),
            ),
            rx.hstack(
                rx.text("Monitors:", size="2", color_scheme="gray"),
                rx.cond(
                    contact.monitors.length() > 0,
                    rx.foreach(
                        contact.monitors, lambda m: attached_monitor(contact, m)
                    ),
                    rx.text("none", size="2", color_scheme="gray"),
                ),
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                S.can_write,
                rx.vstack(
                    rx.cond(contact.needs_code, verify_form(contact)),
                    attach_form(contact),
                    rx.hstack(
                        rx.button(
                            "Send test",
                            variant="soft",
                            on_click=S.send_test(contact.id),
                            class_name="send-test",
                        ),
                        rx.button(
                            rx.cond(contact.is_default, "Not default", "Make default"),
                            variant="soft",
                            color_scheme="gray",
                            on_click=S.toggle_default(contact.id),
                            class_name="toggle-default",
                        ),
                        remove_button(contact),
                        wrap="wrap",
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.cond(
                S.feedback.contains(key),
                rx.text(
                    S.feedback[key],
                    size="2",
                    color_scheme=rx.cond(S.feedback_ok[key], "green", "red"),
                    class_name="feedback",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="contact",
        id="contact-" + key,
        data_kind=contact.kind,
    )
