"""The Stripe webhook: signatures, replays, disorder, and what each event does."""

import time

import httpx
from fastapi.testclient import TestClient
from sqlmodel import select

from isup_app.core import plans
from isup_app.core.models import Monitor, MonitorStatus, StripeEvent
from tests.billing.conftest import (
    PRICE_BUSINESS,
    PUBLIC_URL,
    owner_cookies,
    whole_api,
)
from tests.billing.helpers import ORG, monitors, org, post_event, subscribe


def test_whole_upgrade_through_checkout_changes_limits_at_once(
    served, stripe_server, session
):
    assert plans.entitlement(session, ORG).plan == plans.FREE

    with httpx.Client(base_url=served, cookies=owner_cookies(session)) as browser:
        to_stripe = browser.get("/billing/checkout", params={"plan": "pro"})
        assert to_stripe.status_code == 303
        assert to_stripe.headers["location"].startswith(stripe_server.url + "/pay/")
        back = browser.get(to_stripe.headers["location"])

    assert back.status_code == 303
    assert back.headers["location"].startswith(served + "/billing/return?")
    assert [status for _, status in stripe_server.delivered] == [200, 200]
    granted = plans.entitlement(session, ORG)
    assert granted.plan == plans.PRO
    assert granted.limits == plans.Limits(
        monitors=50, interval_min=60, retention_days=365
    )
    assert granted.features == {"isup.access", "isup.api", "isup.status_pages"}
    assert org(session).subscription_status == "active"


def test_returning_from_checkout_applies_the_plan_before_any_webhook(
    client, stripe_server, session
):
    to_stripe = client.get("/billing/checkout", params={"plan": "business"})
    back = httpx.get(to_stripe.headers["location"])  # pays; no webhook arrives
    assert org(session).plan == plans.FREE

    landing = client.get(back.headers["location"].removeprefix(PUBLIC_URL))

    assert landing.status_code == 303
    assert landing.headers["location"] == (
        PUBLIC_URL + "/settings/billing?checkout=success"
    )
    assert org(session).plan == plans.BUSINESS
    assert stripe_server.delivered == []


def test_webhook_arriving_after_the_return_changes_nothing_more(
    client, stripe_server, session
):
    to_stripe = client.get("/billing/checkout", params={"plan": "pro"})
    checkout_id = to_stripe.headers["location"].rsplit("/", 1)[1]
    events = stripe_server.pay(checkout_id, created=int(time.time()) - 5)
    client.get("/billing/return", params={"session_id": checkout_id})
    client.get("/billing/return", params={"session_id": checkout_id})

    answers = [post_event(client, stripe_server, event).json() for event in events]

    assert [answer["applied"] for answer in answers] == [False, False]
    assert org(session).plan == plans.PRO


def test_returning_with_another_organizations_checkout_changes_nothing(
    client, stripe_server, session
):
    to_stripe = client.get("/billing/checkout", params={"plan": "pro"})
    checkout_id = to_stripe.headers["location"].rsplit("/", 1)[1]
    stripe_server.pay(checkout_id)
    stripe_server.checkouts[checkout_id]["client_reference_id"] = "org_other"

    landing = client.get("/billing/return", params={"session_id": checkout_id})

    assert landing.headers["location"].endswith("?checkout=pending")
    assert org(session).plan == plans.FREE


def test_webhook_is_retried_when_stripe_cannot_be_reached(
    client, stripe_server, session
):
    to_stripe = client.get("/billing/checkout", params={"plan": "pro"})
    checkout_id = to_stripe.headers["location"].rsplit("/", 1)[1]
    created, completed = stripe_server.pay(checkout_id)
    subscription = stripe_server.subscriptions.pop(
        completed["data"]["object"]["subscription"]
    )

    refused = post_event(client, stripe_server, completed)
    stripe_server.subscriptions[subscription["id"]] = subscription
    retried = post_event(client, stripe_server, completed)

    assert refused.status_code == 503
    assert retried.json()["applied"] is True
    assert org(session).plan == plans.PRO


def test_cancellation_returns_to_free_and_pauses_newest_monitors_over_the_limit(
    client, stripe_server, session
):
    subscription = subscribe(client, stripe_server)
    made = monitors(session, 8)
    fast = made[0]
    fast.interval_seconds = 60
    session.add(fast)
    session.commit()

    response = post_event(client, stripe_server, stripe_server.cancel(subscription))

    assert response.status_code == 200
    assert plans.entitlement(session, ORG).plan == plans.FREE
    session.expire_all()
    rows = session.exec(select(Monitor).order_by(Monitor.id)).all()
    assert len(rows) == 8
    assert [m.status for m in rows] == [MonitorStatus.ACTIVE] * 5 + [
        MonitorStatus.PAUSED
    ] * 3
    assert rows[0].interval_seconds == 300


def test_replayed_event_changes_nothing(client, stripe_server, session):
    subscription = subscribe(client, stripe_server)
    cancel = stripe_server.cancel(subscription)
    assert post_event(client, stripe_server, cancel).json()["applied"] is True
    # Back on pro through a newer event, then the old cancellation again.
    newer = stripe_server.update(
        subscription, status="active", created=cancel["created"] + 10
    )
    assert post_event(client, stripe_server, newer).json()["applied"] is True

    again = post_event(client, stripe_server, cancel)

    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert org(session).plan == plans.PRO
    assert (
        len(
            session.exec(
                select(StripeEvent).where(StripeEvent.id == cancel["id"])
            ).all()
        )
        == 1
    )


def test_tampered_payload_is_refused(client, stripe_server, session):
    subscription = subscribe(client, stripe_server)
    event = stripe_server.cancel(subscription)
    payload, header = stripe_server.signed(event)
    tampered = payload.replace('"canceled"', '"active"', 1)

    response = client.post(
        "/api/webhooks/stripe", content=tampered, headers={"Stripe-Signature": header}
    )

    assert response.status_code == 400
    assert org(session).plan == plans.PRO


def test_signature_made_with_another_secret_is_refused(client, stripe_server, session):
    event = stripe_server.event("customer.subscription.deleted", {"id": "sub_x"})
    stripe_server.webhook_secret = "whsec_someone_else"

    response = post_event(client, stripe_server, event)

    assert response.status_code == 400
    assert session.get(StripeEvent, event["id"]) is None


def test_missing_signature_is_refused(client, stripe_server):
    event = stripe_server.event("customer.subscription.deleted", {"id": "sub_x"})
    payload, _ = stripe_server.signed(event)

    response = client.post("/api/webhooks/stripe", content=payload)

    assert response.status_code == 400


def test_stale_signature_is_refused(client, stripe_server, session):
    subscription = subscribe(client, stripe_server)
    event = stripe_server.cancel(subscription)

    response = post_event(
        client, stripe_server, event, timestamp=int(time.time()) - 301
    )

    assert response.status_code == 400
    assert "tolerance" in response.json()["detail"]
    assert org(session).plan == plans.PRO


def test_older_event_arriving_late_leaves_the_newest_state(
    client, stripe_server, session
):
    subscription = subscribe(client, stripe_server)
    now = int(time.time())
    upgrade = stripe_server.update(subscription, price=PRICE_BUSINESS, created=now - 30)
    cancel = stripe_server.cancel(subscription, created=now)

    post_event(client, stripe_server, cancel)
    late = post_event(client, stripe_server, upgrade)

    assert late.json() == {"received": True, "duplicate": False, "applied": False}
    assert org(session).plan == plans.FREE
    assert org(session).subscription_status == "canceled"


def test_events_in_one_second_keep_the_later_state_of_the_subscription(
    client, stripe_server, session
):
    subscription = subscribe(client, stripe_server)
    now = int(time.time())
    cancel = stripe_server.cancel(subscription, created=now)
    active = stripe_server.update(subscription, status="active", created=now)

    post_event(client, stripe_server, cancel)
    post_event(client, stripe_server, active)

    assert org(session).plan == plans.FREE


def test_ending_an_old_subscription_keeps_the_new_one(client, stripe_server, session):
    first = subscribe(client, stripe_server)
    now = int(time.time())
    customer = org(session).stripe_customer_id
    # A second subscription, then the first one ends.
    second = stripe_server.subscribe(
        customer, PRICE_BUSINESS, metadata={"organization_id": ORG}, created=now - 5
    )
    post_event(client, stripe_server, second)

    response = post_event(client, stripe_server, stripe_server.cancel(first))

    assert response.json()["applied"] is False
    assert org(session).plan == plans.BUSINESS
    assert org(session).stripe_subscription_id == second["data"]["object"]["id"]


def test_payment_failure_keeps_the_plan_and_marks_the_subscription_past_due(
    client, stripe_server, session
):
    subscription = subscribe(client, stripe_server)

    response = post_event(
        client, stripe_server, stripe_server.fail_payment(subscription)
    )

    assert response.json()["applied"] is True
    assert org(session).plan == plans.PRO
    assert org(session).subscription_status == "past_due"


def test_unpaid_subscription_falls_back_to_free(client, stripe_server, session):
    subscription = subscribe(client, stripe_server)

    post_event(
        client, stripe_server, stripe_server.update(subscription, status="unpaid")
    )

    assert org(session).plan == plans.FREE


def test_upgrade_to_business_through_the_subscription_update(
    client, stripe_server, session
):
    subscription = subscribe(client, stripe_server)

    post_event(
        client, stripe_server, stripe_server.update(subscription, price=PRICE_BUSINESS)
    )

    assert plans.entitlement(session, ORG).limits.monitors == 500


def test_event_for_an_unknown_customer_is_recorded_and_ignored(
    client, stripe_server, session
):
    event = stripe_server.event(
        "customer.subscription.updated",
        {"id": "sub_nobody", "customer": "cus_nobody", "status": "active"},
    )

    response = post_event(client, stripe_server, event)

    assert response.json()["applied"] is False
    assert session.get(StripeEvent, event["id"]) is not None
    assert org(session).plan == plans.FREE


def test_webhook_is_not_served_without_stripe_settings(
    self_hosted_settings, stripe_server
):
    with TestClient(whole_api()) as client:
        event = stripe_server.event("customer.subscription.deleted", {"id": "sub"})
        response = post_event(client, stripe_server, event)

    assert response.status_code == 404
