"""The dashboard: the organization's monitors, live, and the add form."""

import reflex as rx

from isup_app.components.layout import page_frame
from isup_app.components.monitor_form import monitor_form
from isup_app.components.monitor_table import monitor_table
from isup_app.states.monitors import MonitorListState

ROUTE = "/dashboard"
TITLE = "Dashboard · IsUp"


def page() -> rx.Component:
    return page_frame(
        rx.heading("Monitors", size="7"),
        monitor_table(),
        rx.card(monitor_form(), width="100%"),
    )


ON_LOAD = MonitorListState.load
