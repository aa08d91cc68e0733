"""Alert contacts: saving, default contacts, verification codes, test sends."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from isup_app.core.contacts import (
    ContactInvalid,
    attach_default_contacts,
    confirm_verification,
    create_contact,
    monitor_contacts,
    set_monitor_contacts,
    start_verification,
    update_contact,
)
from isup_app.core.models import Notification
from tests.factories import DEFAULT_ORG, make_monitor, make_org

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _contact(session, settings, kind, config, **fields):
    return create_contact(
        session,
        DEFAULT_ORG,
        name=fields.pop("name", f"{kind} contact"),
        type=kind,
        config=config,
        settings=settings,
        **fields,
    )


@pytest.mark.parametrize(
    ("kind", "config", "field"),
    [
        ("email", {"email": "not-an-address"}, "email"),
        ("email", {}, "email"),
        ("slack", {"webhook_url": "https://example.test/hook"}, "webhook_url"),
        ("discord", {"webhook_url": ""}, "webhook_url"),
        ("telegram", {"chat_id": "hello"}, "chat_id"),
        ("webhook", {"url": "ftp://example.test"}, "url"),
        ("webhook", {"url": "http://127.0.0.1/x", "secret": "short"}, "secret"),
        ("sms", {"phone_number": "0151 1234"}, "phone_number"),
        ("voice", {}, "phone_number"),
        ("pager", {}, "type"),
    ],
    ids=[
        "email-bad",
        "email-missing",
        "slack-elsewhere",
        "discord-empty",
        "telegram-chat",
        "webhook-scheme",
        "webhook-secret",
        "sms-number",
        "voice-missing",
        "unknown-type",
    ],
)
def test_bad_contact_is_refused_naming_the_field(
    session, settings, kind, config, field
):
    with pytest.raises(ContactInvalid) as err:
        _contact(session, settings, kind, config)

    assert err.value.field == field


def test_sms_without_twilio_settings_is_refused(session, smtp_settings):
    with pytest.raises(ContactInvalid) as err:
        _contact(session, smtp_settings, "sms", {"phone_number": "+14155550100"})

    assert err.value.field == "type"


def test_webhook_contact_gets_a_secret_when_none_is_given(session, settings):
    contact = _contact(session, settings, "webhook", {"url": "http://127.0.0.1:9/h"})

    assert len(contact.config["secret"]) >= 32
    assert contact.is_verified


def test_phone_number_is_stored_in_e164(session, settings):
    contact = _contact(session, settings, "sms", {"phone_number": "+1 (415) 555-0100"})

    assert contact.config == {"phone_number": "+14155550100"}
    assert not contact.is_verified


def test_new_monitor_gets_the_default_contacts_only(session, settings, slack):
    default = _contact(
        session, settings, "slack", {"webhook_url": slack.add_hook()}, is_default=True
    )
    _contact(session, settings, "slack", {"webhook_url": slack.add_hook()})
    monitor = make_monitor(session)

    attach_default_contacts(session, monitor)
    session.commit()

    assert [c.id for c in monitor_contacts(session, monitor)] == [default.id]


def test_monitor_contact_list_refuses_another_organizations_contact(
    session, settings, slack
):
    other = make_org(session)
    theirs = create_contact(
        session,
        other.id,
        name="theirs",
        type="slack",
        config={"webhook_url": slack.add_hook()},
        settings=settings,
    )
    monitor = make_monitor(session)

    with pytest.raises(ContactInvalid) as err:
        set_monitor_contacts(session, monitor, [theirs.id])

    assert err.value.field == "alert_contacts"


async def test_email_contact_is_verified_with_the_code_it_received(
    session, settings, resend_api
):
    contact = _contact(session, settings, "email", {"email": "ops@example.test"})

    result = await start_verification(session, contact, settings=settings, at=T0)
    code = re.search(r"\b(\d{6})\b", resend_api.sent[0]["subject"]).group(1)
    wrong = "000000" if code != "000000" else "111111"

    assert result.ok
    assert code not in (contact.verification_code_hash or "")
    assert not confirm_verification(session, contact, wrong, settings=settings, at=T0)
    assert confirm_verification(session, contact, code, settings=settings, at=T0)
    assert contact.is_verified
    assert not confirm_verification(session, contact, code, settings=settings, at=T0)


async def test_stale_code_is_refused(session, settings, twilio):
    contact = _contact(session, settings, "sms", {"phone_number": "+14155550100"})

    await start_verification(session, contact, settings=settings, at=T0)
    code = re.search(r"\b(\d{6})\b", twilio.messages()[0]["Body"]).group(1)
    late = T0 + timedelta(minutes=settings.verification_code_minutes + 1)

    assert not confirm_verification(session, contact, code, settings=settings, at=late)
    assert not contact.is_verified


async def test_voice_contact_hears_its_code(session, settings, twilio):
    contact = _contact(session, settings, "voice", {"phone_number": "+14155550101"})

    await start_verification(session, contact, settings=settings, at=T0)
    spoken = twilio.calls()[0]["Twiml"]
    code = "".join(re.search(r"code is ([\d ]+)\.", spoken).group(1).split())

    assert confirm_verification(session, contact, code, settings=settings, at=T0)


def test_changing_an_address_needs_a_new_verification(session, settings):
    contact = _contact(session, settings, "email", {"email": "ops@example.test"})
    contact.is_verified = True
    contact.disabled_reason = "Resend refused it (422)"

    update_contact(session, contact, config={"email": "new@example.test"})

    assert not contact.is_verified
    assert contact.disabled_reason is None
    assert contact.config["email"] == "new@example.test"


async def test_send_test_delivers_and_records_the_attempt(session, settings, telegram):
    from isup_app.core.contacts import send_test

    contact = _contact(session, settings, "telegram", {"chat_id": "4242"})

    result = await send_test(session, contact, settings=settings, at=T0)

    assert result.ok
    assert "IsUp test alert" in telegram.delivered[0].json()["text"]
    assert "http://isup.test/contacts" in telegram.delivered[0].json()["text"]
    row = session.exec(select(Notification)).one()
    assert (row.type, row.success, row.contact_id) == ("test", True, contact.id)


async def test_send_test_shows_a_refusal_on_the_contact(session, settings, discord):
    from isup_app.core.contacts import send_test

    contact = _contact(
        session,
        settings,
        "discord",
        {"webhook_url": discord.url + "/api/webhooks/1/gone"},
    )

    result = await send_test(session, contact, settings=settings, at=T0)

    assert result.permanent
    assert "Unknown Webhook" in contact.last_error
    row = session.exec(select(Notification)).one()
    assert row.permanent and not row.success


async def test_send_test_waits_for_verification(session, settings, resend_api):
    from isup_app.core.contacts import send_test

    contact = _contact(session, settings, "email", {"email": "ops@example.test"})

    result = await send_test(session, contact, settings=settings, at=T0)

    assert not result.ok
    assert resend_api.requests == []
