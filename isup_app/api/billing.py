"""Billing routes: Stripe's webhook, checkout and portal redirects, the plans.

``/api/webhooks/stripe`` and ``/api/public/plans`` are public (the reference
middleware's public paths); ``/billing/checkout`` and ``/billing/portal`` act
for the organization of the signed-in session, and only for its owner.
"""

import logging
from collections.abc import Iterator

import stripe
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from isup_app.api.auth import current_identity, require
from isup_app.core import auth, billing, plans
from isup_app.core.db import get_engine
from isup_app.core.models import RoleName
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

router = APIRouter()


def settings_dependency() -> Settings:
    return get_settings()


def session_dependency() -> Iterator[Session]:
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


def organization_dependency(
    identity: auth.Identity = Depends(require(RoleName.OWNER)),
) -> str:
    """The organization of the signed-in owner (billing is the owner's)."""
    return identity.organization_id


def redis_dependency(settings: Settings = Depends(settings_dependency)):
    if not settings.redis_url:
        return None
    from isup_app.core.bus import connect

    return connect(settings.redis_url)


def requires_feature(feature: str):
    """A route dependency refusing organizations whose plan lacks ``feature``
    with 402 and the upgrade link (for the API: ``isup.api``); answers the
    signed-in identity."""

    def check(
        identity: auth.Identity = Depends(current_identity),
        session: Session = Depends(session_dependency),
        settings: Settings = Depends(settings_dependency),
    ) -> auth.Identity:
        try:
            plans.require_feature(
                session, identity.organization_id, feature, settings=settings
            )
        except plans.PlanError as exc:
            raise HTTPException(402, detail=plan_error_detail(exc)) from exc
        return identity

    return check


def plan_error_detail(exc: plans.PlanError) -> dict:
    return {
        "error": str(exc),
        "plan": exc.plan,
        "limit": exc.limit,
        "upgrade_url": exc.upgrade_url,
    }


@router.post("/api/webhooks/stripe")
async def stripe_webhook(
    request: Request,
    session: Session = Depends(session_dependency),
    settings: Settings = Depends(settings_dependency),
):
    if not plans.billing_enabled(settings):
        raise HTTPException(404, detail="billing is not configured")
    payload = await request.body()
    try:
        event = billing.verify_event(
            payload, request.headers.get("stripe-signature"), settings=settings
        )
    except billing.InvalidWebhook as exc:
        logger.warning("stripe webhook refused reason=%s", exc)
        raise HTTPException(400, detail=str(exc)) from exc

    # The handler may call Stripe (a blocking SDK): run it off the loop.
    redis = redis_dependency(settings)
    try:
        handled = await run_in_threadpool(
            billing.handle_event, session, event, settings=settings, redis=redis
        )
    except stripe.StripeError as exc:
        # Nothing was recorded: Stripe delivers the event again later.
        logger.warning(
            "stripe webhook deferred id=%s error=%s", event.get("id"), type(exc)
        )
        raise HTTPException(503, detail="Stripe did not answer; retry") from exc
    finally:
        if redis is not None:
            redis.close()
    return {
        "received": True,
        "duplicate": handled.duplicate,
        "applied": handled.applied,
    }


def _redirect_or_refuse(make_url) -> RedirectResponse:
    try:
        return RedirectResponse(make_url(), status_code=303)
    except billing.BillingNotConfigured as exc:
        raise HTTPException(404, detail=str(exc)) from exc
    except billing.BillingError as exc:
        raise HTTPException(400, detail=str(exc)) from exc


@router.api_route("/billing/checkout", methods=["GET", "POST"])
def checkout(
    plan: str,
    organization_id: str = Depends(organization_dependency),
    session: Session = Depends(session_dependency),
    settings: Settings = Depends(settings_dependency),
):
    return _redirect_or_refuse(
        lambda: billing.checkout_url(session, organization_id, plan, settings=settings)
    )


@router.get("/billing/return")
def checkout_return(
    session_id: str = "",
    organization_id: str = Depends(organization_dependency),
    session: Session = Depends(session_dependency),
    settings: Settings = Depends(settings_dependency),
):
    """Where Checkout sends the customer back: the plan changes now, then
    the billing settings page."""
    if not plans.billing_enabled(settings):
        raise HTTPException(404, detail="billing is not configured")
    outcome = "success"
    if session_id:
        redis = redis_dependency(settings)
        try:
            billing.sync_checkout(
                session, organization_id, session_id, settings=settings, redis=redis
            )
        except (stripe.StripeError, billing.BillingError) as exc:
            # The webhook still brings the change; say so on the page.
            logger.warning("checkout return not applied error=%s", type(exc))
            outcome = "pending"
        finally:
            if redis is not None:
                redis.close()
    target = settings.public_url.rstrip("/") + f"/settings/billing?checkout={outcome}"
    return RedirectResponse(target, status_code=303)


@router.api_route("/billing/portal", methods=["GET", "POST"])
def portal(
    organization_id: str = Depends(organization_dependency),
    session: Session = Depends(session_dependency),
    settings: Settings = Depends(settings_dependency),
):
    return _redirect_or_refuse(
        lambda: billing.portal_url(session, organization_id, settings=settings)
    )


@router.get("/api/public/plans")
def public_plans(settings: Settings = Depends(settings_dependency)):
    return JSONResponse(
        {
            "billing": plans.billing_enabled(settings),
            "plans": plans.public_plans(settings),
        }
    )
