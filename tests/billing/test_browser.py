"""Upgrade and cancellation in a real browser: Chromium follows IsUp's
redirects to the local Stripe and back, carrying the session cookie."""

import time

from isup_app.core import plans
from isup_app.core.monitors import set_paused
from tests.billing.conftest import owner_cookies
from tests.billing.helpers import ORG, monitors, org


def _signed_in_page(chromium, served: str, session):
    context = chromium.new_context()
    for name, value in owner_cookies(session).items():
        context.add_cookies([{"name": name, "value": value, "url": served}])
    return context, context.new_page()


def test_owner_upgrades_and_cancels_in_the_browser(
    chromium, served, stripe_server, session
):
    made = monitors(session, 7, status="paused")
    context, page = _signed_in_page(chromium, served, session)
    try:
        page.goto(f"{served}/billing/checkout?plan=pro")

        assert page.url == f"{served}/settings/billing?checkout=success"
        assert plans.entitlement(session, ORG).plan == plans.PRO
        assert [code for _, code in stripe_server.delivered] == [200, 200]
        for monitor in made:  # within the pro plan's limit now
            set_paused(session, ORG, monitor.id, False)

        page.goto(f"{served}/billing/portal")
        assert page.url == f"{served}/settings/billing"
    finally:
        context.close()

    subscription = org(session).stripe_subscription_id
    cancel = stripe_server.cancel(subscription, created=int(time.time()) + 1)
    assert stripe_server.deliver(cancel) == 200
    assert plans.entitlement(session, ORG).plan == plans.FREE
    session.expire_all()
    assert [m.status for m in made] == ["active"] * 5 + ["paused"] * 2
