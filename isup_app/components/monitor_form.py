"""The form that adds an HTTP monitor; refusals show next to their field."""

import reflex as rx

from isup_app.states.monitors import MonitorFormState


def field(
    name: str, label: str, placeholder: str, default: str = "", **props
) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=name, size="2", weight="medium"),
        rx.input(
            id=name,
            name=name,
            placeholder=placeholder,
            default_value=default,
            width="100%",
            **props,
        ),
        rx.cond(
            MonitorFormState.errors.contains(name),
            rx.text(
                MonitorFormState.errors[name],
                color_scheme="red",
                size="1",
                id=f"error-{name}",
            ),
        ),
        spacing="1",
        width="100%",
    )


def monitor_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Add an HTTP monitor", size="4"),
            rx.grid(
                field("name", "Name", "Website"),
                field("url", "URL", "https://example.com/health"),
                field("interval_seconds", "Interval (seconds)", "60", "60"),
                field("timeout_seconds", "Timeout (seconds)", "30", "30"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.foreach(
                MonitorFormState.other_errors,
                lambda message: rx.text(message, color_scheme="red", size="2"),
            ),
            rx.hstack(
                rx.button(
                    "Add monitor",
                    type="submit",
                    loading=MonitorFormState.saving,
                    id="add-monitor",
                ),
                rx.text(MonitorFormState.notice, color_scheme="green", size="2"),
                align="center",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=MonitorFormState.add_monitor,
        reset_on_submit=False,
        width="100%",
        id="monitor-form",
    )
