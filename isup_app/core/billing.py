"""Stripe inside IsUp: checkout, the customer portal, and the signed webhook.

Everything here needs the Stripe settings (``ISUP_STRIPE_SECRET_KEY`` and
friends); without them IsUp is self-hosted with one unlimited plan and these
functions raise ``BillingNotConfigured``.

The webhook is the only thing that changes an organization's plan. It is
idempotent (each event id is stored in ``stripe_events`` in the same
transaction as the change it made, so a replay finds it and changes nothing)
and tolerant of disorder: every subscription state that is applied is
remembered with the event's ``created`` time, and an event older than the
newest state already seen for its subscription is recorded but not applied.
Within one second (Stripe's resolution), the later state of a subscription's
life wins (``incomplete`` < ``active`` < ``unpaid`` < ``canceled``).
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import stripe
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from isup_app.core import plans
from isup_app.core.models import Organization, StripeEvent
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# Subscription statuses in which the customer keeps the plan they pay for.
# past_due: Stripe is still retrying the payment.
LIVE = frozenset({"active", "trialing", "past_due"})
STATUS_ORDER = {
    "incomplete": 0,
    "trialing": 1,
    "active": 1,
    "past_due": 1,
    "paused": 2,
    "unpaid": 2,
    "canceled": 3,
    "incomplete_expired": 3,
}


class BillingError(Exception):
    """A billing request IsUp refuses; the message is for the user."""


class BillingNotConfigured(BillingError):
    def __init__(self):
        super().__init__("billing is not configured on this install")


class InvalidWebhook(BillingError):
    """A webhook whose signature, age or body is not acceptable."""


def stripe_client(settings: Settings | None = None) -> stripe.StripeClient:
    settings = settings or get_settings()
    if not plans.billing_enabled(settings):
        raise BillingNotConfigured()
    base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    return stripe.StripeClient(settings.stripe_secret_key, base_addresses=base)


def _billing_url(settings: Settings, query: str = "") -> str:
    return settings.public_url.rstrip("/") + "/settings/billing" + query


# --- checkout and portal --------------------------------------------------------


def _organization(session: Session, organization_id: str) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise LookupError(f"no organization {organization_id}")
    return org


def _customer_id(
    session: Session, org: Organization, client: stripe.StripeClient
) -> str:
    """The organization's Stripe customer, created on its first checkout."""
    if org.stripe_customer_id:
        return org.stripe_customer_id
    # The idempotency key makes two checkouts started at once share one
    # customer instead of leaving an orphan behind.
    customer = client.v1.customers.create(
        params={"name": org.name, "metadata": {"organization_id": org.id}},
        options={"idempotency_key": f"isup-customer-{org.id}"},
    )
    org.stripe_customer_id = customer.id
    session.add(org)
    session.commit()
    logger.info("stripe customer created org=%s customer=%s", org.id, customer.id)
    return customer.id


def checkout_url(
    session: Session,
    organization_id: str,
    plan_id: str,
    *,
    settings: Settings | None = None,
    client: stripe.StripeClient | None = None,
) -> str:
    """Where to send the browser to buy ``plan_id``: a Stripe Checkout page
    in subscription mode, or the customer portal for an organization that
    already pays (plans are changed there, not by a second subscription)."""
    settings = settings or get_settings()
    client = client or stripe_client(settings)
    plan = plans.PLANS.get(plan_id)
    price = plan.price_id(settings) if plan else ""
    if not price:
        raise BillingError(f"there is no plan {plan_id!r} for sale")
    org = _organization(session, organization_id)

    if org.stripe_subscription_id and org.subscription_status in LIVE:
        return portal_url(session, organization_id, settings=settings, client=client)

    customer = _customer_id(session, org, client)
    metadata = {"organization_id": org.id, "plan": plan.id}
    checkout = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer,
            "client_reference_id": org.id,
            "line_items": [{"price": price, "quantity": 1}],
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": settings.public_url.rstrip("/")
            + "/billing/return?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": _billing_url(settings, "?checkout=cancelled"),
        }
    )
    logger.info(
        "checkout started org=%s plan=%s session=%s", org.id, plan.id, checkout.id
    )
    return checkout.url


def portal_url(
    session: Session,
    organization_id: str,
    *,
    settings: Settings | None = None,
    client: stripe.StripeClient | None = None,
) -> str:
    """A Stripe customer portal session for the organization."""
    settings = settings or get_settings()
    client = client or stripe_client(settings)
    org = _organization(session, organization_id)
    if not org.stripe_customer_id:
        raise BillingError("this organization has no billing account yet")
    portal = client.v1.billing_portal.sessions.create(
        params={
            "customer": org.stripe_customer_id,
            "return_url": _billing_url(settings),
        }
    )
    return portal.url


def sync_checkout(
    session: Session,
    organization_id: str,
    checkout_id: str,
    *,
    settings: Settings | None = None,
    client: stripe.StripeClient | None = None,
    redis=None,
    now: datetime | None = None,
) -> "Handled":
    """Apply a finished checkout when the customer returns from it, without
    waiting for the webhook (which then finds the same state).

    It goes through ``handle_event`` as a ``checkout.session.completed``
    stamped ``now`` with the id ``sync_<checkout id>``: the subscription's
    state is read from Stripe at that moment, and a reload changes nothing.
    """
    settings = settings or get_settings()
    client = client or stripe_client(settings)
    now = now or datetime.now(UTC)
    checkout = client.v1.checkout.sessions.retrieve(checkout_id).to_dict()
    if checkout.get("client_reference_id") != organization_id:
        raise BillingError("this checkout belongs to another organization")
    event = {
        "id": f"sync_{checkout_id}",
        "type": "checkout.session.completed",
        "created": int(now.timestamp()),
        "data": {"object": checkout},
    }
    if checkout.get("status") != "complete":
        return Handled(event_id=event["id"], type=event["type"])
    return handle_event(session, event, settings=settings, client=client, redis=redis)


# --- webhook --------------------------------------------------------------------


def verify_event(
    payload: bytes,
    signature: str | None,
    *,
    settings: Settings | None = None,
    client: stripe.StripeClient | None = None,
) -> dict:
    """The event in ``payload`` if ``signature`` is Stripe's and recent
    (five minutes), else ``InvalidWebhook``."""
    settings = settings or get_settings()
    client = client or stripe_client(settings)
    if not settings.stripe_webhook_secret:
        raise InvalidWebhook("no webhook secret is configured")
    try:
        client.construct_event(payload, signature, settings.stripe_webhook_secret)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(f"signature refused: {exc.user_message}") from exc
    except ValueError as exc:
        raise InvalidWebhook("body is not a Stripe event") from exc
    return json.loads(payload)


@dataclass
class Handled:
    event_id: str
    type: str
    duplicate: bool = False
    applied: bool = False
    organization_id: str | None = None
    plan: str | None = None
    enforcement: plans.Enforcement = field(default_factory=plans.Enforcement)


def handle_event(
    session: Session,
    event: dict,
    *,
    settings: Settings | None = None,
    client: stripe.StripeClient | None = None,
    redis=None,
) -> Handled:
    """Apply one verified event and record it, in one transaction."""
    settings = settings or get_settings()
    handled = Handled(event_id=event["id"], type=event["type"])
    if session.get(StripeEvent, event["id"]) is not None:
        handled.duplicate = True
        logger.info("stripe event replayed id=%s type=%s", event["id"], event["type"])
        return handled

    record = StripeEvent(
        id=event["id"],
        type=event["type"],
        created=datetime.fromtimestamp(event["created"], UTC),
    )
    handler = _HANDLERS.get(event["type"])
    if handler is not None:
        handler(session, event["data"]["object"], record, handled, settings, client)
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        # The same event, delivered twice at once, committed by the other.
        session.rollback()
        return Handled(event_id=event["id"], type=event["type"], duplicate=True)

    logger.info(
        "stripe event handled id=%s type=%s org=%s applied=%s plan=%s",
        record.id,
        record.type,
        record.organization_id,
        record.applied,
        handled.plan,
    )
    plans.announce(redis, handled.enforcement)
    return handled


def _find_organization(
    session: Session, metadata: dict | None, customer: str | None
) -> Organization | None:
    org_id = (metadata or {}).get("organization_id")
    if org_id:
        org = session.get(Organization, org_id)
        if org is not None:
            return org
    if customer:
        return session.exec(
            select(Organization).where(Organization.stripe_customer_id == customer)
        ).first()
    return None


def _price_of(subscription: dict) -> str | None:
    items = (subscription.get("items") or {}).get("data") or []
    if not items:
        return None
    return (items[0].get("price") or {}).get("id")


def _is_stale(session: Session, subscription_id: str, at: datetime, status: str):
    """Whether a newer state of this subscription was already recorded."""
    seen = session.exec(
        select(StripeEvent).where(
            StripeEvent.subscription_id == subscription_id,
            StripeEvent.created >= at,
        )
    ).all()
    incoming = (at, STATUS_ORDER.get(status, 1))
    return any(
        (row.created, STATUS_ORDER.get(row.subscription_status or "", 1)) > incoming
        for row in seen
    )


def _apply_state(
    session: Session,
    org: Organization,
    *,
    subscription_id: str,
    status: str,
    price_id: str | None,
    customer: str | None,
    record: StripeEvent,
    handled: Handled,
    settings: Settings,
) -> None:
    """Put ``org`` on the plan of this subscription state, if it is newest."""
    record.organization_id = org.id
    record.subscription_id = subscription_id
    record.subscription_status = status
    handled.organization_id = org.id
    if customer and not org.stripe_customer_id:
        org.stripe_customer_id = customer

    if _is_stale(session, subscription_id, record.created, status):
        logger.info(
            "stripe event older than the subscription's state id=%s sub=%s",
            record.id,
            subscription_id,
        )
        return
    current = org.stripe_subscription_id
    if current and current != subscription_id and status not in LIVE:
        # An old subscription ending does not touch the one in force.
        return

    if status in LIVE:
        plan = plans.plan_for_price(price_id, settings) if price_id else None
        if plan is None and price_id:
            logger.warning(
                "subscription price matches no plan sub=%s price=%s",
                subscription_id,
                price_id,
            )
        new_plan = plan.id if plan else org.plan
    else:
        new_plan = plans.FREE

    previous = org.plan
    org.plan = new_plan
    org.stripe_subscription_id = subscription_id
    org.subscription_status = status
    org.subscription_updated_at = record.created
    org.updated_at = datetime.now(UTC)
    session.add(org)
    record.applied = True
    handled.applied = True
    handled.plan = new_plan
    handled.enforcement = plans.enforce_limits(session, org.id, settings=settings)
    if previous != new_plan:
        logger.info(
            "plan changed org=%s from=%s to=%s status=%s",
            org.id,
            previous,
            new_plan,
            status,
        )


def _on_subscription(session, subscription, record, handled, settings, client):
    org = _find_organization(
        session, subscription.get("metadata"), subscription.get("customer")
    )
    if org is None:
        logger.warning("subscription for no known organization id=%s", record.id)
        return
    status = subscription["status"]
    if record.type == "customer.subscription.deleted":
        status = "canceled"
    _apply_state(
        session,
        org,
        subscription_id=subscription["id"],
        status=status,
        price_id=_price_of(subscription),
        customer=subscription.get("customer"),
        record=record,
        handled=handled,
        settings=settings,
    )


def _on_checkout_completed(session, checkout, record, handled, settings, client):
    metadata = dict(checkout.get("metadata") or {})
    if checkout.get("client_reference_id"):
        metadata.setdefault("organization_id", checkout["client_reference_id"])
    org = _find_organization(session, metadata, checkout.get("customer"))
    if org is None or checkout.get("mode") != "subscription":
        logger.warning("checkout for no known organization id=%s", record.id)
        return
    subscription_id = checkout.get("subscription")
    if not subscription_id:
        return
    # The checkout session does not carry the subscription's state; ask
    # Stripe for it, so that the plan changes now rather than at the next
    # subscription event.
    client = client or stripe_client(settings)
    subscription = client.v1.subscriptions.retrieve(subscription_id).to_dict()
    _apply_state(
        session,
        org,
        subscription_id=subscription_id,
        status=subscription["status"],
        price_id=_price_of(subscription),
        customer=checkout.get("customer"),
        record=record,
        handled=handled,
        settings=settings,
    )


def _invoice_subscription(invoice: dict) -> str | None:
    # API versions from 2025-03 moved it under parent.subscription_details.
    if invoice.get("subscription"):
        return invoice["subscription"]
    parent = invoice.get("parent") or {}
    return (parent.get("subscription_details") or {}).get("subscription")


def _on_payment_failed(session, invoice, record, handled, settings, client):
    subscription_id = _invoice_subscription(invoice)
    org = _find_organization(session, None, invoice.get("customer"))
    if org is None or not subscription_id:
        return
    if (
        org.stripe_subscription_id != subscription_id
        or org.subscription_status not in LIVE
    ):
        return
    # Stripe keeps retrying: the plan stays until the subscription itself
    # becomes unpaid or canceled; only the status shows the trouble.
    logger.warning("stripe payment failed org=%s sub=%s", org.id, subscription_id)
    _apply_state(
        session,
        org,
        subscription_id=subscription_id,
        status="past_due",
        price_id=None,
        customer=invoice.get("customer"),
        record=record,
        handled=handled,
        settings=settings,
    )


_HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": _on_subscription,
    "invoice.payment_failed": _on_payment_failed,
}
