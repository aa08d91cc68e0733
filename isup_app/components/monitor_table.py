"""The list of an organization's monitors."""

import reflex as rx

from isup_app.states.monitors import MonitorListState, MonitorRow

STATE_COLOURS = {
    "up": "green",
    "down": "red",
    "degraded": "amber",
    "pending": "orange",
    "paused": "gray",
}


def state_badge(state: rx.Var[str]) -> rx.Component:
    colour = rx.match(
        state,
        *STATE_COLOURS.items(),
        "gray",
    )
    return rx.badge(state, color_scheme=colour, variant="solid", class_name="state")


def monitor_line(row: MonitorRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.name),
        rx.table.cell(rx.code(row.target, variant="ghost")),
        rx.table.cell(state_badge(row.state)),
        rx.table.cell(row.last_checked),
        rx.table.cell(row.response_time),
        id="monitor-" + row.id.to_string(),
        data_state=row.state,
        class_name="monitor",
    )


def monitor_table() -> rx.Component:
    return rx.cond(
        MonitorListState.rows.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Name"),
                    rx.table.column_header_cell("Target"),
                    rx.table.column_header_cell("State"),
                    rx.table.column_header_cell("Last check"),
                    rx.table.column_header_cell("Response time"),
                )
            ),
            rx.table.body(rx.foreach(MonitorListState.rows, monitor_line)),
            width="100%",
            id="monitors",
        ),
        rx.text(
            rx.cond(
                MonitorListState.loaded,
                "No monitors yet. Add one below.",
                "Loading monitors…",
            ),
            color_scheme="gray",
            id="no-monitors",
        ),
    )
