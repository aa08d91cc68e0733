"""The organization's incidents, open and past, live."""

import reflex as rx

from isup_app.components.incidents import incident_table
from isup_app.components.layout import page_frame
from isup_app.states.incidents import LIST_LIMIT, IncidentListState

ROUTE = "/incidents"
TITLE = "Incidents · IsUp"


def page() -> rx.Component:
    return page_frame(
        rx.heading("Incidents", size="7"),
        rx.cond(
            IncidentListState.loaded,
            rx.vstack(
                rx.heading(
                    "Open (",
                    IncidentListState.open_rows.length().to_string(),
                    ")",
                    size="5",
                ),
                incident_table(
                    IncidentListState.open_rows,
                    "No open incidents: everything is up.",
                    "open-incidents",
                ),
                rx.heading("Past", size="5", margin_top="1em"),
                incident_table(
                    IncidentListState.past_rows,
                    "No past incidents.",
                    "past-incidents",
                ),
                rx.text(
                    f"The latest {LIST_LIMIT} resolved incidents.",
                    size="1",
                    color_scheme="gray",
                ),
                width="100%",
                spacing="3",
            ),
            rx.text("Loading incidents…", color_scheme="gray"),
        ),
    )


ON_LOAD = IncidentListState.load
