"""The docs: ``/docs`` and one page per topic below it.

Everything here describes what the code does today: the monitor kinds and
their fields (``isup_app.core.monitors``), heartbeat addresses
(``isup_app.api.heartbeat``), status pages and their JSON, feeds and badges
(``isup_app.api.status_pages``), alert channels (``checker/channels``) and the
HTTP routes of ``isup_app.api``. When a route or a field changes there, the
page here changes with it.

``isup_app.isup_app`` adds ``/docs`` from this module's ``ROUTE`` and the
topic pages from ``SECTIONS``; each topic is a small object with the same
``ROUTE``, ``TITLE``, ``page`` and ``ON_LOAD`` a page module has.
"""

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from isup_app.components.layout import nav_link, public_frame

ROUTE = "/docs"
TITLE = "Docs · IsUp"
ON_LOAD = None


# --- the facts ----------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    default: str
    meaning: str


@dataclass(frozen=True)
class Kind:
    id: str
    name: str
    icon: str
    summary: str
    checks: str
    fields: tuple[Field, ...]
    reasons: str = ""


HTTP_FIELDS = (
    Field(
        "url",
        "required",
        "The address, http:// or https://. A user name and password in it are "
        "sent as Basic auth and never shown back.",
    ),
    Field(
        "http_method",
        "GET",
        "GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS.",
    ),
    Field("http_headers", "none", "Request headers, one 'Name: value' per line."),
    Field("http_body", "none", "The request body; not with GET or HEAD."),
    Field(
        "expected_status_codes",
        "200-299",
        "Accepted status codes: a list and inclusive ranges, like '200-299, 401'.",
    ),
    Field("follow_redirects", "on", "Follow redirects, up to max_redirects."),
    Field("max_redirects", "5", "At most 20."),
    Field("verify_tls", "on", "Refuse an invalid certificate."),
    Field(
        "ca_bundle",
        "none",
        "PEM certificates to trust instead of the system's trust store.",
    ),
    Field("body_max_bytes", "1 MiB", "How much of the body is read (decoded)."),
)

MONITOR_KINDS: tuple[Kind, ...] = (
    Kind(
        id="http",
        name="HTTP",
        icon="globe",
        summary="Websites and APIs: status code, timing of every phase.",
        checks="Sends a request and is up when the answer's status code is one "
        "of the accepted ones. Every result keeps the time of each phase: "
        "DNS, connect, TLS, first byte and total.",
        fields=HTTP_FIELDS,
        reasons="'connection refused', 'status 503, expected 200-299', "
        "'timeout', certificate errors by name.",
    ),
    Kind(
        id="keyword",
        name="Keyword",
        icon="text-search",
        summary="A word that must be on the page, or must not be.",
        checks="Runs the HTTP check, then looks for a word in the body. The "
        "body is decoded first (gzip, deflate, brotli; the declared charset, "
        "else an HTML meta charset, else UTF-8).",
        fields=(
            *HTTP_FIELDS,
            Field("keyword", "required", "The word or phrase to look for."),
            Field("keyword_type", "present", "present: must be there; absent: not."),
            Field("keyword_case_sensitive", "on", "Match upper and lower case."),
        ),
        reasons="A failing check keeps a 200-character excerpt of the body; a "
        "body that cannot be decoded is down.",
    ),
    Kind(
        id="port",
        name="Port",
        icon="plug",
        summary="A TCP port that must accept connections.",
        checks="Opens a TCP connection, IPv4 or IPv6, trying each address the "
        "name resolves to.",
        fields=(
            Field("url", "required", "A host name or an IP address."),
            Field("port", "required", "The TCP port, 1 to 65535."),
        ),
        reasons="'connection refused', 'timeout', 'network unreachable', "
        "'host unreachable'.",
    ),
    Kind(
        id="ping",
        name="Ping",
        icon="radio-tower",
        summary="A host that answers ICMP echo.",
        checks="Sends ICMP echo requests 0.2 s apart. Up with every reply, "
        "degraded with some lost, down with none. Round-trip min, average, "
        "max and loss are kept.",
        fields=(
            Field("url", "required", "A host name or an IP address."),
            Field("ping_count", "3", "Echo requests per check, 1 to 20."),
        ),
        reasons="Where the machine forbids ICMP the result is unknown, 'ICMP "
        "not permitted on this machine', never down.",
    ),
    Kind(
        id="ssl",
        name="Certificate",
        icon="shield-check",
        summary="TLS certificates: valid, trusted, far from expiry.",
        checks="Reads the certificate as served and verifies it. Expired, not "
        "yet valid, self-signed, untrusted issuer, incomplete chain and a "
        "name mismatch are down, each with its own reason. Within an alert "
        "threshold it is degraded, and each threshold is announced once.",
        fields=(
            Field("url", "required", "A host name, or https://host:port."),
            Field("port", "443", "The TLS port."),
            Field("ssl_expiry_alert_days", "30, 14, 7, 1", "Days before expiry."),
            Field("ca_bundle", "none", "PEM certificates to trust instead."),
        ),
    ),
    Kind(
        id="dns",
        name="DNS",
        icon="network",
        summary="A DNS record that must hold the values you expect.",
        checks="Looks up one record type of one name and compares the answer. "
        "Names compare without case or final dot; a TXT record's strings are "
        "joined, and an expected TXT value matches a record containing it.",
        fields=(
            Field("url", "required", "The name (an address for PTR)."),
            Field(
                "dns_record_type",
                "A",
                "A, AAAA, CNAME, MX, NS, TXT, SOA, SRV, CAA or PTR.",
            ),
            Field(
                "dns_server",
                "system resolver",
                "An IP address, optionally with :port.",
            ),
            Field("dns_expected", "none", "The values the answer must hold."),
            Field(
                "dns_match",
                "any",
                "any: every expected value is in some record; all: and no "
                "record outside them.",
            ),
        ),
        reasons="'NXDOMAIN: the name does not exist', 'SERVFAIL', 'empty "
        "answer: no records of that type', 'timeout', 'expected value not "
        "found'.",
    ),
    Kind(
        id="heartbeat",
        name="Heartbeat",
        icon="heart-pulse",
        summary="Cron jobs and backups that must check in on time.",
        checks="Waits for your job to call its ping address. Down when no "
        "ping came within the interval plus the grace, when the job reports "
        "a failure, or when a start is not followed by a ping in time.",
        fields=(
            Field(
                "interval_seconds",
                "60",
                "How often the job runs; up to 31 days.",
            ),
            Field(
                "heartbeat_grace_seconds",
                "60",
                "How late a ping may be before the monitor is down.",
            ),
        ),
    ),
)

COMMON_FIELDS = (
    Field("name", "required", "What the dashboard and alerts call it."),
    Field(
        "interval_seconds",
        "60",
        "Time between checks, 1 s to 1 day (31 days for heartbeats). Your "
        "plan sets the shortest.",
    ),
    Field("timeout_seconds", "30", "0.1 to 120 s, at most the interval."),
    Field(
        "response_time_threshold",
        "none",
        "Milliseconds; a slower check makes the monitor degraded.",
    ),
    Field("retries", "0", "Failed checks that stay pending before down (0-10)."),
    Field(
        "retry_interval_seconds",
        "the interval",
        "Time to the next check while retries are left.",
    ),
    Field("recovery_checks", "1", "Good checks needed to come back up (1-10)."),
    Field(
        "reminder_minutes",
        "none",
        "Remind the contacts this often while the monitor stays down.",
    ),
    Field(
        "regions",
        "every region",
        "Where it is checked from; with several, a majority down is down and "
        "a minority is degraded.",
    ),
    Field("tags", "none", "Labels to filter the dashboard by."),
)

STATES = (
    ("up", "green", "The last check passed."),
    (
        "degraded",
        "amber",
        "Slower than its threshold, some regions down, or a certificate near expiry.",
    ),
    ("pending", "orange", "Failing, with retries left."),
    ("down", "red", "Failing after its retries: an incident is open."),
    ("unknown", "gray", "No data yet, or IsUp could not tell."),
    ("paused", "gray", "Not checked; history and settings are kept."),
)

CHANNELS = (
    ("Email", "an address", "Resend, or SMTP on a self-hosted install."),
    ("Slack", "an incoming webhook URL", "A message with blocks."),
    ("Discord", "a webhook URL", "A message with an embed."),
    ("Telegram", "a chat id (and a bot token)", "The Bot API's sendMessage."),
    ("Webhook", "a URL and a secret", "A signed JSON POST."),
    ("SMS", "a phone number (E.164)", "Twilio."),
    ("Voice call", "a phone number (E.164)", "Twilio reads the alert aloud."),
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    access: str
    meaning: str


ROUTE_GROUPS: tuple[tuple[str, str, tuple[Route, ...]], ...] = (
    (
        "Account and session",
        "The session is the isup_session cookie that signing in sets (HttpOnly). "
        "Routes marked 'signed in' answer 401 without it.",
        (
            Route("GET", "/sign-in", "public", "The sign-in page (or WorkOS)."),
            Route("GET", "/sign-up", "public", "The sign-up page (or WorkOS)."),
            Route("GET, POST", "/sign-out", "public", "Ends the session."),
            Route(
                "GET",
                "/api/auth/me",
                "signed in",
                "Who you are: user, email, organization, role, organizations.",
            ),
            Route(
                "POST",
                "/auth/organization",
                "signed in",
                "Switch organization (form field organization_id).",
            ),
        ),
    ),
    (
        "Members",
        "Listing needs any role; inviting, changing roles and removing need "
        "admin (the owner role only from an owner).",
        (
            Route("GET", "/api/members", "signed in", "Members and invitations."),
            Route(
                "POST",
                "/api/members/invitations",
                "admin",
                'Invite: {"email": ..., "role": "member"}. Answers the link.',
            ),
            Route(
                "DELETE",
                "/api/members/invitations/{id}",
                "admin",
                "Withdraw an invitation.",
            ),
            Route(
                "PUT",
                "/api/members/{user_id}",
                "admin",
                'Change a role: {"role": "viewer" | "member" | "admin" | "owner"}.',
            ),
            Route("DELETE", "/api/members/{user_id}", "admin", "Remove a member."),
            Route(
                "GET, POST",
                "/invite/{token}",
                "signed in",
                "Accept an invitation (7 days, once, for its email only).",
            ),
        ),
    ),
    (
        "Monitors (API v1)",
        "Needs the plan's API feature (402 without it) and a session or an API "
        "key (Authorization: Bearer isup_...). Reading needs any role, changing "
        "needs member. Fields as on the Monitors page; a wrong one is 422 with "
        '{"errors": {field: message}}, a plan limit 402. Answers never show '
        "credentials in a URL, header values or a CA bundle; the request body "
        "and a heartbeat's token only to members and above.",
        (
            Route("GET", "/api/v1/monitors", "signed in or key", "The monitors."),
            Route(
                "POST",
                "/api/v1/monitors",
                "member",
                'Create one: {"name", "type", "url", ...}. Answers 201 and it.',
            ),
            Route("GET", "/api/v1/monitors/{id}", "signed in or key", "One monitor."),
            Route(
                "PATCH",
                "/api/v1/monitors/{id}",
                "member",
                "Change the fields given; the others stay.",
            ),
            Route("DELETE", "/api/v1/monitors/{id}", "member", "Delete it (204)."),
            Route("POST", "/api/v1/monitors/{id}/pause", "member", "Pause it."),
            Route(
                "POST",
                "/api/v1/monitors/{id}/resume",
                "member",
                "Resume it (402 past the plan's monitors).",
            ),
        ),
    ),
    (
        "API keys",
        "Owners and admins, from a signed-in session (a key cannot manage keys). "
        "A key works only under /api/v1/, in its organization, with its role "
        "(member unless chosen; never above its maker's, now or later).",
        (
            Route(
                "POST",
                "/api/v1/keys",
                "admin",
                'Make one: {"name", "role"}. The key is answered this once.',
            ),
            Route(
                "GET",
                "/api/v1/keys",
                "admin",
                "The keys: name, role, prefix, made, last used (never the key).",
            ),
            Route("DELETE", "/api/v1/keys/{id}", "admin", "Revoke a key (204)."),
        ),
    ),
    (
        "Heartbeats",
        "No session: the token in the address is the key.",
        (
            Route(
                "GET, POST, HEAD",
                "/api/heartbeat/{token}",
                "public",
                "The job finished well.",
            ),
            Route(
                "GET, POST, HEAD",
                "/api/heartbeat/{token}/start",
                "public",
                "The job started.",
            ),
            Route(
                "GET, POST, HEAD",
                "/api/heartbeat/{token}/fail",
                "public",
                "The job failed.",
            ),
            Route(
                "GET, POST, HEAD",
                "/api/heartbeat/{token}/{exit status}",
                "public",
                "0 is success, 1-255 a failure.",
            ),
        ),
    ),
    (
        "Status pages",
        "Public unless the page has a password (then 401 until unlocked).",
        (
            Route("GET", "/status/{slug}", "public", "The page."),
            Route("POST", "/status/{slug}/unlock", "public", "The password form."),
            Route(
                "GET",
                "/status/{slug}/api/v2/summary.json",
                "public",
                "Summary in the common hosted status-page shape (v2).",
            ),
            Route(
                "GET",
                "/api/public/status/{slug}.json",
                "public",
                "Everything the page shows, daily bars included.",
            ),
            Route(
                "GET",
                "/status/{slug}/feed.rss, feed.atom",
                "public",
                "Incidents as RSS or Atom.",
            ),
            Route(
                "GET",
                "/status/{slug}/badge/{component}.svg",
                "public",
                "A badge; ?type=status (default) or ?type=uptime.",
            ),
        ),
    ),
    (
        "Reports",
        "",
        (
            Route(
                "GET",
                "/api/reports/sla.csv?monitor_id={id}&month=YYYY-MM",
                "signed in",
                "A monitor's monthly SLA report as CSV.",
            ),
        ),
    ),
    (
        "Plans and billing",
        "The billing routes answer 404 on a self-hosted install (no Stripe).",
        (
            Route(
                "GET",
                "/api/public/plans",
                "public",
                "The plans with their limits and features, as JSON.",
            ),
            Route(
                "GET, POST",
                "/billing/checkout?plan={pro|business}",
                "owner",
                "Upgrade through Stripe Checkout.",
            ),
            Route(
                "GET, POST",
                "/billing/portal",
                "owner",
                "Manage or cancel the subscription.",
            ),
            Route(
                "POST",
                "/api/webhooks/stripe",
                "Stripe",
                "Stripe's events, signature checked.",
            ),
        ),
    ),
)

HEARTBEAT_CURL = """\
# the job finished well
curl -fsS -m 10 --retry 3 https://isup.example.com/api/heartbeat/<token>

# say when it starts, and fail it on purpose
curl -fsS -m 10 https://isup.example.com/api/heartbeat/<token>/start
curl -fsS -m 10 https://isup.example.com/api/heartbeat/<token>/fail

# send the last lines of the log with the ping (the first 10 KB are kept)
tail -n 50 /var/log/backup.log | \\
  curl -fsS -m 10 --data-binary @- https://isup.example.com/api/heartbeat/<token>
"""

HEARTBEAT_CRON = """\
# every night at 02:30: ping only when the backup succeeded
30 2 * * * /usr/local/bin/backup && curl -fsS -m 10 --retry 3 https://isup.example.com/api/heartbeat/<token>

# let the exit status decide: 0 is up, anything else is down with its number
30 2 * * * /usr/local/bin/backup; curl -fsS -m 10 https://isup.example.com/api/heartbeat/<token>/$?
"""

HEARTBEAT_SCRIPT = """\
#!/bin/sh
URL=https://isup.example.com/api/heartbeat/<token>
curl -fsS -m 10 "$URL/start"
if /usr/local/bin/backup; then
  curl -fsS -m 10 "$URL"
else
  curl -fsS -m 10 "$URL/fail"
fi
"""

STATUS_ADDRESSES = """\
https://isup.example.com/status/acme                          the page
https://isup.example.com/status/acme/api/v2/summary.json      summary (v2 shape)
https://isup.example.com/api/public/status/acme.json          everything on the page
https://isup.example.com/status/acme/feed.rss                 incidents, RSS
https://isup.example.com/status/acme/feed.atom                incidents, Atom
https://isup.example.com/status/acme/badge/website.svg        status badge
https://isup.example.com/status/acme/badge/website.svg?type=uptime
"""

BADGE_MARKDOWN = """\
![Website status](https://isup.example.com/status/acme/badge/website.svg)
![Website uptime](https://isup.example.com/status/acme/badge/website.svg?type=uptime)
"""

CUSTOM_DOMAIN_RECORDS = """\
status.example.com.                 CNAME  isup.example.com.
_isup-verify.status.example.com.    TXT    "<token shown in the editor>"
"""

WEBHOOK_VERIFY = """\
import hashlib, hmac, time

def is_from_isup(secret: str, header: str, raw_body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    sent_at, signature = parts["t"], parts["v1"]
    if abs(time.time() - int(sent_at)) > 300:
        return False
    signed = sent_at.encode() + b"." + raw_body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
"""

API_EXAMPLE = """\
# who am I (with the cookie of a signed-in browser)
curl -s -b "isup_session=<cookie>" https://isup.example.com/api/auth/me

# the monitors, with an API key made by an owner or admin (POST /api/v1/keys)
curl -s -H "Authorization: Bearer isup_<key>" https://isup.example.com/api/v1/monitors

# the plans, no session needed
curl -s https://isup.example.com/api/public/plans

# March's SLA report of monitor 42
curl -s -b "isup_session=<cookie>" -o sla.csv \\
  "https://isup.example.com/api/reports/sla.csv?monitor_id=42&month=2026-03"
"""


# --- building blocks ----------------------------------------------------------


def prose(*parts: str | rx.Component, **props) -> rx.Component:
    return rx.text(*parts, size="3", line_height="1.7", **props)


def term(text: str) -> rx.Component:
    return rx.code(text, variant="soft", size="2")


def snippet(text: str, label: str = "") -> rx.Component:
    """A block of code or shell that wraps at phone width instead of
    pushing the page sideways."""
    return rx.box(
        rx.text(label, size="1", color_scheme="gray", weight="medium")
        if label
        else rx.fragment(),
        rx.el.pre(
            text.rstrip("\n"),
            white_space="pre-wrap",
            overflow_wrap="anywhere",
            font_family="var(--code-font-family)",
            font_size="0.85em",
            margin="0",
        ),
        background=rx.color("gray", 3),
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-3)",
        padding="0.8em 1em",
        width="100%",
        class_name="snippet",
    )


def section(title: str, *children: rx.Component, anchor: str = "") -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="5", id=anchor or None),
        *children,
        spacing="3",
        width="100%",
    )


def field_list(fields: tuple[Field, ...]) -> rx.Component:
    return rx.data_list.root(
        *(
            rx.data_list.item(
                rx.data_list.label(term(f.name), min_width="12em"),
                rx.data_list.value(
                    rx.text(
                        f.meaning,
                        " ",
                        rx.text(f"Default: {f.default}.", color_scheme="gray"),
                        size="2",
                    )
                ),
            )
            for f in fields
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        size="2",
        width="100%",
    )


def route_list(routes: tuple[Route, ...]) -> rx.Component:
    return rx.vstack(
        *(
            rx.box(
                rx.flex(
                    rx.badge(r.method, variant="soft", color_scheme="teal"),
                    rx.code(r.path, size="2", overflow_wrap="anywhere"),
                    rx.badge(
                        r.access,
                        variant="outline",
                        color_scheme="gray" if r.access == "public" else "amber",
                    )
                    if r.access
                    else rx.fragment(),
                    wrap="wrap",
                    spacing="2",
                    align="center",
                ),
                rx.text(r.meaning, size="2", color_scheme="gray", padding_top="0.25em"),
                width="100%",
                padding_y="0.5em",
                border_bottom=f"1px solid {rx.color('gray', 4)}",
                class_name="route",
            )
            for r in routes
        ),
        spacing="0",
        width="100%",
    )


# --- the topics ---------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    summary: str
    body: Callable[[], list[rx.Component]]


def _overview() -> list[rx.Component]:
    return [
        prose(
            "IsUp checks your websites, APIs, ports, hosts, certificates, DNS "
            "records and scheduled jobs on their intervals. When one breaks it "
            "opens an incident, tells the people you chose on the channel they "
            "chose, and shows the truth live on your dashboard and on public "
            "status pages."
        ),
        section(
            "Getting started",
            rx.el.ol(
                rx.el.li(
                    nav_link("Create an account", "/sign-up"),
                    ". The first account on a self-hosted install owns its "
                    "built-in organization.",
                ),
                rx.el.li(
                    "Add a monitor on the dashboard: pick a kind, give it a "
                    "target and an interval.",
                ),
                rx.el.li(
                    "Add an alert contact, verify it, and attach it to the "
                    "monitors it should hear about.",
                ),
                rx.el.li("Publish a status page for the monitors your users use."),
                padding_left="1.25em",
                line_height="1.9",
                list_style_type="decimal",
            ),
        ),
        section(
            "Monitor states",
            rx.data_list.root(
                *(
                    rx.data_list.item(
                        rx.data_list.label(
                            rx.badge(name, color_scheme=colour, variant="solid")
                        ),
                        rx.data_list.value(meaning),
                    )
                    for name, colour, meaning in STATES
                ),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                width="100%",
            ),
            prose(
                "An incident opens when a monitor goes down and resolves at the "
                "next up; one monitor has at most one open incident. Every "
                "alert sent, and whether it arrived, is recorded on it."
            ),
        ),
        section(
            "Topics",
            rx.grid(
                *(
                    nav_link(
                        rx.card(
                            rx.heading(t.title, size="3"),
                            rx.text(t.summary, size="2", color_scheme="gray"),
                            height="100%",
                        ),
                        f"/docs/{t.slug}",
                        underline="none",
                        color_scheme="gray",
                        high_contrast=True,
                    )
                    for t in TOPICS
                ),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                spacing="3",
                width="100%",
            ),
        ),
    ]


def _monitors() -> list[rx.Component]:
    return [
        prose(
            "A monitor is one target checked on an interval. Each check gives "
            "a result: up, degraded, down or unknown, the phase that failed "
            "(DNS, connect, TLS, certificate, request, response, timeout, "
            "status, content, keyword, assertion or heartbeat), a reason in "
            "words such as 'status 503, expected 200-299', and the "
            "milliseconds of each phase. A wrong field is refused when you "
            "save, with a message beside it."
        ),
        rx.flex(
            *(nav_link(kind.name, f"#{kind.id}", size="2") for kind in MONITOR_KINDS),
            wrap="wrap",
            spacing="3",
        ),
        section("Fields of every kind", field_list(COMMON_FIELDS), anchor="common"),
        *(
            section(
                f"{kind.name} ({kind.id})",
                prose(kind.checks),
                field_list(kind.fields),
                prose(rx.text("Reasons: ", weight="bold"), kind.reasons)
                if kind.reasons
                else rx.fragment(),
                anchor=kind.id,
            )
            for kind in MONITOR_KINDS
        ),
        prose(
            "Heartbeat monitors have their own page: ",
            nav_link("heartbeat addresses", "/docs/heartbeats"),
            ".",
        ),
    ]


def _heartbeats() -> list[rx.Component]:
    return [
        prose(
            "A heartbeat monitor watches a job that runs on its own (a cron "
            "job, a backup, a queue worker): the job calls its ping address "
            "when it finishes. IsUp makes the address when you add the "
            "monitor and shows it on the monitor's page; the token in it is "
            "the only key, so keep it private."
        ),
        section(
            "Addresses",
            route_list(
                (
                    Route("GET, POST, HEAD", "/api/heartbeat/<token>", "", "Success."),
                    Route(
                        "GET, POST, HEAD",
                        "/api/heartbeat/<token>/start",
                        "",
                        "The job started; a ping must follow within the grace.",
                    ),
                    Route(
                        "GET, POST, HEAD",
                        "/api/heartbeat/<token>/fail",
                        "",
                        "The job failed: down at once.",
                    ),
                    Route(
                        "GET, POST, HEAD",
                        "/api/heartbeat/<token>/<exit status>",
                        "",
                        "0 is success; 1 to 255 is down, 'the job ended with "
                        "exit status N'.",
                    ),
                )
            ),
            prose(
                "Every address answers OK, or 404 for an unknown token. The "
                "first 10 KB of the request body are kept with the ping, so a "
                "job can send its log."
            ),
        ),
        section("curl", snippet(HEARTBEAT_CURL)),
        section("cron", snippet(HEARTBEAT_CRON), snippet(HEARTBEAT_SCRIPT, "a script")),
        section(
            "When it goes down",
            prose(
                "A new monitor is unknown, 'waiting for the first ping', until "
                "its interval plus the grace has passed; then down, 'no ping "
                "since it was created'. After that it is down when no ping came "
                "within interval + grace of the last one, on a failure ping, or "
                "when a start is not followed by a ping within the grace. A "
                "ping is judged at once; the next good ping brings it back up."
            ),
        ),
    ]


def _status_pages() -> list[rx.Component]:
    return [
        prose(
            "A status page shows your users the monitors you put on it, under "
            "the display names you give them: the state of each, uptime and 90 "
            "daily bars, open and past incidents with the updates you post, "
            "and planned maintenance. It never shows a URL, a host, a header, "
            "an error text or a contact."
        ),
        section(
            "Making one",
            prose(
                "In Status pages, choose the monitors, their display names and "
                "order, a slug (the page lives at /status/<slug>), a "
                "description and a theme (colours, logo). A page can be kept "
                "out of search engines, and can have a password: visitors then "
                "see a password form, and the JSON, feeds and badges answer "
                "401 until it is given."
            ),
        ),
        section(
            "Addresses",
            prose("For a page with the slug acme:"),
            snippet(STATUS_ADDRESSES),
            prose(
                "A badge names one monitor of the page by its display name in "
                "lower case, with dashes for spaces: "
                "?type=status says up, degraded, down or maintenance; "
                "?type=uptime gives the percentage. In a README:"
            ),
            snippet(BADGE_MARKDOWN),
            prose(
                "Pages, JSON, feeds and badges are cached for at most 30 "
                "seconds; a change of state reaches them sooner."
            ),
            anchor="addresses",
        ),
        section(
            "Custom domains",
            prose(
                "Give the page a domain of yours, such as status.example.com. "
                "Point it at IsUp with a CNAME, and prove it is yours with the "
                "TXT record the editor shows (its name is _isup-verify. "
                "followed by your domain):"
            ),
            snippet(CUSTOM_DOMAIN_RECORDS),
            prose(
                "Once the record is found the domain is verified, and the same "
                "addresses start at / instead of /status/<slug>: /, "
                "/api/v2/summary.json, /feed.rss, /feed.atom and "
                "/badge/<component>.svg."
            ),
            anchor="custom-domains",
        ),
    ]


def _alerts() -> list[rx.Component]:
    return [
        prose(
            "An alert contact is one address on one channel. Contacts marked "
            "default are put on each new monitor; each monitor keeps its own "
            "list. Email, SMS and voice contacts receive alerts only after "
            "they are verified with the six-digit code IsUp sends them. "
            "'Send a test' sends at once and shows whether it arrived."
        ),
        section(
            "Channels",
            rx.data_list.root(
                *(
                    rx.data_list.item(
                        rx.data_list.label(rx.text(name, weight="bold")),
                        rx.data_list.value(
                            rx.text(
                                f"Needs {needs}. {how}",
                                size="2",
                            )
                        ),
                    )
                    for name, needs, how in CHANNELS
                ),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                width="100%",
            ),
        ),
        section(
            "What is sent, and when",
            rx.el.ul(
                rx.el.li("Down: when an incident opens, to the monitor's contacts."),
                rx.el.li("Up: when it resolves, to those who were told it was down."),
                rx.el.li(
                    "Reminders while it stays down, every reminder_minutes if set."
                ),
                rx.el.li(
                    "Certificate notices, once per threshold of ssl_expiry_alert_days."
                ),
                rx.el.li(
                    "Nothing inside a maintenance window; a change that still "
                    "holds when the window ends is told then."
                ),
                padding_left="1.25em",
                line_height="1.9",
            ),
            prose(
                "A monitor that goes pending and recovers within its retries "
                "sends nothing. Failed sends are retried with growing waits; a "
                "refusal that will not change (an archived Slack channel, a "
                "rejected number) stops the contact and is shown on it until "
                "you edit it or a test passes. Every attempt is listed on the "
                "incident."
            ),
        ),
        section(
            "Webhooks",
            prose(
                "A webhook contact receives a JSON POST with event (down, up, "
                "reminder, ssl_expiry or test), subject, text, link, the "
                "monitor (id, name, type, target without credentials), the "
                "incident id, and for the event its phase, reason and times. "
                "X-IsUp-Event names the event; X-IsUp-Delivery is the same for "
                "every attempt at one alert, so a repeat can be dropped."
            ),
            prose(
                "X-IsUp-Signature is t=<unix time>,v1=<hex>: an HMAC-SHA256, "
                "under the contact's secret, of the time, a dot and the raw "
                "body. Check it like this:"
            ),
            snippet(WEBHOOK_VERIFY, "python"),
            anchor="webhooks",
        ),
    ]


def _api() -> list[rx.Component]:
    return [
        prose(
            "IsUp's HTTP routes, as they are today. Signed-in routes use the "
            "session cookie a browser gets when it signs in and act in the "
            "organization it names; the monitors API (/api/v1/) also takes an "
            "API key. Anything of another organization answers 404. The "
            "dashboard itself talks to IsUp over a websocket and is not an API "
            "to build on."
        ),
        snippet(API_EXAMPLE),
        *(
            section(
                title,
                prose(note, color_scheme="gray") if note else rx.fragment(),
                route_list(routes),
            )
            for title, note, routes in ROUTE_GROUPS
        ),
    ]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "monitors",
        "Monitors",
        "The seven kinds, the fields of each and what a result says.",
        _monitors,
    ),
    Topic(
        "heartbeats",
        "Heartbeats",
        "Ping addresses for cron jobs, with curl and cron examples.",
        _heartbeats,
    ),
    Topic(
        "status-pages",
        "Status pages",
        "Public pages, passwords, custom domains, JSON, feeds and badges.",
        _status_pages,
    ),
    Topic(
        "alerts",
        "Alerts",
        "Channels, when alerts are sent, webhook signatures.",
        _alerts,
    ),
    Topic("api", "API", "The HTTP routes and who may call them.", _api),
)


# --- pages --------------------------------------------------------------------


def _contents() -> rx.Component:
    return rx.flex(
        nav_link("Overview", ROUTE, size="2", weight="medium", id="docs-overview"),
        *(
            nav_link(t.title, f"/docs/{t.slug}", size="2", id=f"docs-{t.slug}")
            for t in TOPICS
        ),
        direction=rx.breakpoints(initial="row", md="column"),
        wrap="wrap",
        spacing=rx.breakpoints(initial="3", md="2"),
        min_width="11em",
        padding_top="0.5em",
        id="docs-contents",
    )


def doc_page(title: str, parts: list[rx.Component]) -> rx.Component:
    return public_frame(
        rx.flex(
            _contents(),
            rx.vstack(
                rx.text("Docs", size="2", color_scheme="teal", weight="bold"),
                rx.heading(title, size="8"),
                *parts,
                spacing="5",
                width="100%",
                min_width="0",
                overflow_wrap="anywhere",
            ),
            direction=rx.breakpoints(initial="column", md="row"),
            gap="2em",
            width="100%",
        )
    )


def page() -> rx.Component:
    return doc_page("How IsUp works", _overview())


class TopicPage:
    """A topic as the app's page list wants it (``ROUTE``, ``TITLE``,
    ``page``, ``ON_LOAD``)."""

    ON_LOAD = None

    def __init__(self, topic: Topic):
        self.topic = topic
        self.ROUTE = f"/docs/{topic.slug}"
        self.TITLE = f"{topic.title} · Docs · IsUp"

    def page(self) -> rx.Component:
        return doc_page(self.topic.title, self.topic.body())


SECTIONS = [TopicPage(topic) for topic in TOPICS]
