"""Add a monitor of any kind."""

import reflex as rx

from isup_app.components.layout import page_frame
from isup_app.components.monitor_editor import monitor_editor
from isup_app.states.monitor_editor import MonitorEditorState

ROUTE = "/monitors/new"
TITLE = "Add a monitor · IsUp"


def page() -> rx.Component:
    return page_frame(
        rx.heading("Add a monitor", size="7"),
        rx.card(monitor_editor(), width="100%"),
    )


ON_LOAD = MonitorEditorState.load_new
