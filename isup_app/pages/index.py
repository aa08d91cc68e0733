"""The landing page."""

import reflex as rx

from isup_app.components.layout import page_frame

ROUTE = "/"
TITLE = "IsUp"


def page() -> rx.Component:
    return page_frame(
        rx.heading("IsUp", size="8"),
        rx.text(
            "Uptime monitoring and status pages: checks on their intervals, "
            "incidents the moment something breaks, a live dashboard."
        ),
        rx.link(rx.button("Open the dashboard"), href="/dashboard", id="to-dashboard"),
    )


ON_LOAD = None
