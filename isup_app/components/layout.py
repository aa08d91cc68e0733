"""The frame every signed-in page sits in."""

import reflex as rx


def navbar() -> rx.Component:
    return rx.hstack(
        rx.link(rx.heading("IsUp", size="6"), href="/", underline="none"),
        rx.spacer(),
        rx.link("Dashboard", href="/dashboard"),
        rx.link("Sign out", href="/sign-out", id="sign-out"),
        align="center",
        spacing="5",
        width="100%",
        padding_y="1em",
    )


def page_frame(*children: rx.Component) -> rx.Component:
    return rx.container(
        navbar(),
        rx.vstack(*children, spacing="6", width="100%"),
        size="4",
        padding_bottom="3em",
    )
