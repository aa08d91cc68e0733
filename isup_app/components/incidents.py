"""Pieces of the incidents pages: the list tables and the timeline."""

import reflex as rx

from isup_app.states.incidents import IncidentRow, TimelineEntry

OUTCOME_COLOURS = {"ok": "green", "failed": "amber", "gave up": "red"}
KIND_COLOURS = {
    "opened": "red",
    "alert": "blue",
    "update": "violet",
    "resolved": "green",
}


def open_badge(is_open: rx.Var[bool]) -> rx.Component:
    return rx.cond(
        is_open,
        rx.badge("open", color_scheme="red", variant="solid", class_name="state"),
        rx.badge("resolved", color_scheme="green", variant="soft", class_name="state"),
    )


def incident_line(row: IncidentRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row.monitor, href="/incidents/" + row.id.to_string()),
        ),
        rx.table.cell(open_badge(row.is_open)),
        rx.table.cell(row.started, white_space="nowrap"),
        rx.table.cell(row.duration, white_space="nowrap"),
        rx.table.cell(
            rx.text(row.cause, weight="medium"),
            rx.text(row.reason, size="1", color_scheme="gray"),
        ),
        rx.table.cell(row.regions),
        rx.table.cell(row.resolved_by),
        id="incident-" + row.id.to_string(),
        data_open=rx.cond(row.is_open, "true", "false"),
        class_name="incident",
    )


def incident_table(rows, empty: str, table_id: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Monitor"),
                        rx.table.column_header_cell("State"),
                        rx.table.column_header_cell("Started"),
                        rx.table.column_header_cell("Duration"),
                        rx.table.column_header_cell("Cause"),
                        rx.table.column_header_cell("Regions"),
                        rx.table.column_header_cell("Resolved"),
                    )
                ),
                rx.table.body(rx.foreach(rows, incident_line)),
                width="100%",
                id=table_id,
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.text(empty, color_scheme="gray"),
    )


def timeline_entry(entry: TimelineEntry) -> rx.Component:
    return rx.hstack(
        rx.box(
            width="10px",
            height="10px",
            border_radius="50%",
            margin_top="6px",
            flex_shrink="0",
            background=rx.match(
                entry.kind,
                *((k, f"var(--{c}-9)") for k, c in KIND_COLOURS.items()),
                "var(--gray-9)",
            ),
        ),
        rx.vstack(
            rx.hstack(
                rx.text(entry.title, weight="bold"),
                rx.cond(
                    entry.outcome != "",
                    rx.badge(
                        entry.outcome,
                        color_scheme=rx.match(
                            entry.outcome, *OUTCOME_COLOURS.items(), "gray"
                        ),
                        class_name="outcome",
                    ),
                ),
                wrap="wrap",
                align="center",
            ),
            rx.text(entry.when, size="1", color_scheme="gray"),
            rx.cond(entry.detail != "", rx.text(entry.detail, size="2")),
            spacing="1",
            min_width="0",
        ),
        spacing="3",
        align="start",
        width="100%",
        class_name="timeline-entry",
        data_kind=entry.kind,
    )
