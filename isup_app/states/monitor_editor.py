"""The form that creates and edits monitors of all seven kinds.

The page shows the fields of the chosen kind; the form sends its text boxes,
and the checkboxes, regions and alert contacts live here. What is saved goes
through ``isup_app.core.monitors``, whose messages come back per field and
show beside the field; plan refusals (``isup_app.core.plans``) show with an
upgrade link. A refused save changes nothing on the page, so nothing typed is
lost. The organization always comes from the session on the server; another
organization's monitor reads as not found.
"""

import asyncio
import dataclasses
import logging

import reflex as rx
from sqlmodel import Session

from isup_app.core import accounts, bus, contacts
from isup_app.core.db import get_engine
from isup_app.core.models import Monitor, MonitorType
from isup_app.core.monitors import (
    MonitorInvalid,
    create_monitor,
    display_url,
    get_monitor,
    update_monitor,
)
from isup_app.core.plans import PlanError
from isup_app.core.settings import get_settings
from isup_app.states.session import identity_for, require_write

logger = logging.getLogger(__name__)

KINDS = [kind.value for kind in MonitorType]
LIST_ROUTE = "/dashboard"

# Text boxes (and selects) per kind, in the order the form shows them.
TIMING = ["interval_seconds", "timeout_seconds", "response_time_threshold"]
ALERTING = [
    "retries",
    "retry_interval_seconds",
    "recovery_checks",
    "reminder_minutes",
    "tags",
]
HTTP = [
    "url",
    "http_method",
    "http_headers",
    "http_body",
    "expected_status_codes",
    "max_redirects",
    "body_max_bytes",
    "ca_bundle",
]
TEXT_BY_KIND = {
    "http": ["name", *HTTP, *TIMING, *ALERTING],
    "keyword": ["name", *HTTP, "keyword", "keyword_type", *TIMING, *ALERTING],
    "port": ["name", "url", "port", *TIMING, *ALERTING],
    "ping": ["name", "url", "ping_count", *TIMING, *ALERTING],
    "ssl": [
        "name",
        "url",
        "port",
        "ssl_expiry_alert_days",
        "ca_bundle",
        "interval_seconds",
        "timeout_seconds",
        *ALERTING,
    ],
    "dns": [
        "name",
        "url",
        "dns_record_type",
        "dns_server",
        "dns_expected",
        "dns_match",
        *TIMING,
        *ALERTING,
    ],
    "heartbeat": ["name", "interval_seconds", "heartbeat_grace_seconds", *ALERTING],
}
CHECKS_BY_KIND = {
    "http": ["follow_redirects", "verify_tls"],
    "keyword": ["follow_redirects", "verify_tls", "keyword_case_sensitive"],
}
BOOLEANS = ("follow_redirects", "verify_tls", "keyword_case_sensitive")
TEXT_FIELDS = sorted({name for names in TEXT_BY_KIND.values() for name in names})
# Shown one per line; every other list one comma-separated line.
LINE_LISTS = {"dns_expected"}
# Refusals that are not about one box of the form.
CONTACTS_FIELD = "alert_contacts"
REGIONS_FIELD = "regions"


def fields_of(kind: str) -> list[str]:
    """Every field the form shows for ``kind``: boxes, checkboxes, choices."""
    names = TEXT_BY_KIND[kind] + CHECKS_BY_KIND.get(kind, [])
    names.append(CONTACTS_FIELD)
    if kind != "heartbeat":
        names.append(REGIONS_FIELD)
    return names


@dataclasses.dataclass
class ContactChoice:
    id: str
    name: str
    kind: str
    note: str


@dataclasses.dataclass
class PingExample:
    label: str
    command: str


# --- between the form and the monitor -----------------------------------------


def _text(name: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ("\n" if name in LINE_LISTS else ", ").join(str(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(getattr(value, "value", value))


def form_values(monitor: Monitor) -> tuple[dict[str, str], dict[str, bool]]:
    """A monitor's fields as the form shows them: text, and the checkboxes.
    An address's credentials are never shown back."""
    values = {name: _text(name, getattr(monitor, name)) for name in TEXT_FIELDS}
    values["url"] = display_url(monitor.url or "")
    return values, {name: bool(getattr(monitor, name)) for name in BOOLEANS}


def blank_values() -> tuple[dict[str, str], dict[str, bool]]:
    values, checks = form_values(
        Monitor(organization_id="", name="", type=MonitorType.HTTP)
    )
    values["dns_record_type"] = "A"
    values["keyword_type"] = "present"
    return values, checks


def monitor_data(
    kind: str,
    form_data: dict,
    checks: dict[str, bool],
    regions: list[str] | None,
) -> dict:
    """What the form sent, limited to the fields of ``kind``, for
    ``create_monitor``/``update_monitor``. Fields the form did not send are
    left out, so an edit keeps them."""
    data: dict = {"type": kind}
    for name in TEXT_BY_KIND[kind]:
        if name in form_data:
            data[name] = form_data[name]
    for name in CHECKS_BY_KIND.get(kind, []):
        if name in checks:
            data[name] = bool(checks[name])
    if regions is not None and kind != "heartbeat":
        data["regions"] = list(regions)
    return data


def _contact_ids(session: Session, organization_id: str, chosen: list[str]) -> list:
    """The chosen contacts' ids, all of this organization, or a refusal."""
    mine = {c.id for c in contacts.list_contacts(session, organization_id)}
    try:
        wanted = {int(c) for c in chosen}
    except ValueError:
        wanted = {-1}
    if not wanted <= mine:
        raise MonitorInvalid({CONTACTS_FIELD: "a chosen contact no longer exists"})
    return sorted(wanted)


def save_monitor(
    organization_id: str,
    monitor_id: int | None,
    data: dict,
    chosen_contacts: list[str],
) -> int:
    """Create (``monitor_id`` None) or update one monitor with its alert
    contacts; returns its id. Raises MonitorInvalid, PlanError, or
    LookupError for a monitor that is not the organization's."""
    settings = get_settings()
    redis = bus.connect(settings.redis_url) if settings.redis_url else None
    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            contact_ids = _contact_ids(session, organization_id, chosen_contacts)
            if monitor_id is None:
                monitor = create_monitor(session, organization_id, data, redis=redis)
            else:
                current = get_monitor(session, organization_id, monitor_id)
                if current is None:
                    raise LookupError(f"no monitor {monitor_id}")
                if data.get("url") == display_url(current.url or ""):
                    # The form shows the address without its credentials;
                    # unchanged, it keeps them.
                    data = {**data, "url": current.url}
                monitor = update_monitor(
                    session, organization_id, monitor_id, data, redis=redis
                )
            contacts.set_monitor_contacts(session, monitor, contact_ids)
        if redis is not None:
            bus.publish_change(redis, organization_id, monitor_id=monitor.id)
        return monitor.id
    finally:
        if redis is not None:
            redis.close()


PING_CURL = "curl -fsS -m 10 --retry 3"


def ping_url(token: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/api/heartbeat/{token}"


def cron_schedule(interval_seconds: int) -> str | None:
    """The crontab schedule that runs exactly every ``interval_seconds``, or
    None when there is none. Cron runs at most once a minute, and ``*/N`` is
    regular only when N divides the hour (minutes) or the day (hours); a
    schedule that runs less often than the period would let the heartbeat go
    down between runs."""
    if interval_seconds < 60 or interval_seconds % 60:
        return None
    minutes = interval_seconds // 60
    if minutes < 60 and 60 % minutes == 0:
        return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    if minutes % 60:
        return None
    hours = minutes // 60
    if hours < 24 and 24 % hours == 0:
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    return "0 0 * * *" if hours == 24 else None


def _period_words(seconds: int) -> str:
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def scheduled_job(job: str, interval_seconds: int) -> PingExample:
    """How to run ``job`` (a shell line that pings) once a period: a crontab
    line when a cron schedule runs exactly that often, else a loop that says
    why it is not cron."""
    schedule = cron_schedule(interval_seconds)
    if schedule is not None:
        return PingExample("Cron", f"{schedule} {job}")
    if interval_seconds < 60:
        why = "cron cannot run more often than once a minute"
    else:
        why = f"no cron schedule runs every {_period_words(interval_seconds)}"
    return PingExample(
        f"A loop ({why})",
        f"while true; do {job}; sleep {interval_seconds}; done",
    )


def job_pings(url: str) -> str:
    """A job run between a start ping and its exit status's ping."""
    return (
        f"{PING_CURL} {url}/start > /dev/null; "
        f"/path/to/job.sh; {PING_CURL} {url}/$? > /dev/null"
    )


def ping_examples(token: str, interval_seconds: int) -> list[PingExample]:
    url = ping_url(token)
    curl = PING_CURL
    return [
        PingExample("Success", f"{curl} {url}"),
        PingExample("Start of a run", f"{curl} {url}/start"),
        PingExample("Failure", f"{curl} {url}/fail"),
        PingExample("Exit status (0 is success)", f"/path/to/job.sh; {curl} {url}/$?"),
        PingExample(
            "With the job's output (first 10 KB kept)",
            f"/path/to/job.sh 2>&1 | {curl} --data-binary @- {url}",
        ),
        scheduled_job(job_pings(url), interval_seconds),
    ]


def contact_choices(session: Session, organization_id: str) -> list[ContactChoice]:
    choices = []
    for contact in contacts.list_contacts(session, organization_id):
        if contact.disabled_reason:
            note = "stopped: " + contact.disabled_reason
        elif not contact.is_verified:
            note = "not verified yet"
        else:
            note = "default" if contact.is_default else ""
        choices.append(
            ContactChoice(str(contact.id), contact.name, contact.type.value, note)
        )
    return choices


@dataclasses.dataclass
class Loaded:
    kind: str
    name: str
    values: dict
    checks: dict
    regions: list
    contact_choices: list
    chosen_contacts: list
    heartbeat_token: str
    interval_seconds: int


def read_new(organization_id: str) -> Loaded:
    values, checks = blank_values()
    with Session(get_engine()) as session:
        choices = contact_choices(session, organization_id)
        defaults = [
            str(c.id)
            for c in contacts.list_contacts(session, organization_id)
            if c.is_default
        ]
    return Loaded("http", "", values, checks, [], choices, defaults, "", 60)


def read_monitor(organization_id: str, monitor_id: int) -> Loaded | None:
    with Session(get_engine()) as session:
        monitor = get_monitor(session, organization_id, monitor_id)
        if monitor is None:
            return None
        values, checks = form_values(monitor)
        attached = contacts.monitor_contacts(session, monitor)
        return Loaded(
            kind=monitor.type.value,
            name=monitor.name,
            values=values,
            checks=checks,
            regions=[str(r) for r in monitor.regions or []],
            contact_choices=contact_choices(session, organization_id),
            chosen_contacts=[str(c.id) for c in attached],
            heartbeat_token=monitor.heartbeat_token or "",
            interval_seconds=monitor.interval_seconds,
        )


def route_monitor_id(state: rx.State) -> int | None:
    """The ``[monitor_id]`` of the page's address, if it is a number."""
    raw = state.router._page.params.get("monitor_id", "")
    try:
        return int(str(raw))
    except ValueError:
        return None


def _organization(state) -> tuple[str, bool]:
    identity = identity_for(state)
    return identity.organization_id, identity.can(accounts.WRITE)


def _plan_message(exc: PlanError) -> str:
    return str(exc).removesuffix(f" Upgrade at {exc.upgrade_url}")


# --- the state -----------------------------------------------------------------


class MonitorEditorState(rx.State):
    kind: str = "http"
    editing_id: int = 0
    editing_name: str = ""
    found: bool = True
    loaded: bool = False
    can_write: bool = True
    values: dict[str, str] = {}
    checks: dict[str, bool] = {}
    regions: list[str] = []
    available_regions: list[str] = []
    contact_choices: list[ContactChoice] = []
    chosen_contacts: list[str] = []
    heartbeat_token: str = ""
    ping_url: str = ""
    ping_examples: list[PingExample] = []
    errors: dict[str, str] = {}
    other_errors: list[str] = []
    plan_error: str = ""
    upgrade_url: str = ""
    notice: str = ""
    saving: bool = False
    form_key: int = 0
    _just_saved: int = 0

    @rx.var
    def title(self) -> str:
        if self.editing_id:
            return f"Edit {self.editing_name}"
        return "Add a monitor"

    @rx.var
    def shown(self) -> list[str]:
        return fields_of(self.kind) if self.kind in KINDS else []

    @rx.event
    def set_kind(self, kind: str):
        if kind in KINDS:
            self.kind = kind
            self.errors = {}
            self.other_errors = []
            self.plan_error = ""

    @rx.event
    def set_check(self, name: str, checked: bool):
        if name in BOOLEANS:
            self.checks[name] = bool(checked)

    @rx.event
    def toggle_region(self, region: str, checked: bool):
        kept = [r for r in self.regions if r != region]
        self.regions = [*kept, region] if checked else kept

    @rx.event
    def toggle_contact(self, contact_id: str, checked: bool):
        kept = [c for c in self.chosen_contacts if c != contact_id]
        self.chosen_contacts = [*kept, contact_id] if checked else kept

    def _show(self, loaded: Loaded, monitor_id: int) -> None:
        # Remounted boxes show the loaded values; when they are what the
        # page already shows (a reconnect reruns the page load), the boxes
        # stay mounted and keep what was typed.
        remount = loaded.values != self.values or monitor_id != self.editing_id
        self.found = True
        self.loaded = True
        self.editing_id = monitor_id
        self.editing_name = loaded.name
        self.kind = loaded.kind
        self.values = loaded.values
        self.checks = loaded.checks
        self.regions = loaded.regions
        self.available_regions = get_settings().region_list
        self.contact_choices = loaded.contact_choices
        self.chosen_contacts = loaded.chosen_contacts
        self.heartbeat_token = loaded.heartbeat_token
        if loaded.heartbeat_token:
            self.ping_url = ping_url(loaded.heartbeat_token)
            self.ping_examples = ping_examples(
                loaded.heartbeat_token, loaded.interval_seconds
            )
        else:
            self.ping_url = ""
            self.ping_examples = []
        self.errors = {}
        self.other_errors = []
        self.plan_error = ""
        if remount:
            self.form_key += 1

    @rx.event(background=True)
    async def load_new(self):
        organization_id, can_write = _organization(self)
        loaded = await asyncio.to_thread(read_new, organization_id)
        async with self:
            self._show(loaded, 0)
            self.can_write = can_write
            self.notice = ""

    @rx.event(background=True)
    async def load_edit(self):
        organization_id, can_write = _organization(self)
        async with self:
            monitor_id = route_monitor_id(self)
            self.loaded = False
        loaded = None
        if monitor_id is not None:
            loaded = await asyncio.to_thread(read_monitor, organization_id, monitor_id)
        async with self:
            self.can_write = can_write
            if loaded is None:
                self.found = False
                self.loaded = True
                self.editing_id = 0
                return
            self._show(loaded, monitor_id)
            just_saved = self._just_saved == monitor_id
            self._just_saved = 0
            self.notice = "Saved." if just_saved else ""

    def _refuse(self, errors: dict[str, str]) -> None:
        shown = set(self.shown)
        self.errors = {str(k): str(v) for k, v in errors.items()}
        self.other_errors = [
            f"{name}: {message}"
            for name, message in errors.items()
            if name not in shown
        ]

    @rx.event(background=True)
    async def save(self, form_data: dict):
        async with self:
            if not self.found:
                # The page offers no form then; an edit of a monitor that is
                # not this organization's must not become a new monitor.
                return None
            self.saving = True
            self.errors = {}
            self.other_errors = []
            self.plan_error = ""
            self.notice = ""
            kind = self.kind
            monitor_id = self.editing_id or None
            data = monitor_data(
                kind,
                form_data,
                dict(self.checks),
                list(self.regions) if self.loaded else None,
            )
            chosen = list(self.chosen_contacts)
        try:
            organization_id = require_write(self)
        except PermissionError:
            async with self:
                self.saving = False
            raise

        try:
            saved_id = await asyncio.to_thread(
                save_monitor, organization_id, monitor_id, data, chosen
            )
        except MonitorInvalid as exc:
            async with self:
                self.saving = False
                self._refuse(exc.errors)
            return None
        except PlanError as exc:
            async with self:
                self.saving = False
                self.plan_error = _plan_message(exc)
                self.upgrade_url = exc.upgrade_url
                if exc.limit == "interval_min":
                    self.errors = {"interval_seconds": self.plan_error}
            return None
        except LookupError:
            async with self:
                self.saving = False
                self.found = False
            return None

        logger.info(
            "monitor saved org=%s monitor_id=%s kind=%s",
            organization_id,
            saved_id,
            kind,
        )
        async with self:
            self.saving = False
            self._just_saved = saved_id
        if kind == "heartbeat" and monitor_id is None:
            # Its ping address exists now; the edit page shows it.
            return rx.redirect(f"/monitors/{saved_id}/edit")
        name = str(data.get("name", "")).strip()
        return [
            rx.toast.success(f"Saved {name}."),
            rx.redirect(LIST_ROUTE if monitor_id is None else f"/monitors/{saved_id}"),
        ]
