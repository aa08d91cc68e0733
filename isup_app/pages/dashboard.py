"""The monitors page: every monitor of the organization, live, with counts
per state, search and filters."""

import reflex as rx

from isup_app.components.layout import page_frame
from isup_app.components.monitor_form import monitor_form
from isup_app.components.monitor_table import monitor_table
from isup_app.states.monitors import MonitorListState

ROUTE = "/dashboard"
TITLE = "Monitors · IsUp"


def page() -> rx.Component:
    return page_frame(
        rx.flex(
            rx.heading("Monitors", size="7"),
            rx.spacer(),
            rx.link(
                rx.button(rx.icon("plus", size=16), "Add monitor"),
                href="/monitors/new",
                id="to-new-monitor",
            ),
            align="center",
            width="100%",
        ),
        monitor_table(),
        rx.card(monitor_form(), width="100%"),
    )


ON_LOAD = MonitorListState.load
