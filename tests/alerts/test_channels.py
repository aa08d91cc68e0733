"""Each channel against a local server that speaks its provider's API."""

import pytest

from checker.channels import Message, deliver
from checker.channels.base import ConfigError
from checker.channels.slack import validate as validate_slack
from tests.standins.smtp import free_port
from tests.standins.webhook_http import Reply


def _message(event="down") -> Message:
    return Message(
        event=event,
        subject="Website is down",
        text="Website is down since 2026-03-01 10:00:00 UTC.\nWhy: status 503",
        key=f"inc:1:{event}:c1",
        link="http://isup.test/monitors/1",
        data={"monitor": {"id": 1, "name": "Website"}},
    )


async def test_slack_message_reaches_the_hook(settings, slack):
    url = slack.add_hook()

    result = await deliver("slack", {"webhook_url": url}, _message(), settings)

    assert result.ok
    body = slack.delivered[0].json()
    assert "Website is down" in body["text"]
    assert "http://isup.test/monitors/1" in str(body["blocks"])


@pytest.mark.parametrize(
    ("archived", "reason"),
    [(False, "404: no_service"), (True, "410: channel_is_archived")],
    ids=["unknown-hook", "archived-channel"],
)
async def test_slack_gone_hook_is_a_permanent_failure(
    settings, slack, archived, reason
):
    url = slack.add_hook(archived=True) if archived else slack.url + "/services/T/B/x"

    result = await deliver("slack", {"webhook_url": url}, _message(), settings)

    assert not result.ok and result.permanent
    assert reason in result.reason


async def test_slack_server_error_is_transient(settings, slack):
    url = slack.add_hook()
    slack.fail_next(Reply.text(503, "service unavailable"))

    result = await deliver("slack", {"webhook_url": url}, _message(), settings)

    assert not result.ok and not result.permanent
    assert "503" in result.reason


async def test_discord_message_carries_an_embed_with_the_link(settings, discord):
    url = discord.add_webhook()

    result = await deliver("discord", {"webhook_url": url}, _message(), settings)

    assert result.ok
    embed = discord.delivered[0].json()["embeds"][0]
    assert embed["title"] == "Website is down"
    assert embed["url"] == "http://isup.test/monitors/1"


async def test_discord_unknown_webhook_is_permanent(settings, discord):
    url = discord.url + "/api/webhooks/999/nope"

    result = await deliver("discord", {"webhook_url": url}, _message(), settings)

    assert result.permanent
    assert "Unknown Webhook" in result.reason


async def test_discord_rate_limit_is_transient_with_its_delay(settings, discord):
    url = discord.add_webhook()
    discord.fail_next(
        Reply.json(429, {"message": "You are being rate limited.", "retry_after": 2})
    )
    discord.fail_next(Reply(429, b"{}", headers={"Retry-After": "2"}))

    await deliver("discord", {"webhook_url": url}, _message(), settings)
    result = await deliver("discord", {"webhook_url": url}, _message(), settings)

    assert not result.ok and not result.permanent
    assert result.retry_after == 2


async def test_telegram_message_reaches_the_chat(settings, telegram):
    result = await deliver("telegram", {"chat_id": "4242"}, _message(), settings)

    assert result.ok
    sent = telegram.delivered[0].json()
    assert sent["chat_id"] == "4242"
    assert "Why: status 503" in sent["text"]


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"chat_id": "777"}, "chat not found"),
        ({"chat_id": "4242", "bot_token": "1:WRONG"}, "Unauthorized"),
    ],
    ids=["unknown-chat", "invalid-token"],
)
async def test_telegram_refusals_are_permanent(settings, telegram, config, reason):
    result = await deliver("telegram", config, _message(), settings)

    assert result.permanent
    assert reason in result.reason


async def test_telegram_rate_limit_is_transient(settings, telegram):
    telegram.fail_next(
        Reply.json(
            429,
            {"ok": False, "error_code": 429, "parameters": {"retry_after": 7}},
        )
    )

    result = await deliver("telegram", {"chat_id": "4242"}, _message(), settings)

    assert not result.ok and not result.permanent
    assert result.retry_after == 7


async def test_sms_goes_through_twilio_messages(settings, twilio):
    result = await deliver(
        "sms", {"phone_number": "+14155550100"}, _message(), settings
    )

    assert result.ok and result.provider_id.startswith("SM")
    sent = twilio.messages()[0]
    assert sent["To"] == "+14155550100"
    assert sent["From"] == "+15005550006"
    assert "Website is down" in sent["Body"]


async def test_voice_call_reads_the_alert(settings, twilio):
    result = await deliver(
        "voice", {"phone_number": "+14155550101"}, _message(), settings
    )

    assert result.ok and result.provider_id.startswith("CA")
    assert "<Say>Website is down." in twilio.calls()[0]["Twiml"]


async def test_twilio_rejected_number_is_permanent(settings, twilio):
    twilio.rejected.add("+14155550199")

    result = await deliver(
        "sms", {"phone_number": "+14155550199"}, _message(), settings
    )

    assert result.permanent
    assert "21211" in result.reason


async def test_twilio_wrong_token_is_permanent(settings, twilio):
    wrong = settings.model_copy(update={"twilio_auth_token": "nope"})

    result = await deliver("sms", {"phone_number": "+14155550100"}, _message(), wrong)

    assert result.permanent
    assert "20003" in result.reason


async def test_twilio_server_error_is_transient(settings, twilio):
    twilio.fail_next(Reply.json(500, {"code": 20500, "message": "Internal"}))

    result = await deliver(
        "sms", {"phone_number": "+14155550100"}, _message(), settings
    )

    assert not result.ok and not result.permanent


async def test_email_goes_through_resend_with_the_idempotency_key(settings, resend_api):
    message = _message()

    first = await deliver("email", {"email": "ops@example.test"}, message, settings)
    again = await deliver("email", {"email": "ops@example.test"}, message, settings)

    assert first.ok and again.ok
    assert first.provider_id == again.provider_id
    assert len(resend_api.sent) == 1
    request = resend_api.delivered[0]
    assert request.headers["idempotency-key"] == message.key
    assert resend_api.sent[0]["to"] == ["ops@example.test"]
    assert resend_api.sent[0]["subject"] == "Website is down"


async def test_resend_invalid_address_is_permanent(settings, resend_api):
    resend_api.bounced.add("bad@example.test")

    result = await deliver("email", {"email": "bad@example.test"}, _message(), settings)

    assert result.permanent
    assert "422" in result.reason


async def test_resend_invalid_key_is_permanent(settings, resend_api):
    wrong = settings.model_copy(update={"resend_api_key": "re_wrong"})

    result = await deliver("email", {"email": "ops@example.test"}, _message(), wrong)

    assert result.permanent
    assert "403" in result.reason


async def test_resend_server_error_is_transient(settings, resend_api):
    resend_api.fail_next(
        Reply.json(
            500, {"statusCode": 500, "name": "internal_server_error", "message": "x"}
        )
    )

    result = await deliver("email", {"email": "ops@example.test"}, _message(), settings)

    assert not result.ok and not result.permanent


async def test_email_goes_through_smtp_without_a_resend_key(smtp_settings, smtp_sink):
    result = await deliver(
        "email", {"email": "ops@example.test"}, _message(), smtp_settings
    )

    assert result.ok
    mail = smtp_sink.wait_for(1)[0]
    assert mail["Subject"] == "Website is down"
    assert mail["To"] == "ops@example.test"
    assert mail["X-IsUp-Delivery"] == "inc:1:down:c1"
    assert "http://isup.test/monitors/1" in mail.get_content()


async def test_smtp_rejected_recipient_is_permanent(smtp_settings, smtp_sink):
    smtp_sink.rejected.add("gone@example.test")

    result = await deliver(
        "email", {"email": "gone@example.test"}, _message(), smtp_settings
    )

    assert result.permanent
    assert "550" in result.reason


async def test_smtp_server_that_is_not_there_is_transient(smtp_settings):
    nowhere = smtp_settings.model_copy(update={"smtp_port": free_port()})

    result = await deliver("email", {"email": "ops@example.test"}, _message(), nowhere)

    assert not result.ok and not result.permanent


async def test_webhook_is_signed_and_the_receiver_accepts_it(settings, receiver):
    config = {"url": receiver.url + "/hook", "secret": receiver.secret}

    result = await deliver("webhook", config, _message(), settings)

    assert result.ok
    request = receiver.delivered[0]
    assert request.json()["event"] == "down"
    assert request.json()["link"] == "http://isup.test/monitors/1"
    assert request.headers["x-isup-delivery"] == "inc:1:down:c1"
    assert request.headers["user-agent"].startswith("IsUp/")


async def test_webhook_with_the_wrong_secret_is_refused(settings, receiver):
    config = {"url": receiver.url + "/hook", "secret": "not-the-receivers-secret"}

    result = await deliver("webhook", config, _message(), settings)

    assert result.permanent
    assert receiver.bad_signatures == 1


async def test_webhook_gone_is_permanent_and_503_is_transient(settings, receiver):
    receiver.gone_paths.add("/old")
    gone = {"url": receiver.url + "/old", "secret": receiver.secret}
    live = {"url": receiver.url + "/hook", "secret": receiver.secret}

    assert (await deliver("webhook", gone, _message(), settings)).permanent
    receiver.fail_next(Reply.json(503, {}))
    busy = await deliver("webhook", live, _message(), settings)
    assert not busy.ok and not busy.permanent


async def test_webhook_nobody_listening_is_transient(settings, receiver):
    config = {"url": receiver.url + "/hook", "secret": receiver.secret}
    receiver.stop()

    result = await deliver("webhook", config, _message(), settings)

    assert not result.ok and not result.permanent
    assert "could not be reached" in result.reason


def test_slack_url_elsewhere_is_refused_naming_the_field(settings):
    with pytest.raises(ConfigError) as err:
        validate_slack({"webhook_url": "https://evil.test/hook"}, settings)

    assert err.value.field == "webhook_url"
