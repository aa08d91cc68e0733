"""Change a monitor's configuration; a heartbeat's shows its ping address."""

import reflex as rx

from isup_app.components.layout import page_frame
from isup_app.components.monitor_editor import monitor_editor
from isup_app.states.monitor_editor import MonitorEditorState

ROUTE = "/monitors/[monitor_id]/edit"
TITLE = "Edit a monitor · IsUp"


def not_found() -> rx.Component:
    return rx.vstack(
        rx.heading("Monitor not found", size="6", id="not-found"),
        rx.text("It does not exist, was deleted, or belongs to another organization."),
        rx.link("Back to the monitors", href="/dashboard"),
        spacing="3",
    )


def page() -> rx.Component:
    return page_frame(
        rx.cond(
            MonitorEditorState.found,
            rx.fragment(
                rx.heading(MonitorEditorState.title, size="7"),
                rx.card(monitor_editor(), width="100%"),
            ),
            not_found(),
        ),
    )


ON_LOAD = MonitorEditorState.load_edit
