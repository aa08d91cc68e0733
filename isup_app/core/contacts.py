"""Alert contacts: who hears about a monitor, and on which channel.

Seven types (email, slack, discord, telegram, webhook, sms, voice). A contact
is saved only with a config its channel accepts; a refusal names the field.
Email, SMS and voice contacts prove they reach a person with a code before
they receive alerts; the others are verified when saved (a wrong webhook shows
up as a permanent failure on the contact instead). A contact whose channel
failed permanently carries ``disabled_reason`` and gets nothing until it is
edited or passes a test again.

Default contacts are attached to every new monitor of the organization; each
monitor then keeps its own list.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from isup_app.core.models import (
    AlertContact,
    ContactType,
    Monitor,
    MonitorAlertContact,
    Notification,
    NotificationOutbox,
    now,
)
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

VERIFIED_BY_CODE = frozenset({ContactType.EMAIL, ContactType.SMS, ContactType.VOICE})
CODE_DIGITS = 6


class ContactInvalid(ValueError):
    """A contact that cannot be saved; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- saving -----------------------------------------------------------------


def validate_config(
    kind: ContactType | str, config: dict, settings: Settings | None = None
) -> dict:
    """The config to store for a contact of ``kind``, or ``ContactInvalid``."""
    # The channel modules own their rules; imported here so that the web app
    # loads them only when a contact is saved.
    from checker.channels import ConfigError, channel_for

    settings = settings or get_settings()
    try:
        channel = channel_for(kind)
        return channel.validate(dict(config or {}), settings)
    except ConfigError as exc:
        raise ContactInvalid(exc.field, exc.message) from exc


def create_contact(
    session: Session,
    organization_id: str,
    *,
    name: str,
    type: ContactType | str,
    config: dict,
    is_default: bool = False,
    user_id: str | None = None,
    settings: Settings | None = None,
) -> AlertContact:
    name = (name or "").strip()
    if not name:
        raise ContactInvalid("name", "give the contact a name")
    if len(name) > 200:
        raise ContactInvalid("name", "at most 200 characters")
    try:
        kind = ContactType(type)
    except ValueError as exc:
        raise ContactInvalid("type", f"unknown contact type {type!r}") from exc
    contact = AlertContact(
        organization_id=organization_id,
        user_id=user_id,
        name=name,
        type=kind,
        config=validate_config(kind, config, settings),
        is_default=is_default,
        is_verified=kind not in VERIFIED_BY_CODE,
    )
    session.add(contact)
    session.commit()
    session.refresh(contact)
    logger.info(
        "alert contact created id=%s org=%s type=%s",
        contact.id,
        organization_id,
        kind.value,
    )
    return contact


def update_contact(
    session: Session,
    contact: AlertContact,
    *,
    name: str | None = None,
    config: dict | None = None,
    is_default: bool | None = None,
    settings: Settings | None = None,
) -> AlertContact:
    """Edit a contact. A new address must be verified again; any edit clears
    a permanent failure, so that the contact is tried again."""
    if name is not None:
        if not name.strip():
            raise ContactInvalid("name", "give the contact a name")
        contact.name = name.strip()[:200]
    if config is not None:
        new = validate_config(contact.type, {**contact.config, **config}, settings)
        if new != contact.config and contact.type in VERIFIED_BY_CODE:
            contact.is_verified = False
            contact.verification_code_hash = None
        contact.config = new
    if is_default is not None:
        contact.is_default = is_default
    contact.last_error = None
    contact.disabled_reason = None
    session.add(contact)
    session.commit()
    session.refresh(contact)
    return contact


def delete_contact(session: Session, contact: AlertContact) -> None:
    """Remove a contact, its place on monitors, its queued alerts and its
    delivery history."""
    for table, column in (
        (MonitorAlertContact, MonitorAlertContact.alert_contact_id),
        (NotificationOutbox, NotificationOutbox.contact_id),
        (Notification, Notification.contact_id),
    ):
        session.exec(delete(table).where(column == contact.id))
    session.delete(contact)
    session.commit()


def get_contact(
    session: Session, organization_id: str, contact_id: int
) -> AlertContact | None:
    contact = session.get(AlertContact, contact_id)
    if contact is None or contact.organization_id != organization_id:
        return None
    return contact


def list_contacts(session: Session, organization_id: str) -> list[AlertContact]:
    return list(
        session.exec(
            select(AlertContact)
            .where(AlertContact.organization_id == organization_id)
            .order_by(AlertContact.name, AlertContact.id)
        )
    )


# --- monitors and their contacts ----------------------------------------------


def attach_default_contacts(session: Session, monitor: Monitor) -> list[AlertContact]:
    """Put the organization's default contacts on a new monitor. Call it in
    the transaction that creates the monitor (after a flush gives it an id);
    the caller commits."""
    if monitor.id is None:
        session.flush()
    defaults = list(
        session.exec(
            select(AlertContact).where(
                AlertContact.organization_id == monitor.organization_id,
                AlertContact.is_default.is_(True),
            )
        )
    )
    existing = set(
        session.exec(
            select(MonitorAlertContact.alert_contact_id).where(
                MonitorAlertContact.monitor_id == monitor.id
            )
        )
    )
    for contact in defaults:
        if contact.id not in existing:
            session.add(
                MonitorAlertContact(monitor_id=monitor.id, alert_contact_id=contact.id)
            )
    session.flush()
    return defaults


def set_monitor_contacts(
    session: Session, monitor: Monitor, contact_ids: list[int]
) -> list[AlertContact]:
    """Replace a monitor's contact list; every contact must be of its
    organization."""
    wanted = sorted(set(contact_ids))
    contacts = list(
        session.exec(
            select(AlertContact).where(
                AlertContact.id.in_(wanted),
                AlertContact.organization_id == monitor.organization_id,
            )
        )
    )
    missing = set(wanted) - {c.id for c in contacts}
    if missing:
        raise ContactInvalid(
            "alert_contacts",
            f"no such contact: {', '.join(map(str, sorted(missing)))}",
        )
    session.exec(
        delete(MonitorAlertContact).where(MonitorAlertContact.monitor_id == monitor.id)
    )
    for contact in contacts:
        session.add(
            MonitorAlertContact(monitor_id=monitor.id, alert_contact_id=contact.id)
        )
    session.commit()
    return contacts


def monitor_contacts(session: Session, monitor: Monitor) -> list[AlertContact]:
    return list(
        session.exec(
            select(AlertContact)
            .join(
                MonitorAlertContact,
                MonitorAlertContact.alert_contact_id == AlertContact.id,
            )
            .where(MonitorAlertContact.monitor_id == monitor.id)
            .order_by(AlertContact.id)
        )
    )


def recipients(session: Session, monitor: Monitor) -> list[AlertContact]:
    """The monitor's contacts that receive alerts now: verified, and not
    stopped by a permanent failure."""
    return [
        c
        for c in monitor_contacts(session, monitor)
        if c.is_verified and not c.disabled_reason
    ]


# --- verification -----------------------------------------------------------


def _code_hash(contact: AlertContact, code: str, settings: Settings) -> str:
    key = (settings.secret_key or "isup-verification").encode()
    return hmac.new(key, f"{contact.id}:{code}".encode(), hashlib.sha256).hexdigest()


async def start_verification(
    session: Session,
    contact: AlertContact,
    *,
    settings: Settings | None = None,
    at: datetime | None = None,
):
    """Send a fresh code to an email, SMS or voice contact; only its hash is
    kept. Returns the channel's ``SendResult``."""
    from checker.channels import Message, deliver

    settings = settings or get_settings()
    if contact.type not in VERIFIED_BY_CODE:
        raise ContactInvalid("type", "this kind of contact needs no code")
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    at = at or now()
    contact.verification_code_hash = _code_hash(contact, code, settings)
    contact.verification_sent_at = at
    session.add(contact)
    session.commit()

    spaced = " ".join(code)
    message = Message(
        event="verification",
        subject=f"Your IsUp verification code is {code}",
        text=(
            f"Enter {code} in IsUp to receive alerts here. "
            f"The code expires in {settings.verification_code_minutes} minutes."
            if contact.type != ContactType.VOICE
            else f"Your IsUp code is {spaced}. Again: {spaced}."
        ),
        key=f"verify:{contact.id}:{int(at.timestamp())}",
    )
    result = await deliver(contact.type, contact.config, message, settings)
    _record(session, contact, "verification", message.key, result)
    return result


def confirm_verification(
    session: Session,
    contact: AlertContact,
    code: str,
    *,
    settings: Settings | None = None,
    at: datetime | None = None,
) -> bool:
    """Mark the contact verified if ``code`` is the one last sent and still
    fresh. A used code cannot be used again."""
    settings = settings or get_settings()
    at = at or now()
    if not contact.verification_code_hash or not contact.verification_sent_at:
        return False
    expires = contact.verification_sent_at + timedelta(
        minutes=settings.verification_code_minutes
    )
    if at > expires:
        return False
    given = _code_hash(contact, "".join((code or "").split()), settings)
    if not hmac.compare_digest(given, contact.verification_code_hash):
        return False
    contact.is_verified = True
    contact.verification_code_hash = None
    contact.disabled_reason = None
    contact.last_error = None
    session.add(contact)
    session.commit()
    logger.info("alert contact verified id=%s", contact.id)
    return True


# --- test messages ----------------------------------------------------------


async def send_test(
    session: Session,
    contact: AlertContact,
    *,
    settings: Settings | None = None,
    at: datetime | None = None,
):
    """Send a test alert now and record the attempt. A success clears a
    permanent failure shown on the contact. Returns the ``SendResult``."""
    from checker.channels import Message, SendResult, deliver

    settings = settings or get_settings()
    if not contact.is_verified:
        return SendResult.refused("verify this contact first")
    at = at or now()
    message = Message(
        event="test",
        subject="IsUp test alert",
        text=(
            f"This is a test alert for {contact.name}. "
            "When a monitor goes down, you will hear about it here."
        ),
        key=f"test:{contact.id}:{int(at.timestamp() * 1000)}",
        link=settings.public_url.rstrip("/") + "/contacts",
        data={"contact": {"id": contact.id, "name": contact.name}},
    )
    result = await deliver(contact.type, contact.config, message, settings)
    _record(session, contact, "test", message.key, result)
    return result


def _record(session: Session, contact: AlertContact, kind: str, key: str, result):
    session.add(
        Notification(
            contact_id=contact.id,
            organization_id=contact.organization_id,
            type=kind,
            event_key=key[:200],
            success=result.ok,
            permanent=result.permanent,
            error=result.reason or None,
        )
    )
    if result.ok:
        contact.last_error = None
        contact.disabled_reason = None
    else:
        contact.last_error = result.reason
    session.add(contact)
    session.commit()
