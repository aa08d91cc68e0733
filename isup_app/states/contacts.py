"""The alert contacts page: the organization's contacts, adding each of the
seven types with the channels' own validation, verification codes for email
and phone, test messages, the monitors each one is attached to, defaults,
and removal.

Every handler asks ``isup_app.states.session`` who is asking, on the server:
reading needs any role, changing needs member or above, and a contact or
monitor of another organization reads as not found. The rules and sends are
``isup_app.core.contacts``'s; sends run in a worker thread so that a slow
provider never holds up the web app's event loop.
"""

import asyncio
import dataclasses
import logging

import httpx
import reflex as rx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from isup_app.core import accounts
from isup_app.core import contacts as core
from isup_app.core.db import get_engine
from isup_app.core.models import (
    AlertContact,
    ContactType,
    Monitor,
    MonitorAlertContact,
    MonitorStatus,
)
from isup_app.core.monitors import get_monitor, list_monitors
from isup_app.states.session import identity_for, organization_for, require_write

logger = logging.getLogger(__name__)

KINDS = [kind.value for kind in ContactType]
KIND_LABELS = {
    "email": "Email",
    "slack": "Slack",
    "discord": "Discord",
    "telegram": "Telegram",
    "webhook": "Webhook",
    "sms": "SMS",
    "voice": "Voice call",
}
# The form boxes each type's config is made of.
CONFIG_FIELDS = {
    "email": ("email",),
    "slack": ("webhook_url",),
    "discord": ("webhook_url",),
    "telegram": ("chat_id", "bot_token"),
    "webhook": ("url", "secret"),
    "sms": ("phone_number",),
    "voice": ("phone_number",),
}
NOT_FOUND = "No such contact in this organization."


@dataclasses.dataclass
class MonitorChoice:
    id: int
    name: str


@dataclasses.dataclass
class ContactRow:
    id: int
    name: str
    kind: str
    kind_label: str
    target: str
    verified: bool
    needs_code: bool
    code_sent: bool
    is_default: bool
    disabled_reason: str
    last_error: str
    monitors: list[MonitorChoice]
    others: list[MonitorChoice]


# --- words ------------------------------------------------------------------


def mask_url(url: str) -> str:
    """An address whose path may hold a token, shown as its origin and the
    last four characters: ``https://hooks.slack.com/…WXYZ``."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "…" + url[-4:]
    port = f":{parsed.port}" if parsed.port else ""
    tail = url.rstrip("/")[-4:]
    return f"{parsed.scheme}://{parsed.host}{port}/…{tail}"


def target_of(contact: AlertContact) -> str:
    """Where a contact's alerts go, with its secrets masked."""
    config = contact.config or {}
    kind = str(contact.type)
    if kind == "email":
        return config.get("email", "")
    if kind in ("sms", "voice"):
        return config.get("phone_number", "")
    if kind in ("slack", "discord"):
        return mask_url(config.get("webhook_url", ""))
    if kind == "telegram":
        bot = "its own bot" if config.get("bot_token") else "IsUp's bot"
        return f"chat {config.get('chat_id', '')} via {bot}"
    if kind == "webhook":
        secret = str(config.get("secret", ""))
        return f"{mask_url(config.get('url', ''))}, signed (secret …{secret[-4:]})"
    return ""


def contact_row(
    contact: AlertContact,
    attached: list[MonitorChoice],
    monitors: list[MonitorChoice],
) -> ContactRow:
    taken = {m.id for m in attached}
    return ContactRow(
        id=contact.id,
        name=contact.name,
        kind=str(contact.type),
        kind_label=KIND_LABELS.get(str(contact.type), str(contact.type)),
        target=target_of(contact),
        verified=contact.is_verified,
        needs_code=contact.type in core.VERIFIED_BY_CODE and not contact.is_verified,
        code_sent=contact.verification_code_hash is not None,
        is_default=contact.is_default,
        disabled_reason=contact.disabled_reason or "",
        last_error=contact.last_error or "",
        monitors=attached,
        others=[m for m in monitors if m.id not in taken],
    )


def contact_rows(
    organization_id: str, engine: Engine | None = None
) -> list[ContactRow]:
    with Session(engine or get_engine()) as session:
        contacts = core.list_contacts(session, organization_id)
        monitors = [
            MonitorChoice(m.id, m.name) for m in list_monitors(session, organization_id)
        ]
        links = session.exec(
            select(MonitorAlertContact.alert_contact_id, Monitor.id, Monitor.name)
            .join(Monitor, Monitor.id == MonitorAlertContact.monitor_id)
            .where(
                Monitor.organization_id == organization_id,
                Monitor.status != MonitorStatus.DELETED,
            )
            .order_by(Monitor.name, Monitor.id)
        ).all()
    attached: dict[int, list[MonitorChoice]] = {}
    for contact_id, monitor_id, name in links:
        attached.setdefault(contact_id, []).append(MonitorChoice(monitor_id, name))
    return [contact_row(c, attached.get(c.id, []), monitors) for c in contacts]


# --- changes ------------------------------------------------------------------


class ContactNotFound(LookupError):
    pass


def _contact(session: Session, organization_id: str, contact_id) -> AlertContact:
    try:
        contact_id = int(contact_id)
    except (TypeError, ValueError) as exc:
        raise ContactNotFound(NOT_FOUND) from exc
    contact = core.get_contact(session, organization_id, contact_id)
    if contact is None:
        raise ContactNotFound(NOT_FOUND)
    return contact


def config_from_form(kind: str, form_data: dict) -> dict:
    return {
        field: str(form_data.get(field, "") or "").strip()
        for field in CONFIG_FIELDS.get(kind, ())
    }


def add_contact(organization_id: str, user_id: str, form_data: dict) -> AlertContact:
    kind = str(form_data.get("type", ""))
    with Session(get_engine(), expire_on_commit=False) as session:
        return core.create_contact(
            session,
            organization_id,
            name=str(form_data.get("name", "")),
            type=kind,
            config=config_from_form(kind, form_data),
            is_default=str(form_data.get("is_default", "")).lower() in ("on", "true"),
            user_id=user_id,
        )


def send_code(organization_id: str, contact_id: int):
    with Session(get_engine(), expire_on_commit=False) as session:
        contact = _contact(session, organization_id, contact_id)
        return asyncio.run(core.start_verification(session, contact))


def confirm_code(organization_id: str, contact_id: int, code: str) -> bool:
    with Session(get_engine(), expire_on_commit=False) as session:
        contact = _contact(session, organization_id, contact_id)
        return core.confirm_verification(session, contact, code)


def send_test(organization_id: str, contact_id: int):
    with Session(get_engine(), expire_on_commit=False) as session:
        contact = _contact(session, organization_id, contact_id)
        return asyncio.run(core.send_test(session, contact))


def toggle_default(organization_id: str, contact_id: int) -> bool:
    with Session(get_engine(), expire_on_commit=False) as session:
        contact = _contact(session, organization_id, contact_id)
        contact.is_default = not contact.is_default
        session.add(contact)
        session.commit()
        return contact.is_default


def set_attached(
    organization_id: str, contact_id: int, monitor_id, attached: bool
) -> str:
    """Put a contact on a monitor or take it off; returns the monitor's name."""
    with Session(get_engine(), expire_on_commit=False) as session:
        contact = _contact(session, organization_id, contact_id)
        try:
            monitor = get_monitor(session, organization_id, int(monitor_id))
        except (TypeError, ValueError):
            monitor = None
        if monitor is None:
            raise LookupError("No such monitor in this organization.")
        ids = {c.id for c in core.monitor_contacts(session, monitor)}
        if attached:
            ids.add(contact.id)
        else:
            ids.discard(contact.id)
        core.set_monitor_contacts(session, monitor, sorted(ids))
        return monitor.name


def remove(organization_id: str, contact_id: int) -> str:
    with Session(get_engine(), expire_on_commit=False) as session:
        contact = _contact(session, organization_id, contact_id)
        name = contact.name
        core.delete_contact(session, contact)
        return name


# --- the state ----------------------------------------------------------------


class ContactsState(rx.State):
    rows: list[ContactRow] = []
    loaded: bool = False
    can_write: bool = False
    kind: str = "email"
    errors: dict[str, str] = {}
    notice: str = ""
    secret_notice: str = ""
    busy: bool = False
    # contact id (as text) -> what the last action on it said, and whether
    # that was good news
    feedback: dict[str, str] = {}
    feedback_ok: dict[str, bool] = {}

    @rx.var
    def kinds(self) -> list[str]:
        return KINDS

    @rx.event
    def set_kind(self, kind: str):
        if kind in KINDS:
            self.kind = kind
            self.errors = {}

    async def _reload(self, organization_id: str) -> None:
        rows = await asyncio.to_thread(contact_rows, organization_id)
        async with self:
            self.rows = rows
            self.loaded = True

    @rx.event(background=True)
    async def load(self):
        organization_id = organization_for(self)
        can_write = identity_for(self).can(accounts.WRITE)
        async with self:
            self.can_write = can_write
            self.feedback, self.feedback_ok = {}, {}
        await self._reload(organization_id)

    async def _writer(self) -> tuple[str, str]:
        """(organization id, user id) of a member or above; refuses others."""
        identity = identity_for(self)
        organization_id = require_write(self)
        return organization_id, identity.user_id

    @rx.event(background=True)
    async def add_contact(self, form_data: dict):
        async with self:
            self.busy, self.errors, self.notice, self.secret_notice = True, {}, "", ""
            form_data = {**form_data, "type": form_data.get("type") or self.kind}
        try:
            organization_id, user_id = await self._writer()
        except PermissionError:
            async with self:
                self.busy = False
            raise
        try:
            contact = await asyncio.to_thread(
                add_contact, organization_id, user_id, form_data
            )
        except core.ContactInvalid as exc:
            async with self:
                self.errors = {exc.field: exc.message}
                self.busy = False
            return
        notice = f"Added {contact.name}."
        if contact.type in core.VERIFIED_BY_CODE:
            notice += " Send it a verification code: it gets alerts once verified."
        secret = ""
        if contact.type == ContactType.WEBHOOK and not form_data.get("secret"):
            secret = contact.config["secret"]
        await self._reload(organization_id)
        async with self:
            self.busy = False
            self.notice = notice
            self.secret_notice = secret
        return rx.call_script("document.getElementById('contact-form')?.reset()")

    async def _act(self, contact_id, work):
        """Run ``work(organization_id)`` for a member and show what it said
        (a ``(text, ok)`` pair) on the contact's card."""
        key = str(contact_id)
        async with self:
            self.busy = True
        try:
            organization_id, _ = await self._writer()
        except PermissionError:
            async with self:
                self.busy = False
            raise
        try:
            text, ok = await asyncio.to_thread(work, organization_id)
        except LookupError as exc:
            text, ok = str(exc) or NOT_FOUND, False
        except core.ContactInvalid as exc:
            text, ok = exc.message, False
        await self._reload(organization_id)
        async with self:
            self.busy = False
            self.feedback = {**self.feedback, key: text}
            self.feedback_ok = {**self.feedback_ok, key: ok}

    @rx.event(background=True)
    async def send_test(self, contact_id: int):
        def work(organization_id):
            result = send_test(organization_id, contact_id)
            if result.ok:
                return "Test message sent.", True
            return f"The test failed: {result.reason}", False

        await self._act(contact_id, work)

    @rx.event(background=True)
    async def send_code(self, contact_id: int):
        def work(organization_id):
            result = send_code(organization_id, contact_id)
            if result.ok:
                return "Code sent. Enter it here to verify.", True
            return f"The code could not be sent: {result.reason}", False

        await self._act(contact_id, work)

    @rx.event(background=True)
    async def confirm_code(self, form_data: dict):
        contact_id = form_data.get("contact_id", "")
        code = str(form_data.get("code", ""))

        def work(organization_id):
            if confirm_code(organization_id, contact_id, code):
                return "Verified: this contact now receives alerts.", True
            return "That code is wrong or has expired. Send a new one.", False

        await self._act(contact_id, work)

    @rx.event(background=True)
    async def toggle_default(self, contact_id: int):
        def work(organization_id):
            if toggle_default(organization_id, contact_id):
                return "Default: it goes on every new monitor.", True
            return "No longer a default contact.", True

        await self._act(contact_id, work)

    @rx.event(background=True)
    async def attach(self, form_data: dict):
        contact_id = form_data.get("contact_id", "")
        monitor_id = form_data.get("monitor_id", "")

        def work(organization_id):
            name = set_attached(organization_id, contact_id, monitor_id, True)
            return f"Attached to {name}.", True

        await self._act(contact_id, work)

    @rx.event(background=True)
    async def detach(self, contact_id: int, monitor_id: int):
        def work(organization_id):
            name = set_attached(organization_id, contact_id, monitor_id, False)
            return f"Taken off {name}.", True

        await self._act(contact_id, work)

    @rx.event(background=True)
    async def remove(self, contact_id: int):
        async with self:
            self.busy = True
        try:
            organization_id, _ = await self._writer()
        except PermissionError:
            async with self:
                self.busy = False
            raise
        try:
            name = await asyncio.to_thread(remove, organization_id, contact_id)
            notice = f"Removed {name}."
        except LookupError:
            notice = NOT_FOUND
        await self._reload(organization_id)
        async with self:
            self.busy = False
            self.notice = notice
