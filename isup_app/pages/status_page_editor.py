"""One status page's editor: details and theme, components and their order,
password, custom domain, publishing and deleting."""

import reflex as rx

from isup_app.components.layout import page_frame
from isup_app.components.status_editor import (
    State,
    components_card,
    delete_card,
    details_card,
    domain_card,
    header,
    password_card,
    read_only_note,
)

ROUTE = "/status-pages/[page_id]"
TITLE = "Status page · IsUp"


def not_found() -> rx.Component:
    return rx.vstack(
        rx.heading("Status page not found", size="6"),
        rx.text("There is no such status page in this organization."),
        rx.link("All status pages", href="/status-pages"),
        id="not-found",
    )


def editor() -> rx.Component:
    return rx.vstack(
        rx.link("← All status pages", href="/status-pages", size="2"),
        header(),
        rx.cond(~State.can_write, read_only_note()),
        rx.cond(
            State.notice != "",
            rx.callout.root(
                rx.callout.text(State.notice),
                color_scheme="green",
                size="1",
                id="notice",
            ),
        ),
        components_card(),
        details_card(),
        password_card(),
        domain_card(),
        rx.cond(State.can_write, delete_card()),
        spacing="5",
        width="100%",
        id="editor",
    )


def page() -> rx.Component:
    return page_frame(
        rx.cond(
            State.loaded,
            rx.cond(State.not_found, not_found(), editor()),
            rx.text("Loading…", color_scheme="gray"),
        ),
    )


ON_LOAD = State.load
