"""One monitor: its state and since when, uptime, response times with their
phases per region, 90 daily bars, latest checks, incidents, and the buttons
that pause, resume, check now, edit and delete it. Live."""

import reflex as rx

from isup_app.components.layout import page_frame
from isup_app.components.monitor_charts import daily_bars, response_card
from isup_app.components.monitor_table import state_badge
from isup_app.states.monitor_detail import (
    CheckLine,
    IncidentLine,
    MonitorDetailState,
    UptimeFigure,
)

ROUTE = "/monitors/[monitor_id]"
TITLE = "Monitor · IsUp"

State = MonitorDetailState
CHECK_COLOURS = {"up": "green", "down": "red", "degraded": "amber"}


def delete_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("trash-2", size=16),
                "Delete",
                color_scheme="red",
                variant="soft",
                id="delete",
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete ", State.header.name, "?"),
            rx.alert_dialog.description(
                "Checks stop and the monitor leaves every status page. "
                "Its history is kept until the plan's retention removes it.",
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray")
                ),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete monitor",
                        color_scheme="red",
                        on_click=State.delete,
                        id="confirm-delete",
                    )
                ),
                gap="3",
                justify="end",
                margin_top="1em",
            ),
        ),
        open=State.confirm_delete,
        on_open_change=State.set_confirm_delete,
    )


def actions() -> rx.Component:
    return rx.flex(
        rx.button(
            rx.icon("refresh-cw", size=16),
            "Check now",
            variant="soft",
            on_click=State.check_now,
            disabled=State.busy | State.header.paused,
            id="check-now",
        ),
        rx.cond(
            State.header.paused,
            rx.button(
                rx.icon("play", size=16),
                "Resume",
                variant="soft",
                color_scheme="green",
                on_click=State.resume,
                loading=State.busy,
                id="resume",
            ),
            rx.button(
                rx.icon("pause", size=16),
                "Pause",
                variant="soft",
                color_scheme="gray",
                on_click=State.pause,
                loading=State.busy,
                id="pause",
            ),
        ),
        rx.link(
            rx.button(rx.icon("pencil", size=16), "Edit", variant="soft"),
            href=State.edit_href,
            id="edit",
        ),
        delete_button(),
        gap="2",
        wrap="wrap",
    )


def header() -> rx.Component:
    return rx.vstack(
        rx.link("← Monitors", href="/dashboard", size="2", id="to-monitors"),
        rx.flex(
            rx.heading(State.header.name, size="7", id="monitor-name"),
            state_badge(State.header.state, size="3", id="monitor-state"),
            rx.badge(State.header.kind, variant="outline"),
            gap="3",
            align="center",
            wrap="wrap",
        ),
        rx.text(
            rx.code(State.header.target, variant="ghost"),
            " · ",
            State.header.interval,
            size="2",
            color_scheme="gray",
        ),
        rx.text(
            rx.text.strong(State.header.state),
            " ",
            State.header.since,
            rx.cond(State.header.reason != "", ": " + State.header.reason, ""),
            size="2",
            id="monitor-since",
        ),
        rx.cond(
            State.header.tags != "",
            rx.text("Tags: ", State.header.tags, size="2", color_scheme="gray"),
        ),
        actions(),
        rx.cond(
            State.notice != "",
            rx.callout(State.notice, icon="info", size="1", id="notice"),
        ),
        rx.cond(
            State.error != "",
            rx.callout(
                State.error,
                icon="triangle-alert",
                color_scheme="red",
                size="1",
                id="action-error",
            ),
        ),
        spacing="3",
        width="100%",
    )


def figure(item: UptimeFigure) -> rx.Component:
    return rx.card(
        rx.text(item.label, size="1", color_scheme="gray"),
        rx.text(item.value, size="5", weight="bold"),
        class_name="uptime",
    )


def figures() -> rx.Component:
    return rx.grid(
        rx.foreach(State.uptime, figure),
        rx.card(
            rx.text("Last response", size="1", color_scheme="gray"),
            rx.text(State.header.response_time, size="5", weight="bold"),
        ),
        rx.card(
            rx.text("Last check", size="1", color_scheme="gray"),
            rx.text(State.header.last_checked, size="2", weight="medium"),
        ),
        columns=rx.breakpoints(initial="2", sm="3", md="6"),
        spacing="3",
        width="100%",
        id="uptime",
    )


def check_line(check: CheckLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(check.when, size="1")),
        rx.table.cell(check.region),
        rx.table.cell(
            rx.badge(
                check.status,
                color_scheme=rx.match(check.status, *CHECK_COLOURS.items(), "gray"),
            )
        ),
        rx.table.cell(check.response),
        rx.table.cell(check.code),
        rx.table.cell(rx.text(check.reason, size="1")),
        class_name="check",
    )


def latest_checks() -> rx.Component:
    return rx.card(
        rx.heading("Latest checks", size="4", margin_bottom="0.5em"),
        rx.cond(
            State.checks.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(name)
                                for name in (
                                    "When",
                                    "Region",
                                    "Result",
                                    "Time",
                                    "Code",
                                    "Reason",
                                )
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(State.checks, check_line)),
                    size="1",
                    width="100%",
                    id="checks",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.text("No checks yet.", size="2", color_scheme="gray"),
        ),
        width="100%",
    )


def incident_line(incident: IncidentLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(
                "#",
                incident.id.to_string(),
                href="/incidents/" + incident.id.to_string(),
            )
        ),
        rx.table.cell(rx.text(incident.started, size="1")),
        rx.table.cell(rx.text(incident.ended, size="1")),
        rx.table.cell(incident.duration),
        rx.table.cell(incident.cause),
        rx.table.cell(rx.text(incident.reason, size="1")),
        rx.table.cell(incident.regions),
        class_name="incident",
    )


def incidents() -> rx.Component:
    return rx.card(
        rx.heading("Incidents", size="4", margin_bottom="0.5em"),
        rx.cond(
            State.incidents.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(name)
                                for name in (
                                    "",
                                    "Started",
                                    "Ended",
                                    "Lasted",
                                    "Cause",
                                    "Reason",
                                    "Regions",
                                )
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(State.incidents, incident_line)),
                    size="1",
                    width="100%",
                    id="incidents",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.text("No incidents.", size="2", color_scheme="gray"),
        ),
        width="100%",
    )


def copyable(label: str | rx.Var[str], value: rx.Var[str]) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.flex(
            rx.code(value, size="1", word_break="break-all", flex="1"),
            rx.icon_button(
                rx.icon("copy", size=14),
                size="1",
                variant="ghost",
                on_click=[rx.set_clipboard(value), rx.toast.info("Copied.")],
                aria_label="Copy " + label,
            ),
            gap="2",
            align="center",
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


def heartbeat_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Ping addresses", size="4"),
            rx.text("Last ping: ", State.heartbeat.last_ping, size="2"),
            copyable("Success", State.heartbeat.success),
            copyable("Start", State.heartbeat.start),
            copyable("Failure", State.heartbeat.fail),
            copyable("curl", State.heartbeat.curl),
            copyable(State.heartbeat.schedule_label, State.heartbeat.schedule),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="heartbeat",
    )


def detail() -> rx.Component:
    return rx.vstack(
        header(),
        figures(),
        response_card(),
        daily_bars(),
        rx.cond(State.is_heartbeat, heartbeat_card()),
        latest_checks(),
        incidents(),
        spacing="5",
        width="100%",
        id="monitor-detail",
    )


def not_found() -> rx.Component:
    return rx.vstack(
        rx.heading("Monitor not found", size="6"),
        rx.text(
            "It was deleted, or it belongs to another organization.",
            color_scheme="gray",
        ),
        rx.link("Back to the monitors", href="/dashboard"),
        id="monitor-not-found",
    )


def page() -> rx.Component:
    return page_frame(
        rx.cond(
            State.loaded,
            rx.cond(State.found, detail(), not_found()),
            rx.center(rx.spinner(size="3"), width="100%", padding="4em"),
        ),
    )


ON_LOAD = MonitorDetailState.load
