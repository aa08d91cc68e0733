"""Checkout and the customer portal, against the local Stripe."""

from fastapi.testclient import TestClient

from isup_app.core import plans
from isup_app.core.models import RoleName
from tests.billing.conftest import owner_cookies, whole_api
from tests.billing.helpers import org, subscribe


def test_checkout_redirects_to_a_subscription_checkout_for_the_plan(
    client, stripe_server, session
):
    response = client.get("/billing/checkout", params={"plan": "pro"})

    assert response.status_code == 303
    checkout = stripe_server.checkouts[response.headers["location"].rsplit("/", 1)[1]]
    assert checkout["mode"] == "subscription"
    assert checkout["line_items"] == [{"price": "price_isup_pro", "quantity": "1"}]
    assert checkout["client_reference_id"] == "org_test"
    assert checkout["success_url"] == (
        f"http://127.0.0.1:9/isup/billing/return?session_id={checkout['id']}"
    )
    assert checkout["cancel_url"].endswith("/settings/billing?checkout=cancelled")
    assert checkout["customer"] == org(session).stripe_customer_id


def test_checkout_reuses_the_organization_customer(client, stripe_server):
    client.get("/billing/checkout", params={"plan": "pro"})
    client.get("/billing/checkout", params={"plan": "business"})

    assert len(stripe_server.customers) == 1
    customers = {c["customer"] for c in stripe_server.checkouts.values()}
    assert customers == set(stripe_server.customers)


def test_checkout_for_an_unknown_plan_is_refused(client, stripe_server):
    response = client.get("/billing/checkout", params={"plan": "gold"})

    assert response.status_code == 400
    assert stripe_server.checkouts == {}


def test_free_plan_cannot_be_bought(client, stripe_server):
    response = client.get("/billing/checkout", params={"plan": plans.FREE})

    assert response.status_code == 400


def test_paying_organization_is_sent_to_the_portal_to_change_plans(
    client, stripe_server
):
    subscribe(client, stripe_server)

    response = client.get("/billing/checkout", params={"plan": "business"})

    assert response.status_code == 303
    assert "/portal/" in response.headers["location"]
    assert len(stripe_server.checkouts) == 1


def test_portal_redirects_to_the_customer_portal(client, stripe_server, session):
    subscribe(client, stripe_server)

    response = client.get("/billing/portal")

    assert response.status_code == 303
    portal = stripe_server.portals[response.headers["location"].rsplit("/", 1)[1]]
    assert portal["customer"] == org(session).stripe_customer_id
    assert portal["return_url"] == "http://127.0.0.1:9/isup/settings/billing"


def test_portal_without_a_billing_account_is_refused(client, stripe_server):
    response = client.get("/billing/portal")

    assert response.status_code == 400
    assert stripe_server.portals == {}


def test_checkout_is_not_served_without_stripe_settings(self_hosted_settings, session):
    with TestClient(
        whole_api(), follow_redirects=False, cookies=owner_cookies(session)
    ) as client:
        response = client.get("/billing/checkout", params={"plan": "pro"})

    assert response.status_code == 404


def test_checkout_needs_a_signed_in_person(billing_settings, stripe_server):
    with TestClient(whole_api(), follow_redirects=False) as client:
        response = client.get("/billing/checkout", params={"plan": "pro"})

    assert response.status_code == 302
    assert response.headers["location"].startswith("/sign-in")
    assert stripe_server.checkouts == {}


def test_checkout_is_for_the_owner_only(billing_settings, stripe_server, session):
    cookies = owner_cookies(session, role=RoleName.ADMIN)
    with TestClient(whole_api(), follow_redirects=False, cookies=cookies) as client:
        response = client.get("/billing/checkout", params={"plan": "pro"})

    assert response.status_code == 403
    assert stripe_server.checkouts == {}
