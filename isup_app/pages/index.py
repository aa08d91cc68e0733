"""The landing page: what IsUp does, for anyone, signed in or not."""

import reflex as rx

from isup_app.components.layout import nav_link, public_frame
from isup_app.pages.docs import CHANNELS, MONITOR_KINDS, Kind

ROUTE = "/"
TITLE = "IsUp · uptime monitoring and status pages"


def _hero() -> rx.Component:
    return rx.vstack(
        rx.badge("Uptime monitoring · status pages", variant="soft", size="2"),
        rx.heading(
            "Know the moment it breaks. Tell everyone who needs to know.",
            size=rx.breakpoints(initial="8", md="9"),
            line_height="1.15",
        ),
        rx.text(
            "IsUp checks your websites, APIs, ports, hosts, certificates, DNS "
            "records and scheduled jobs on their intervals, opens an incident "
            "the moment one fails, alerts the right people on the channel they "
            "chose, and shows the truth live on your dashboard and on public "
            "status pages.",
            size="4",
            color_scheme="gray",
            max_width="40em",
        ),
        rx.flex(
            rx.link(
                rx.button("Start monitoring", size="3"),
                href="/sign-up",
                reload_document=True,
                id="hero-sign-up",
            ),
            rx.link(
                rx.button("Read the docs", size="3", variant="outline"),
                href="/docs",
                id="hero-docs",
            ),
            rx.link(
                rx.button("Open the dashboard", size="3", variant="soft"),
                href="/dashboard",
                id="to-dashboard",
            ),
            wrap="wrap",
            spacing="3",
            padding_top="0.5em",
        ),
        spacing="4",
        padding_y=rx.breakpoints(initial="1.5em", md="3em"),
        width="100%",
        id="hero",
    )


def _kind_card(kind: Kind) -> rx.Component:
    return nav_link(
        rx.card(
            rx.hstack(
                rx.icon(kind.icon, size=20, color=rx.color("teal", 10)),
                rx.heading(kind.name, size="4"),
                align="center",
                spacing="2",
            ),
            rx.text(kind.summary, size="2", color_scheme="gray", padding_top="0.4em"),
            height="100%",
        ),
        f"/docs/monitors#{kind.id}",
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        class_name="kind",
    )


def _kinds() -> rx.Component:
    return rx.vstack(
        rx.heading("Seven kinds of monitor", size="7"),
        rx.text(
            "Each result says what failed and why, in words: 'connection "
            "refused', 'status 503, expected 200-299', 'certificate expires in "
            "6 days', with the time of every phase.",
            color_scheme="gray",
            size="3",
        ),
        rx.grid(
            *(_kind_card(kind) for kind in MONITOR_KINDS),
            columns=rx.breakpoints(initial="1", sm="2", md="4"),
            spacing="3",
            width="100%",
        ),
        spacing="4",
        width="100%",
        id="kinds",
    )


def _feature(icon: str, title: str, text: str, href: str, more: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=26, color=rx.color("accent", 10)),
            rx.heading(title, size="5"),
            rx.text(text, size="2", color_scheme="gray"),
            rx.spacer(),
            nav_link(more, href, size="2", weight="medium"),
            spacing="3",
            height="100%",
        ),
        size="3",
    )


def _features() -> rx.Component:
    channels = ", ".join(name for name, _, _ in CHANNELS)
    return rx.grid(
        _feature(
            "bell-ring",
            "Alerts that arrive once",
            f"{channels}. Retries before down, reminders while it stays "
            "down, silence in maintenance windows, and every attempt recorded "
            "on the incident.",
            "/docs/alerts",
            "Alert channels",
        ),
        _feature(
            "layout-dashboard",
            "A live dashboard",
            "States, uptime and response times change on screen the moment "
            "the checker decides, with the phase breakdown and every region.",
            "/docs/monitors",
            "Monitors and results",
        ),
        _feature(
            "radio",
            "Status pages",
            "Show your users what is up, by the names you choose, with 90 days "
            "of history, incident updates, a password if you like and your own "
            "domain. JSON, RSS, Atom and badges included.",
            "/docs/status-pages",
            "Status pages",
        ),
        _feature(
            "clock",
            "Heartbeats for cron jobs",
            "Your backups and scheduled jobs call their address when they "
            "finish; a missing call is an incident.",
            "/docs/heartbeats",
            "Heartbeat addresses",
        ),
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="4",
        width="100%",
        id="features",
    )


def _call() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading("Start monitoring in a minute.", size="6"),
                rx.text(
                    "Five monitors free on the hosted plans, or run IsUp "
                    "yourself: one command, every feature, no limits.",
                    color_scheme="gray",
                ),
                spacing="2",
            ),
            rx.flex(
                rx.link(
                    rx.button("Create your account", size="3"),
                    href="/sign-up",
                    reload_document=True,
                    id="call-sign-up",
                ),
                rx.link(
                    rx.button("See pricing", size="3", variant="outline"),
                    href="/pricing",
                    id="call-pricing",
                ),
                wrap="wrap",
                spacing="3",
            ),
            wrap="wrap",
            justify="between",
            align="center",
            spacing="4",
        ),
        size="4",
        width="100%",
        background=rx.color("accent", 2),
        id="sign-up-call",
    )


def page() -> rx.Component:
    return public_frame(_hero(), _kinds(), _features(), _call())


ON_LOAD = None
