"""The public pages without a frontend build: they need no session, the
docs name only routes and fields that exist, and pricing follows the plans."""

import importlib
import re

import pytest

from isup_app.api import ROUTER_MODULES
from isup_app.api.auth import is_public
from isup_app.core import plans
from isup_app.core.models import MonitorType
from isup_app.core.monitors import EDITABLE_FIELDS
from isup_app.core.settings import Settings
from isup_app.pages import docs, pricing

PUBLIC_PAGES = ["/", "/pricing", "/docs", *(s.ROUTE for s in docs.SECTIONS)]


def _documented(route: docs.Route) -> list[tuple[str, str]]:
    """(method, concrete path) for each method and path a docs row names."""
    path = route.path.split("?")[0]
    head, _, tail = path.rpartition("/")
    paths = [f"{head}/{name.strip()}" for name in tail.split(",")]
    concrete = [re.sub(r"\{[^}]+\}", "x", p) for p in paths]
    methods = [m.strip() for m in route.method.split(",")]
    return [(m, p) for m in methods for p in concrete]


def _pattern(path: str) -> re.Pattern:
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile(
        "^"
        + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        + "$"
    )


@pytest.mark.parametrize(
    "route",
    [r for _, _, routes in docs.ROUTE_GROUPS for r in routes],
    ids=lambda r: f"{r.method} {r.path}",
)
def test_every_route_the_docs_name_exists(route):
    served = [
        (_pattern(r.path), r.methods)
        for name in ROUTER_MODULES
        for r in importlib.import_module(f"isup_app.api.{name}").router.routes
        if getattr(r, "methods", None)
    ]

    for method, path in _documented(route):
        assert any(
            pattern.match(path) and method in methods for pattern, methods in served
        ), f"{method} {path} is documented but not served"


def test_the_docs_describe_every_kind_and_only_real_fields():
    documented = {f.name for f in docs.COMMON_FIELDS}
    for kind in docs.MONITOR_KINDS:
        documented |= {f.name for f in kind.fields}

    assert {k.id for k in docs.MONITOR_KINDS} == {t.value for t in MonitorType}
    assert documented <= set(EDITABLE_FIELDS)
    assert set(EDITABLE_FIELDS) - documented == {"type"}


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_are_public_with_or_without_a_trailing_slash(path):
    # The built frontend answers /pricing with a redirect to /pricing/.
    assert is_public(path)
    assert is_public(path.rstrip("/") + "/")
    assert is_public(path.rstrip("/") + "/_root.data") or path == "/"


@pytest.mark.parametrize("path", ["/pricing", "/docs", "/docs/heartbeats"])
def test_public_pages_answer_the_app_without_a_session(web, path):
    response = web.get(path, follow_redirects=False)

    assert response.status_code not in (302, 401)
    assert "/sign-in" not in response.headers.get("location", "")


def test_the_public_plans_answer_without_a_session(web):
    response = web.get("/api/public/plans")

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["plans"]] == [plans.SELF_HOSTED]


def test_a_self_hosted_install_prices_one_plan_without_limits():
    (card,) = pricing.plan_cards(Settings(stripe_secret_key=""))

    assert card.id == plans.SELF_HOSTED
    assert (card.monitors, card.interval, card.history) == (
        "Unlimited active monitors",
        "Checks at any interval",
        "History kept for ever",
    )
    assert card.href == "/sign-up"
    assert "Public status pages" in card.features


def test_with_stripe_the_plans_on_sale_lead_to_checkout():
    settings = Settings(stripe_secret_key="sk_test_x", stripe_price_pro="price_pro")

    cards = {c.id: c for c in pricing.plan_cards(settings)}

    assert list(cards) == [plans.FREE, plans.PRO, plans.BUSINESS]
    assert cards["free"].monitors == "5 active monitors"
    assert cards["free"].interval == "Checks every 5 minutes"
    assert cards["free"].history == "30 days of history"
    assert cards["free"].href == "/sign-up"
    assert cards["free"].features == ["The live dashboard and alerts"]
    assert cards["pro"].href == "/billing/checkout?plan=pro"
    assert cards["pro"].interval == "Checks every minute"
    assert cards["pro"].history == "A year of history"
    assert cards["pro"].highlighted
    # No price configured: not on sale, so no checkout button.
    assert cards["business"].href == "/sign-up"
    assert cards["business"].interval == "Checks every 30 seconds"
