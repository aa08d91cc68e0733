"""Alert contacts: who hears about the organization's monitors, and how."""

import reflex as rx

from isup_app.components.contacts import contact_card, contact_form
from isup_app.components.layout import page_frame
from isup_app.states.contacts import ContactsState

ROUTE = "/contacts"
TITLE = "Alert contacts · IsUp"


def page() -> rx.Component:
    return page_frame(
        rx.heading("Alert contacts", size="7"),
        rx.text(
            "Email, SMS and voice contacts are verified with a code before they "
            "receive alerts. Default contacts go on every new monitor.",
            color_scheme="gray",
        ),
        rx.cond(
            ContactsState.rows.length() > 0,
            rx.vstack(rx.foreach(ContactsState.rows, contact_card), width="100%"),
            rx.text(
                rx.cond(ContactsState.loaded, "No contacts yet.", "Loading contacts…"),
                color_scheme="gray",
                id="no-contacts",
            ),
        ),
        rx.cond(
            ContactsState.can_write,
            rx.card(contact_form(), width="100%"),
        ),
    )


ON_LOAD = ContactsState.load
