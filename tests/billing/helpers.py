"""Small helpers the billing tests share."""

import time

from sqlmodel import Session

from isup_app.core.models import Organization
from tests.factories import make_monitor
from tests.standins.stripe import StripeStandIn

ORG = "org_test"


def post_event(client, stripe_server: StripeStandIn, event: dict, timestamp=None):
    payload, header = stripe_server.signed(event, timestamp)
    return client.post(
        "/api/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def org(session: Session, organization_id: str = ORG) -> Organization:
    session.expire_all()
    return session.get(Organization, organization_id)


def subscribe(client, stripe_server: StripeStandIn, plan: str = "pro") -> str:
    """Check out ``plan`` for the test organization and deliver Stripe's
    events; returns the subscription id."""
    response = client.get("/billing/checkout", params={"plan": plan})
    assert response.status_code == 303, response.text
    checkout_id = response.headers["location"].rsplit("/", 1)[-1]
    for event in stripe_server.pay(checkout_id, created=int(time.time()) - 60):
        assert post_event(client, stripe_server, event).status_code == 200
    return stripe_server.checkouts[checkout_id]["subscription"]


def monitors(session: Session, count: int, **overrides) -> list:
    return [
        make_monitor(session, name=f"Monitor {n}", interval_seconds=300, **overrides)
        for n in range(count)
    ]
