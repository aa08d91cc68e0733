"""The pricing page: the plans in force, from ``isup_app.core.plans``.

The plans are read when the page loads (``PricingState.load``), not baked
into the build: whether Stripe is configured, and so which plans are sold,
is a setting of the running app. Nothing here needs a session.
"""

import dataclasses
import logging

import reflex as rx

from isup_app.components.layout import public_frame
from isup_app.core import plans
from isup_app.core.settings import Settings

logger = logging.getLogger(__name__)

ROUTE = "/pricing"
TITLE = "Pricing · IsUp"


# The plan features, as a pricing page says them.
FEATURES = {
    plans.ACCESS: "The live dashboard and alerts",
    plans.STATUS_PAGES: "Public status pages",
    plans.API: "The API",
}


@dataclasses.dataclass
class PlanCard:
    """One plan, already in words for the page."""

    id: str
    name: str
    description: str
    monitors: str
    interval: str
    history: str
    features: list[str]
    action: str
    href: str
    highlighted: bool


def _count(value: int | None, unit: str) -> str:
    return f"Unlimited {unit}" if value is None else f"{value:,} {unit}"


def _interval(seconds: int | None) -> str:
    if seconds is None:
        return "Checks at any interval"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return (
            "Checks every minute" if minutes == 1 else f"Checks every {minutes} minutes"
        )
    return f"Checks every {seconds} seconds"


def _history(days: int | None) -> str:
    if days is None:
        return "History kept for ever"
    if days % 365 == 0:
        years = days // 365
        return "A year of history" if years == 1 else f"{years} years of history"
    return f"{days} days of history"


def plan_card(plan: dict) -> PlanCard:
    """A plan of ``plans.public_plans`` as a card: limits in words, the
    features by name, and where its button leads (Checkout for a plan on
    sale, sign-up for the others)."""
    limits = plan["limits"]
    features = [FEATURES[f] for f in plan["features"] if f in FEATURES]
    if plan["purchasable"]:
        action = f"Upgrade to {plan['name']}"
        href = f"/billing/checkout?plan={plan['id']}"
    elif plan["id"] == plans.FREE:
        action, href = "Start free", "/sign-up"
    elif plan["id"] == plans.SELF_HOSTED:
        action, href = "Get started", "/sign-up"
    else:
        action, href = "Sign up", "/sign-up"
    return PlanCard(
        id=plan["id"],
        name=plan["name"],
        description=plan["description"],
        monitors=_count(limits["monitors"], "active monitors"),
        interval=_interval(limits["intervalMin"]),
        history=_history(limits["retentionDays"]),
        features=features,
        action=action,
        href=href,
        highlighted=plan["id"] == plans.PRO,
    )


def plan_cards(settings: Settings | None = None) -> list[PlanCard]:
    return [plan_card(plan) for plan in plans.public_plans(settings)]


class PricingState(rx.State):
    cards: list[PlanCard] = []
    billing: bool = False
    loaded: bool = False

    @rx.event
    def load(self):
        self.cards = plan_cards()
        self.billing = plans.billing_enabled()
        self.loaded = True


def _limit(icon: str, text: rx.Var[str]) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=16, color=rx.color("accent", 10)),
        rx.text(text, size="2"),
        align="center",
        spacing="2",
    )


def _card(card: PlanCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(card.name, size="6"),
                rx.cond(
                    card.highlighted,
                    rx.badge("Recommended", color_scheme="teal", variant="soft"),
                ),
                justify="between",
                align="center",
                width="100%",
            ),
            rx.text(card.description, size="2", color_scheme="gray"),
            rx.separator(size="4"),
            _limit("activity", card.monitors),
            _limit("timer", card.interval),
            _limit("history", card.history),
            rx.foreach(card.features, lambda name: _limit("check", name)),
            rx.spacer(),
            rx.link(
                rx.button(
                    card.action,
                    width="100%",
                    size="3",
                    variant=rx.cond(card.highlighted, "solid", "outline"),
                ),
                href=card.href,
                reload_document=True,
                width="100%",
                class_name="plan-action",
            ),
            spacing="3",
            height="100%",
        ),
        size="3",
        id="plan-" + card.id,
        class_name="plan",
        border=rx.cond(card.highlighted, f"2px solid {rx.color('accent', 8)}", ""),
    )


def page() -> rx.Component:
    return public_frame(
        rx.vstack(
            rx.heading("Pricing", size="8"),
            rx.text(
                rx.cond(
                    PricingState.billing,
                    "Start free; upgrade when you need more monitors, shorter "
                    "intervals, status pages or the API. Downgrades delete "
                    "nothing: monitors over the new limit are paused.",
                    "This install is self-hosted: one plan, every feature, no limits.",
                ),
                size="4",
                color_scheme="gray",
            ),
            spacing="3",
            max_width="44em",
        ),
        rx.cond(
            PricingState.loaded,
            rx.grid(
                rx.foreach(PricingState.cards, _card),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                spacing="4",
                width="100%",
                id="plans",
            ),
            rx.text("Loading plans…", color_scheme="gray"),
        ),
        rx.callout(
            "Every plan checks from the same probes, keeps every result in its "
            "history window and sends alerts on every channel. Limits count "
            "active monitors; paused ones cost nothing.",
            icon="info",
            width="100%",
        ),
    )


ON_LOAD = PricingState.load
