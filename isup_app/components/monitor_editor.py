"""The create-and-edit form for monitors of every kind.

Every box of every kind is on the page at once and only the chosen kind's are
shown, so switching kinds loses nothing typed; a refusal shows its message
under the box it names. The boxes keep their ids (``#name``, ``#url``, ...),
which the browser tests fill in.
"""

import reflex as rx

from isup_app.core.monitors import DNS_MATCHES, DNS_RECORD_TYPES, HTTP_METHODS
from isup_app.states.monitor_editor import (
    CONTACTS_FIELD,
    REGIONS_FIELD,
    ContactChoice,
    MonitorEditorState,
    PingExample,
)

State = MonitorEditorState

KIND_CARDS = [
    ("http", "HTTP", "A web page or API answers with the right status"),
    ("keyword", "Keyword", "A page holds, or lacks, a word"),
    ("port", "Port", "A TCP port accepts connections"),
    ("ping", "Ping", "A host answers ICMP echo"),
    ("ssl", "SSL certificate", "A certificate is valid and not expiring"),
    ("dns", "DNS", "A name resolves to the expected records"),
    ("heartbeat", "Heartbeat", "A scheduled job pings IsUp on time"),
]

# name: (label, placeholder, hint)
BOXES = {
    "name": ("Name", "Website", ""),
    "http_headers": ("Headers", "Authorization: Bearer …", "Name: value, one per line"),
    "http_body": ("Body", '{"ping": true}', "Sent with POST, PUT, PATCH, DELETE"),
    "expected_status_codes": (
        "Expected status codes",
        "200-299",
        "Codes and inclusive ranges, like 200-299, 301",
    ),
    "max_redirects": ("Redirects to follow at most", "5", ""),
    "body_max_bytes": ("Body read at most (bytes)", "1048576", ""),
    "ca_bundle": (
        "CA bundle (PEM)",
        "-----BEGIN CERTIFICATE-----",
        "Certificates to trust instead of the system's",
    ),
    "keyword": ("Keyword", "Welcome", ""),
    "ping_count": ("Echo requests per check", "3", "1 to 20"),
    "ssl_expiry_alert_days": (
        "Alert days before expiry",
        "30, 14, 7, 1",
        "Degraded within each; one notice per threshold",
    ),
    "dns_server": (
        "DNS server",
        "system resolver",
        "An IP address, with :port if not 53; empty uses the system's",
    ),
    "dns_expected": (
        "Expected values",
        "192.0.2.1",
        "One per line; empty accepts any answer",
    ),
    "heartbeat_grace_seconds": (
        "Grace (seconds)",
        "60",
        "Down when no ping arrives within the period plus this",
    ),
    "interval_seconds": ("Interval (seconds)", "60", ""),
    "timeout_seconds": ("Timeout (seconds)", "30", ""),
    "response_time_threshold": (
        "Degraded above (ms)",
        "",
        "Slower than this is degraded; empty: never",
    ),
    "retries": ("Retries", "0", "Failed checks confirmed before it is down"),
    "retry_interval_seconds": (
        "Retry interval (seconds)",
        "",
        "Empty: the check interval",
    ),
    "recovery_checks": ("Checks to recover", "1", "Passing checks before it is up"),
    "reminder_minutes": (
        "Remind while down (minutes)",
        "",
        "Empty: no reminders",
    ),
    "tags": ("Tags", "production, api", "Separated by commas"),
}
TEXT_AREAS = {"http_headers", "http_body", "ca_bundle", "dns_expected"}
SELECTS = {
    "http_method": ("Method", list(HTTP_METHODS)),
    "keyword_type": ("The keyword must be", ["present", "absent"]),
    "dns_record_type": ("Record type", list(DNS_RECORD_TYPES)),
    "dns_match": ("Expected values match", list(DNS_MATCHES)),
}


def _visible(name: str) -> rx.Var:
    return rx.cond(State.shown.contains(name), "flex", "none")


def _error(name: str) -> rx.Component:
    return rx.cond(
        State.errors.contains(name),
        rx.text(State.errors[name], color_scheme="red", size="1", id=f"error-{name}"),
    )


def _label(name: str, label) -> rx.Component:
    return rx.text(label, as_="label", html_for=name, size="2", weight="medium")


def _target_label() -> rx.Var:
    return rx.match(
        State.kind,
        ("port", "Host"),
        ("ping", "Host"),
        ("ssl", "Host or https:// address"),
        ("dns", "Name to look up"),
        "URL",
    )


def _target_placeholder() -> rx.Var:
    return rx.match(
        State.kind,
        ("port", "db.example.com"),
        ("ping", "192.0.2.10"),
        ("ssl", "example.com"),
        ("dns", "example.com"),
        "https://example.com/health",
    )


def box(name: str, label=None, placeholder=None, hint: str = "") -> rx.Component:
    """One text box of the form, with its hint and its refusal."""
    if name in BOXES:
        defaults = BOXES[name]
        label = defaults[0] if label is None else label
        placeholder = defaults[1] if placeholder is None else placeholder
        hint = hint or defaults[2]
    props = {
        "id": name,
        "name": name,
        "placeholder": placeholder,
        "default_value": State.values[name],
        "width": "100%",
    }
    control = (
        rx.text_area(rows="3", resize="vertical", **props)
        if name in TEXT_AREAS
        else rx.input(**props)
    )
    wide = {"grid_column": "1 / -1"} if name in TEXT_AREAS else {}
    return rx.vstack(
        _label(name, label),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        _error(name),
        spacing="1",
        width="100%",
        display=_visible(name),
        id=f"field-{name}",
        **wide,
    )


def choice(name: str) -> rx.Component:
    """One select of the form (its value goes with the form's boxes)."""
    label, options = SELECTS[name]
    return rx.vstack(
        _label(name, label),
        rx.select(
            options,
            name=name,
            default_value=State.values[name],
            width="100%",
        ),
        _error(name),
        spacing="1",
        width="100%",
        display=_visible(name),
        id=f"field-{name}",
    )


def check(name: str, label: str) -> rx.Component:
    return rx.vstack(
        rx.checkbox(
            label,
            checked=State.checks[name],
            on_change=lambda value: State.set_check(name, value),
        ),
        _error(name),
        spacing="1",
        display=_visible(name),
        id=f"field-{name}",
    )


def grid(*children: rx.Component) -> rx.Component:
    return rx.grid(
        *children,
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="4",
        width="100%",
    )


def section(title: str, *children: rx.Component, show=None) -> rx.Component:
    content = rx.vstack(
        rx.heading(title, size="3"), *children, spacing="3", width="100%"
    )
    if show is None:
        return content
    return rx.box(content, display=rx.cond(show, "block", "none"), width="100%")


def kind_cards() -> rx.Component:
    return rx.radio_cards.root(
        *[
            rx.radio_cards.item(
                rx.vstack(
                    rx.text(label, weight="bold"),
                    rx.text(about, size="1", color_scheme="gray"),
                    spacing="1",
                    align="start",
                    width="100%",
                ),
                value=kind,
                id=f"kind-{kind}",
                justify_content="start",
            )
            for kind, label, about in KIND_CARDS
        ],
        value=State.kind,
        on_value_change=State.set_kind,
        columns=rx.breakpoints(initial="2", md="4"),
        spacing="2",
        width="100%",
    )


def contact_line(contact: ContactChoice) -> rx.Component:
    return rx.checkbox(
        rx.hstack(
            rx.text(contact.name),
            rx.badge(contact.kind, variant="soft"),
            rx.cond(
                contact.note != "",
                rx.text(contact.note, size="1", color_scheme="gray"),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        checked=State.chosen_contacts.contains(contact.id),
        on_change=lambda value: State.toggle_contact(contact.id, value),
        id="contact-" + contact.id,
    )


def contacts_box() -> rx.Component:
    return rx.vstack(
        rx.text("Alert contacts", size="2", weight="medium"),
        rx.cond(
            State.contact_choices.length() > 0,
            rx.vstack(rx.foreach(State.contact_choices, contact_line), spacing="2"),
            rx.text(
                "No alert contacts yet. ",
                rx.link("Add one", href="/contacts"),
                " to be told when this monitor goes down.",
                size="2",
                color_scheme="gray",
            ),
        ),
        _error(CONTACTS_FIELD),
        spacing="2",
        width="100%",
        id="field-alert_contacts",
    )


def region_line(region: rx.Var[str]) -> rx.Component:
    return rx.checkbox(
        region,
        checked=State.regions.contains(region),
        on_change=lambda value: State.toggle_region(region, value),
    )


def regions_box() -> rx.Component:
    return rx.vstack(
        rx.text("Regions", size="2", weight="medium"),
        rx.hstack(
            rx.foreach(State.available_regions, region_line), spacing="4", wrap="wrap"
        ),
        rx.text("None chosen: every region checks it.", size="1", color_scheme="gray"),
        _error(REGIONS_FIELD),
        spacing="2",
        width="100%",
        display=_visible(REGIONS_FIELD),
        id="field-regions",
    )


def example_line(example: PingExample) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(example.label, size="2", weight="medium"),
            rx.icon_button(
                rx.icon("copy", size=14),
                size="1",
                variant="soft",
                type="button",
                on_click=[
                    rx.set_clipboard(example.command),
                    rx.toast.info("Copied."),
                ],
                aria_label="Copy",
            ),
            align="center",
        ),
        rx.code_block(
            example.command,
            language="bash",
            wrap_long_lines=True,
            width="100%",
            custom_style={"margin": "0"},
        ),
        spacing="1",
        width="100%",
        class_name="ping-example",
    )


def ping_addresses() -> rx.Component:
    """A heartbeat's ping address and how to call it from a job."""
    new_heartbeat = rx.callout(
        "The ping address is made when you save; this page shows it then.",
        icon="info",
        width="100%",
    )
    known = rx.vstack(
        rx.hstack(
            rx.code(State.ping_url, id="ping-url", word_break="break-all"),
            rx.icon_button(
                rx.icon("copy", size=14),
                size="1",
                variant="soft",
                type="button",
                on_click=[rx.set_clipboard(State.ping_url), rx.toast.info("Copied.")],
                aria_label="Copy the ping address",
            ),
            align="center",
        ),
        rx.text(
            "GET, POST and HEAD all count. Add /start when a run begins, /fail "
            "when it fails, or /<exit status> to let the status decide.",
            size="2",
            color_scheme="gray",
        ),
        rx.foreach(State.ping_examples, example_line),
        spacing="3",
        width="100%",
        id="ping-addresses",
    )
    return section(
        "Ping address",
        rx.cond(State.ping_url != "", known, new_heartbeat),
        show=State.kind == "heartbeat",
    )


def plan_refusal() -> rx.Component:
    return rx.cond(
        State.plan_error != "",
        rx.callout(
            rx.text(
                State.plan_error,
                " ",
                rx.link("Upgrade your plan", href=State.upgrade_url, id="upgrade"),
            ),
            icon="triangle_alert",
            color_scheme="amber",
            width="100%",
            id="plan-error",
        ),
    )


def other_refusals() -> rx.Component:
    return rx.foreach(
        State.other_errors,
        lambda message: rx.callout(
            message, icon="circle_alert", color_scheme="red", width="100%"
        ),
    )


def is_kind(*kinds: str) -> rx.Var:
    condition = State.kind == kinds[0]
    for kind in kinds[1:]:
        condition = condition | (State.kind == kind)
    return condition


def monitor_editor() -> rx.Component:
    return rx.form(
        rx.vstack(
            section("What to check", kind_cards()),
            rx.divider(),
            section(
                "Target",
                grid(
                    box("name"),
                    box("url", _target_label(), _target_placeholder()),
                    box("port", "Port", rx.cond(State.kind == "ssl", "443", "5432")),
                    box("ping_count"),
                    box("ssl_expiry_alert_days"),
                    choice("dns_record_type"),
                    box("dns_server"),
                    choice("dns_match"),
                    box("dns_expected"),
                    box("ca_bundle"),
                ),
            ),
            section(
                "Request",
                grid(
                    choice("http_method"),
                    box("expected_status_codes"),
                    box("http_headers"),
                    box("http_body"),
                    box("max_redirects"),
                    box("body_max_bytes"),
                ),
                rx.hstack(
                    check("follow_redirects", "Follow redirects"),
                    check("verify_tls", "Verify TLS certificates"),
                    spacing="5",
                    wrap="wrap",
                ),
                show=is_kind("http", "keyword"),
            ),
            section(
                "Keyword",
                grid(box("keyword"), choice("keyword_type")),
                check("keyword_case_sensitive", "Case-sensitive"),
                show=is_kind("keyword"),
            ),
            ping_addresses(),
            rx.divider(),
            section(
                "Timing",
                grid(
                    box(
                        "interval_seconds",
                        rx.cond(
                            State.kind == "heartbeat",
                            "Expected every (seconds)",
                            "Interval (seconds)",
                        ),
                    ),
                    box("timeout_seconds"),
                    box("heartbeat_grace_seconds"),
                    box("response_time_threshold"),
                ),
            ),
            section(
                "Alerting",
                grid(
                    box("retries"),
                    box("retry_interval_seconds"),
                    box("recovery_checks"),
                    box("reminder_minutes"),
                    box("tags"),
                ),
                regions_box(),
                contacts_box(),
            ),
            plan_refusal(),
            other_refusals(),
            rx.hstack(
                rx.button(
                    rx.cond(State.editing_id > 0, "Save changes", "Add monitor"),
                    type="submit",
                    loading=State.saving,
                    disabled=~State.can_write,
                    id="add-monitor",
                ),
                rx.link(
                    rx.button("Cancel", variant="soft", type="button"),
                    href=rx.cond(
                        State.editing_id > 0,
                        "/monitors/" + State.editing_id.to_string(),
                        "/dashboard",
                    ),
                ),
                rx.cond(
                    ~State.can_write,
                    rx.text(
                        "Your role can look but not change monitors.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.text(State.notice, color_scheme="green", size="2", id="notice"),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            spacing="5",
            width="100%",
        ),
        key=State.form_key,
        on_submit=State.save,
        reset_on_submit=False,
        width="100%",
        id="monitor-form",
    )
