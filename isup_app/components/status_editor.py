"""Pieces of the status page editor: each card edits one part of a page."""

import reflex as rx

from isup_app.states.status_editor import (
    ComponentLine,
    MonitorChoice,
    StatusPageEditorState,
)

State = StatusPageEditorState

STATE_COLOURS = {
    "up": "green",
    "down": "red",
    "degraded": "amber",
    "pending": "orange",
    "paused": "gray",
}


def field_error(errors: rx.Var, field: str) -> rx.Component:
    return rx.cond(
        errors.contains(field),
        rx.text(errors[field], color_scheme="red", size="2", class_name="error"),
    )


def read_only_note() -> rx.Component:
    return rx.callout.root(
        rx.callout.text("Your role can see status pages but not change them."),
        color_scheme="gray",
        width="100%",
        id="read-only",
    )


def labelled(label: str, control: rx.Component, field: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=field, size="2", weight="medium"),
        control,
        field_error(State.errors, field),
        spacing="1",
        width="100%",
    )


def _text_input(field: str, name: str, value: rx.Var, **props) -> rx.Component:
    return rx.input(id=field, name=name, default_value=value, width="100%", **props)


def _pair(*children: rx.Component) -> rx.Component:
    return rx.flex(
        *children,
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing="3",
        width="100%",
    )


def header() -> rx.Component:
    view = State.view
    return rx.flex(
        rx.vstack(
            rx.heading(view.name, size="7", id="page-name"),
            rx.link(
                State.public_url,
                href=State.public_path,
                reload_document=True,
                id="open-public",
                size="2",
            ),
            spacing="1",
        ),
        rx.spacer(),
        rx.flex(
            rx.cond(
                view.public,
                rx.badge("public", color_scheme="green", size="2", id="visibility"),
                rx.badge("private", color_scheme="gray", size="2", id="visibility"),
            ),
            rx.cond(
                State.can_write,
                rx.cond(
                    view.public,
                    rx.button(
                        "Make private",
                        variant="soft",
                        on_click=State.set_public(False),
                        id="unpublish",
                    ),
                    rx.button("Publish", on_click=State.set_public(True), id="publish"),
                ),
            ),
            spacing="3",
            align="center",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing="3",
        width="100%",
    )


def details_card() -> rx.Component:
    view = State.view
    return rx.card(
        rx.form(
            rx.el.fieldset(
                rx.heading("Details", size="4"),
                _pair(
                    labelled("Name", _text_input("name", "name", view.name), "name"),
                    labelled(
                        "Slug",
                        rx.input(
                            rx.input.slot("/status/"),
                            id="slug",
                            name="slug",
                            default_value=view.slug,
                            width="100%",
                        ),
                        "slug",
                    ),
                ),
                labelled(
                    "Description",
                    rx.text_area(
                        id="description",
                        name="description",
                        default_value=view.description,
                        rows="3",
                        width="100%",
                    ),
                    "description",
                ),
                rx.heading("Theme", size="3"),
                _pair(
                    labelled(
                        "Main colour",
                        _text_input(
                            "theme.primary_color",
                            "primary_color",
                            view.primary_color,
                            placeholder="#1a7f37",
                        ),
                        "theme.primary_color",
                    ),
                    labelled(
                        "Background",
                        _text_input(
                            "theme.background_color",
                            "background_color",
                            view.background_color,
                            placeholder="#ffffff",
                        ),
                        "theme.background_color",
                    ),
                    labelled(
                        "Text",
                        _text_input(
                            "theme.text_color",
                            "text_color",
                            view.text_color,
                            placeholder="#1c2024",
                        ),
                        "theme.text_color",
                    ),
                ),
                labelled(
                    "Logo address",
                    _text_input(
                        "theme.logo_url",
                        "logo_url",
                        view.logo_url,
                        placeholder="https://example.com/logo.png",
                    ),
                    "theme.logo_url",
                ),
                rx.text(
                    rx.flex(
                        rx.checkbox(
                            name="allow_indexing",
                            id="allow_indexing",
                            default_checked=view.allow_indexing,
                        ),
                        "Search engines may index this page",
                        spacing="2",
                    ),
                    as_="label",
                    size="2",
                ),
                rx.cond(
                    State.can_write,
                    rx.button(
                        "Save details",
                        type="submit",
                        id="save-details",
                        align_self="start",
                    ),
                ),
                disabled=~State.can_write,
                style={
                    "border": "none",
                    "padding": "0",
                    "margin": "0",
                    "display": "flex",
                    "flex_direction": "column",
                    "gap": "var(--space-3)",
                    "min_width": "0",
                },
            ),
            on_submit=State.save_details,
            key=State.editing_id.to_string() + view.slug,
            id="details-form",
        ),
        width="100%",
    )


def component_row(line: ComponentLine, index: rx.Var) -> rx.Component:
    return rx.flex(
        rx.text((index + 1).to_string() + ".", weight="bold", min_width="1.5em"),
        rx.vstack(
            rx.input(
                default_value=line.display_name,
                on_blur=lambda value: State.rename_component(line.monitor_id, value),
                aria_label="Display name",
                disabled=~State.can_write,
                class_name="display-name",
                width="100%",
            ),
            rx.flex(
                rx.text("monitor: ", line.monitor_name, size="1", color_scheme="gray"),
                rx.badge(
                    line.state,
                    color_scheme=rx.match(line.state, *STATE_COLOURS.items(), "gray"),
                    size="1",
                    class_name="component-state",
                ),
                spacing="2",
                align="center",
            ),
            spacing="1",
            flex="1",
            min_width="10em",
        ),
        rx.cond(
            State.can_write,
            rx.flex(
                rx.icon_button(
                    rx.icon("arrow-up"),
                    variant="soft",
                    disabled=line.first,
                    on_click=State.move_up(line.monitor_id),
                    aria_label="Move up",
                    class_name="move-up",
                ),
                rx.icon_button(
                    rx.icon("arrow-down"),
                    variant="soft",
                    disabled=line.last,
                    on_click=State.move_down(line.monitor_id),
                    aria_label="Move down",
                    class_name="move-down",
                ),
                rx.icon_button(
                    rx.icon("x"),
                    variant="soft",
                    color_scheme="red",
                    on_click=State.remove_component(line.monitor_id),
                    aria_label="Remove from the page",
                    class_name="remove",
                ),
                spacing="2",
            ),
        ),
        key=line.monitor_id.to_string() + ":" + line.display_name,
        spacing="3",
        align="center",
        wrap="wrap",
        width="100%",
        class_name="component",
        data_monitor=line.monitor_id,
    )


def choice_item(choice: MonitorChoice) -> rx.Component:
    return rx.select.item(choice.name, value=choice.id)


def add_component_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.select.root(
                rx.select.trigger(placeholder="Choose a monitor", id="add-monitor"),
                rx.select.content(rx.foreach(State.view.choices, choice_item)),
                name="monitor_id",
            ),
            rx.button("Add to page", type="submit", id="add-component"),
            spacing="3",
            wrap="wrap",
        ),
        on_submit=State.add_component,
        reset_on_submit=True,
        width="100%",
    )


def components_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Components", size="4"),
            rx.text(
                "The monitors the page shows, by the names you give them, in "
                "this order. Visitors never see a monitor's address.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                State.view.components.length() > 0,
                rx.vstack(
                    rx.foreach(State.view.components, component_row),
                    spacing="3",
                    width="100%",
                    id="components",
                ),
                rx.text("No monitors on this page yet.", id="no-components"),
            ),
            field_error(State.errors, "monitors"),
            field_error(State.errors, "display_name"),
            rx.cond(
                State.can_write & (State.view.choices.length() > 0),
                add_component_form(),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def password_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Password", size="4"),
            rx.cond(
                State.view.protected,
                rx.text(
                    "Visitors must enter a password to see this page.",
                    id="password-state",
                ),
                rx.text(
                    "No password: anyone with the address sees the page "
                    "once it is published.",
                    id="password-state",
                ),
            ),
            rx.cond(
                State.can_write,
                rx.form(
                    rx.flex(
                        rx.input(
                            type="password",
                            name="password",
                            id="password",
                            placeholder="At least 6 characters",
                            auto_complete="new-password",
                        ),
                        rx.button(
                            rx.cond(
                                State.view.protected,
                                "Change password",
                                "Set password",
                            ),
                            type="submit",
                            id="set-password",
                        ),
                        rx.cond(
                            State.view.protected,
                            rx.button(
                                "Remove password",
                                type="button",
                                variant="soft",
                                color_scheme="red",
                                on_click=State.clear_password,
                                id="clear-password",
                            ),
                        ),
                        spacing="3",
                        wrap="wrap",
                    ),
                    on_submit=State.set_password,
                    width="100%",
                ),
            ),
            field_error(State.errors, "password"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _record_line(label: str, value: rx.Var, id_: str) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label),
        rx.data_list.value(
            rx.code(value, id=id_, style={"word_break": "break-all"}),
        ),
    )


def domain_card() -> rx.Component:
    view = State.view
    return rx.card(
        rx.vstack(
            rx.heading("Custom domain", size="4"),
            rx.text(
                "Serve the page on a domain of your own: point it at IsUp, add "
                "the TXT record shown here, then verify.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                State.can_write,
                rx.form(
                    rx.flex(
                        rx.input(
                            name="custom_domain",
                            id="custom_domain",
                            default_value=view.domain,
                            placeholder="status.example.com",
                            min_width="16em",
                        ),
                        rx.button("Save domain", type="submit", id="save-domain"),
                        spacing="3",
                        wrap="wrap",
                    ),
                    on_submit=State.set_domain,
                    key="domain-" + view.domain,
                    width="100%",
                ),
            ),
            field_error(State.errors, "custom_domain"),
            rx.cond(
                view.domain != "",
                rx.vstack(
                    rx.flex(
                        rx.text(view.domain, weight="bold"),
                        rx.cond(
                            view.domain_state == "verified",
                            rx.badge(
                                "verified", color_scheme="green", id="domain-state"
                            ),
                            rx.badge(
                                "not verified", color_scheme="amber", id="domain-state"
                            ),
                        ),
                        spacing="2",
                        align="center",
                    ),
                    rx.data_list.root(
                        _record_line("Type", "TXT", "record-type"),
                        _record_line("Name", view.record_name, "record-name"),
                        _record_line("Value", view.record_value, "record-value"),
                        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                    ),
                    rx.cond(
                        State.can_write,
                        rx.flex(
                            rx.button(
                                "Verify now",
                                on_click=State.verify_domain,
                                id="verify-domain",
                            ),
                            rx.button(
                                "Remove domain",
                                variant="soft",
                                color_scheme="red",
                                on_click=State.remove_domain,
                                id="remove-domain",
                            ),
                            spacing="3",
                            wrap="wrap",
                        ),
                    ),
                    rx.cond(
                        State.domain_message != "",
                        rx.text(State.domain_message, size="2", id="domain-message"),
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def delete_card() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading("Delete this page", size="4"),
                rx.text(
                    "The public address stops working at once. Monitors stay.",
                    size="2",
                    color_scheme="gray",
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(
                    rx.button("Delete page", color_scheme="red", id="delete-page")
                ),
                rx.alert_dialog.content(
                    rx.alert_dialog.title("Delete ", State.view.name, "?"),
                    rx.alert_dialog.description(
                        "The page and its address /status/",
                        State.view.slug,
                        " go away for good.",
                    ),
                    rx.flex(
                        rx.alert_dialog.cancel(
                            rx.button("Keep it", variant="soft", color_scheme="gray")
                        ),
                        rx.alert_dialog.action(
                            rx.button(
                                "Delete",
                                color_scheme="red",
                                on_click=State.delete_page,
                                id="confirm-delete",
                            )
                        ),
                        spacing="3",
                        justify="end",
                        margin_top="1em",
                    ),
                ),
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )
