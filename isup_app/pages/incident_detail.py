"""One incident: what failed, its timeline, alerts sent, updates and notes,
with manual resolution."""

import reflex as rx

from isup_app.components.incidents import open_badge, timeline_entry
from isup_app.components.layout import page_frame
from isup_app.states.incidents import IncidentDetailState, NotificationLine

ROUTE = "/incidents/[incident_id]"
TITLE = "Incident · IsUp"

S = IncidentDetailState


def field_error(name: str) -> rx.Component:
    return rx.cond(
        S.errors.contains(name),
        rx.text(S.errors[name], color_scheme="red", size="2", class_name="error"),
    )


def fact(label: str, value) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="3", weight="medium"),
        spacing="0",
        min_width="9em",
    )


def summary() -> rx.Component:
    h = S.header
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(h.monitor, size="6"),
                open_badge(h.is_open),
                wrap="wrap",
                align="center",
            ),
            rx.hstack(
                fact("Started", h.started),
                fact("Ended", h.ended),
                fact("Duration", h.duration),
                fact("Regions", h.regions),
                rx.cond(h.resolved_by != "", fact("Resolved", h.resolved_by)),
                wrap="wrap",
                spacing="5",
            ),
            fact("Cause", h.cause),
            rx.cond(
                h.reason != "",
                rx.code(h.reason, variant="soft", white_space="pre-wrap", id="error"),
            ),
            rx.link("Open the monitor", href="/monitors/" + h.monitor_id.to_string()),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="incident-summary",
    )


def notification_line(line: NotificationLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line.when, white_space="nowrap"),
        rx.table.cell(line.contact),
        rx.table.cell(
            rx.badge(
                line.outcome,
                color_scheme=rx.match(
                    line.outcome, ("ok", "green"), ("failed", "amber"), "red"
                ),
            ),
            rx.text(line.error, size="1", color_scheme="gray"),
        ),
        rx.table.cell(line.event),
        rx.table.cell(line.channel),
        rx.table.cell(line.attempt),
        class_name="notification",
        data_outcome=line.outcome,
    )


def notifications() -> rx.Component:
    return rx.card(
        rx.heading("Alerts sent", size="4"),
        rx.cond(
            S.notifications.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("When"),
                            rx.table.column_header_cell("Contact"),
                            rx.table.column_header_cell("Result"),
                            rx.table.column_header_cell("Alert"),
                            rx.table.column_header_cell("Channel"),
                            rx.table.column_header_cell("Attempt"),
                        )
                    ),
                    rx.table.body(rx.foreach(S.notifications, notification_line)),
                    width="100%",
                    id="notifications",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.text(
                "No alerts sent for this incident (yet).",
                color_scheme="gray",
                id="no-notifications",
            ),
        ),
        width="100%",
    )


def timeline() -> rx.Component:
    return rx.card(
        rx.heading("Timeline", size="4", margin_bottom="0.75em"),
        rx.vstack(rx.foreach(S.timeline, timeline_entry), spacing="4", id="timeline"),
        width="100%",
    )


def resolve_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Resolve by hand", size="4"),
            rx.text(
                "Closes the incident now. If the monitor is still down, no new "
                "incident opens until it has been up again.",
                size="2",
                color_scheme="gray",
            ),
            rx.text_area(
                name="notes",
                id="resolve-notes",
                placeholder="What happened and what was done (private)",
                default_value=S.header.notes,
                width="100%",
            ),
            field_error("notes"),
            rx.button(
                "Resolve incident",
                type="submit",
                id="resolve",
                color_scheme="green",
                loading=S.busy,
            ),
            width="100%",
        ),
        on_submit=S.resolve,
        width="100%",
        id="resolve-form",
    )


def notes_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Notes", size="4"),
            rx.text_area(
                name="notes",
                id="notes",
                default_value=S.header.notes,
                placeholder="Private notes for the team",
                width="100%",
            ),
            field_error("notes"),
            rx.button("Save notes", type="submit", variant="soft", loading=S.busy),
            width="100%",
        ),
        on_submit=S.save_notes,
        reset_on_submit=False,
        width="100%",
        id="notes-form",
    )


def update_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Post an update", size="4"),
            rx.text(
                "Shown on the status pages that list this monitor.",
                size="2",
                color_scheme="gray",
            ),
            rx.select(
                S.statuses,
                name="status",
                default_value="investigating",
                id="update-status",
            ),
            field_error("status"),
            rx.text_area(
                name="message",
                id="update-message",
                placeholder="What is happening",
                width="100%",
            ),
            field_error("message"),
            rx.button("Post update", type="submit", id="post-update", loading=S.busy),
            width="100%",
        ),
        on_submit=S.post_update,
        reset_on_submit=True,
        width="100%",
        id="update-form",
    )


def actions() -> rx.Component:
    return rx.cond(
        S.can_write,
        rx.card(
            rx.vstack(
                rx.cond(S.header.is_open, resolve_form(), notes_form()),
                rx.divider(),
                update_form(),
                spacing="4",
                width="100%",
            ),
            width="100%",
        ),
        rx.text(
            "Your role can read incidents but not change them.",
            size="2",
            color_scheme="gray",
        ),
    )


def found() -> rx.Component:
    return rx.vstack(
        summary(),
        rx.cond(
            S.notice != "", rx.callout(S.notice, color_scheme="green", id="notice")
        ),
        field_error("incident"),
        rx.cond(
            (S.header.notes != "") & S.header.is_open,
            rx.card(rx.text("Notes: ", S.header.notes), width="100%"),
        ),
        timeline(),
        notifications(),
        actions(),
        spacing="4",
        width="100%",
    )


def page() -> rx.Component:
    return page_frame(
        rx.link("← All incidents", href="/incidents"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.found,
                found(),
                rx.callout(
                    "No such incident in this organization.",
                    color_scheme="gray",
                    id="not-found",
                ),
            ),
            rx.text("Loading the incident…", color_scheme="gray"),
        ),
    )


ON_LOAD = IncidentDetailState.load
