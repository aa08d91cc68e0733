"""The organization's status pages, with links to their public addresses, and
the form that creates one."""

import reflex as rx

from isup_app.components.layout import page_frame
from isup_app.components.status_editor import field_error, read_only_note
from isup_app.states.status_editor import (
    UPGRADE_HREF,
    PageLine,
    StatusPageListState,
)

ROUTE = "/status-pages"
TITLE = "Status pages · IsUp"


def page_card(line: PageLine) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.link(
                    rx.heading(line.name, size="4"),
                    href="/status-pages/" + line.id.to_string(),
                    class_name="edit-page",
                ),
                rx.link(
                    line.path,
                    href=line.path,
                    reload_document=True,
                    class_name="public-link",
                    size="2",
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.flex(
                rx.cond(
                    line.public,
                    rx.badge("public", color_scheme="green"),
                    rx.badge("private", color_scheme="gray"),
                ),
                rx.cond(line.protected, rx.badge("password", color_scheme="amber")),
                rx.cond(line.domain != "", rx.badge(line.domain, color_scheme="blue")),
                rx.badge(line.components_words, variant="soft"),
                spacing="2",
                wrap="wrap",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="status-page",
        data_slug=line.slug,
    )


def plan_refusal() -> rx.Component:
    return rx.callout.root(
        rx.callout.text(
            StatusPageListState.plan_message,
            " ",
            rx.link("See the plans and upgrade.", href=UPGRADE_HREF, id="upgrade-link"),
        ),
        color_scheme="amber",
        width="100%",
        id="plan-refusal",
    )


def create_form() -> rx.Component:
    errors = StatusPageListState.errors
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("New status page", size="4"),
                rx.flex(
                    rx.vstack(
                        rx.text("Name", as_="label", html_for="new-name", size="2"),
                        rx.input(
                            id="new-name",
                            name="name",
                            on_change=StatusPageListState.change_name,
                            placeholder="Acme status",
                            width="100%",
                        ),
                        field_error(errors, "name"),
                        width="100%",
                        spacing="1",
                    ),
                    rx.vstack(
                        rx.text("Slug", as_="label", html_for="new-slug", size="2"),
                        rx.input(
                            rx.input.slot("/status/"),
                            id="new-slug",
                            name="slug",
                            # Left empty, the slug is made from the name.
                            placeholder=StatusPageListState.slug_hint,
                            width="100%",
                        ),
                        field_error(errors, "slug"),
                        width="100%",
                        spacing="1",
                    ),
                    direction=rx.breakpoints(initial="column", sm="row"),
                    spacing="3",
                    width="100%",
                ),
                rx.text(
                    "A new page is private until you publish it.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.button("Create", type="submit", id="create-page"),
                spacing="3",
                width="100%",
            ),
            on_submit=StatusPageListState.create,
            id="create-form",
        ),
        width="100%",
    )


def page() -> rx.Component:
    return page_frame(
        rx.heading("Status pages", size="7"),
        rx.cond(StatusPageListState.plan_message != "", plan_refusal()),
        rx.cond(
            StatusPageListState.pages.length() > 0,
            rx.vstack(
                rx.foreach(StatusPageListState.pages, page_card),
                width="100%",
                spacing="3",
                id="status-pages",
            ),
            rx.text(
                rx.cond(
                    StatusPageListState.loaded,
                    "No status pages yet.",
                    "Loading status pages…",
                ),
                color_scheme="gray",
                id="no-status-pages",
            ),
        ),
        rx.cond(
            StatusPageListState.can_write,
            rx.cond(StatusPageListState.plan_message == "", create_form()),
            rx.cond(StatusPageListState.loaded, read_only_note()),
        ),
    )


ON_LOAD = StatusPageListState.load
