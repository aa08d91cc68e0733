"""The frames pages sit in: ``page_frame`` for signed-in pages (the app's
navbar), ``public_frame`` for the landing page, pricing and the docs (a
header with sign-in and sign-up, and a footer).

Both wrap at phone width (390 px) instead of overflowing: the link rows are
flex rows that wrap onto a second line.

Links to paths served by plain HTTP routes (``/sign-in``, ``/sign-up``,
``/sign-out``, ``/billing/...``, ``/status/...``, ``/api/...``) must load the
document: the single-page app's router knows only Reflex's own pages and
would show its 404.
"""

import reflex as rx

# The signed-in pages, in navbar order: (label, path, id).
APP_LINKS = [
    ("Monitors", "/dashboard", "nav-monitors"),
    ("Incidents", "/incidents", "nav-incidents"),
    ("Contacts", "/contacts", "nav-contacts"),
    ("Status pages", "/status-pages", "nav-status-pages"),
    ("Settings", "/settings", "nav-settings"),
]
# The public pages, in header order.
PUBLIC_LINKS = [
    ("Features", "/", "nav-features"),
    ("Pricing", "/pricing", "nav-pricing"),
    ("Docs", "/docs", "nav-docs"),
]
# Paths outside the single-page app (plain HTTP routes).
DOCUMENT_PREFIXES = ("/sign-", "/billing/", "/status/", "/api/", "/auth/", "/invite/")

# Pages under a navbar entry light it too (a monitor's page under Monitors).
_SECTION_PREFIXES = {"/dashboard": "/monitors"}


def is_document(href: str) -> bool:
    return href.startswith(DOCUMENT_PREFIXES)


def nav_link(label: str, href: str, **props) -> rx.Component:
    """A link that navigates inside the app, or loads the document when the
    path is a plain HTTP route."""
    if is_document(href):
        props["reload_document"] = True
    return rx.link(label, href=href, **props)


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("activity", size=22, color=rx.color("teal", 9)),
            rx.heading("IsUp", size="6", weight="bold"),
            align="center",
            spacing="2",
        ),
        href="/",
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        id="brand",
    )


def _current(href: str) -> rx.Var[bool]:
    path = rx.State.router.page.path
    here = path == href
    if href != "/":
        here = here | path.startswith(href + "/")
    section = _SECTION_PREFIXES.get(href)
    if section:
        here = here | path.startswith(section)
    return here


def _app_link(label: str, href: str, link_id: str) -> rx.Component:
    here = _current(href)
    return nav_link(
        label,
        href,
        id=link_id,
        weight=rx.cond(here, "bold", "regular"),
        color_scheme=rx.cond(here, "teal", "gray"),
        high_contrast=True,
        underline="none",
        size="3",
    )


def _link_row(*links: rx.Component, **props) -> rx.Component:
    return rx.flex(
        *links,
        wrap="wrap",
        align="center",
        column_gap="1.25em",
        row_gap="0.5em",
        **props,
    )


def navbar() -> rx.Component:
    """The signed-in pages' navbar: brand, the app's pages, sign out."""
    return rx.el.nav(navbar_row(), width="100%")


def navbar_row() -> rx.Component:
    return rx.flex(
        brand(),
        _link_row(
            *(_app_link(label, href, link_id) for label, href, link_id in APP_LINKS),
            rx.separator(orientation="vertical", size="1"),
            nav_link(
                "Sign out",
                "/sign-out",
                id="sign-out",
                color_scheme="gray",
                underline="none",
                size="3",
            ),
            id="app-nav",
        ),
        wrap="wrap",
        justify="between",
        align="center",
        column_gap="2em",
        row_gap="0.75em",
        width="100%",
        padding_y="1em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        margin_bottom="1.5em",
    )


def page_frame(*children: rx.Component) -> rx.Component:
    """A signed-in page: the navbar above, the page's parts below."""
    return rx.container(
        navbar(),
        rx.vstack(*children, spacing="6", width="100%"),
        size="4",
        padding_x=["0.75em", "1em", "1.5em"],
        padding_bottom="3em",
    )


# --- public pages -----------------------------------------------------------


def public_header() -> rx.Component:
    return rx.el.header(public_header_row(), width="100%")


def public_header_row() -> rx.Component:
    return rx.flex(
        brand(),
        _link_row(
            *(_app_link(label, href, link_id) for label, href, link_id in PUBLIC_LINKS),
            nav_link(
                "Sign in",
                "/sign-in",
                id="nav-sign-in",
                color_scheme="gray",
                high_contrast=True,
                underline="none",
                size="3",
            ),
            rx.link(
                rx.button("Sign up", size="2"),
                href="/sign-up",
                reload_document=True,
                id="nav-sign-up",
            ),
            id="public-nav",
        ),
        wrap="wrap",
        justify="between",
        align="center",
        column_gap="2em",
        row_gap="0.75em",
        width="100%",
        padding_y="1em",
    )


def _footer_column(title: str, links: list[tuple[str, str]]) -> rx.Component:
    return rx.vstack(
        rx.text(title, weight="bold", size="2"),
        *(
            nav_link(label, href, size="2", color_scheme="gray")
            for label, href in links
        ),
        spacing="1",
        min_width="9em",
    )


def public_footer() -> rx.Component:
    return rx.el.footer(
        rx.separator(size="4"),
        rx.flex(
            rx.vstack(
                brand(),
                rx.text(
                    "Uptime monitoring and status pages.",
                    size="2",
                    color_scheme="gray",
                ),
                spacing="2",
                max_width="20em",
            ),
            rx.flex(
                _footer_column(
                    "Product",
                    [("Features", "/"), ("Pricing", "/pricing"), ("Docs", "/docs")],
                ),
                _footer_column(
                    "Docs",
                    [
                        ("Monitors", "/docs/monitors"),
                        ("Heartbeats", "/docs/heartbeats"),
                        ("Status pages", "/docs/status-pages"),
                        ("Alerts", "/docs/alerts"),
                        ("API", "/docs/api"),
                    ],
                ),
                _footer_column(
                    "Account",
                    [
                        ("Sign in", "/sign-in"),
                        ("Sign up", "/sign-up"),
                        ("Dashboard", "/dashboard"),
                    ],
                ),
                wrap="wrap",
                gap="2em",
            ),
            wrap="wrap",
            justify="between",
            gap="2em",
            padding_y="2em",
        ),
        width="100%",
        margin_top="3em",
        id="public-footer",
    )


def public_frame(*children: rx.Component) -> rx.Component:
    """A page anyone may read: the public header, the page, the footer."""
    return rx.container(
        public_header(),
        rx.vstack(*children, spacing="7", width="100%", padding_top="1em"),
        public_footer(),
        size="4",
        padding_x=["0.75em", "1em", "1.5em"],
    )
