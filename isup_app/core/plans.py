"""Plans as data, the entitlement of an organization, and the doors that ask it.

With Stripe settings, IsUp sells three plans: ``free`` (every new
organization), ``pro`` (the reference's: 50 monitors, 60-second shortest
interval, 365 days of history, API and status pages) and ``business``. A
self-hosted install without Stripe settings has one plan, ``self-hosted``,
with every feature and no limits.

``entitlement(session, organization_id)`` is the one answer to "what may this
organization do", as the reference's ``GET /entitlement`` is. A limit of
``None`` means unlimited. The door checks raise ``LimitReached`` or
``FeatureMissing`` (both ``PlanError``), whose message says which limit was
met and where to upgrade.

The monitor limit counts *active* monitors: paused ones are kept and cost
nothing, so a downgrade pauses the monitors over the new limit (the newest
first) rather than deleting anything, and resuming one is a door like
creating one.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from isup_app.core.models import Monitor, MonitorStatus, Organization
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

ACCESS = "isup.access"
API = "isup.api"
STATUS_PAGES = "isup.status_pages"
ALL_FEATURES = frozenset({ACCESS, API, STATUS_PAGES})

FREE = "free"
PRO = "pro"
BUSINESS = "business"
SELF_HOSTED = "self-hosted"

FEATURE_NAMES = {
    ACCESS: "the dashboard",
    API: "the API",
    STATUS_PAGES: "status pages",
}


@dataclass(frozen=True)
class Limits:
    monitors: int | None
    interval_min: int | None
    retention_days: int | None

    def as_dict(self) -> dict:
        # The reference's spelling, for JSON.
        return {
            "monitors": self.monitors,
            "intervalMin": self.interval_min,
            "retentionDays": self.retention_days,
        }


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    limits: Limits
    features: frozenset[str]
    # Name of the Settings field holding the Stripe price id; None: not sold.
    price_setting: str | None = None
    description: str = ""

    def price_id(self, settings: Settings) -> str:
        return getattr(settings, self.price_setting) if self.price_setting else ""


@dataclass(frozen=True)
class Entitlement:
    plan: str
    limits: Limits
    features: frozenset[str] = field(default_factory=frozenset)

    def has(self, feature: str) -> bool:
        return feature in self.features

    def as_dict(self) -> dict:
        return {
            "plan": self.plan,
            "limits": self.limits.as_dict(),
            "features": sorted(self.features),
        }


PLANS: dict[str, Plan] = {
    FREE: Plan(
        id=FREE,
        name="Free",
        limits=Limits(monitors=5, interval_min=300, retention_days=30),
        features=frozenset({ACCESS}),
        description="Five monitors every five minutes, a month of history.",
    ),
    PRO: Plan(
        id=PRO,
        name="Pro",
        limits=Limits(monitors=50, interval_min=60, retention_days=365),
        features=ALL_FEATURES,
        price_setting="stripe_price_pro",
        description="Fifty monitors every minute, a year of history, "
        "status pages and the API.",
    ),
    BUSINESS: Plan(
        id=BUSINESS,
        name="Business",
        limits=Limits(monitors=500, interval_min=30, retention_days=730),
        features=ALL_FEATURES,
        price_setting="stripe_price_business",
        description="Five hundred monitors every 30 seconds, two years of "
        "history, status pages and the API.",
    ),
}

UNLIMITED = Plan(
    id=SELF_HOSTED,
    name="Self-hosted",
    limits=Limits(monitors=None, interval_min=None, retention_days=None),
    features=ALL_FEATURES,
    description="Every feature, no limits.",
)


# --- errors -------------------------------------------------------------------


class PlanError(Exception):
    """An organization's plan does not allow what was asked.

    ``limit`` names the limit or feature (``monitors``, ``interval_min``,
    ``isup.status_pages``, ...); ``upgrade_url`` is where to lift it.
    """

    def __init__(self, message: str, *, plan: str, limit: str, upgrade_url: str):
        self.plan = plan
        self.limit = limit
        self.upgrade_url = upgrade_url
        super().__init__(f"{message} Upgrade at {upgrade_url}")


class LimitReached(PlanError):
    """A numeric limit of the plan (monitor count, shortest interval)."""


class FeatureMissing(PlanError):
    """A feature the plan does not include."""


# --- the plans in force -------------------------------------------------------


def billing_enabled(settings: Settings | None = None) -> bool:
    """Plans are sold only when Stripe is configured."""
    return bool((settings or get_settings()).stripe_secret_key)


def available_plans(settings: Settings | None = None) -> list[Plan]:
    return list(PLANS.values()) if billing_enabled(settings) else [UNLIMITED]


def plan_for_price(price_id: str, settings: Settings | None = None) -> Plan | None:
    settings = settings or get_settings()
    for plan in PLANS.values():
        if price_id and plan.price_id(settings) == price_id:
            return plan
    return None


def upgrade_url(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    return settings.public_url.rstrip("/") + "/pricing"


def entitlement(
    session: Session, organization_id: str, *, settings: Settings | None = None
) -> Entitlement:
    """What ``organization_id`` may do now: plan, limits and features."""
    settings = settings or get_settings()
    if not billing_enabled(settings):
        plan = UNLIMITED
    else:
        org = session.get(Organization, organization_id)
        plan = PLANS.get(org.plan if org else FREE) or PLANS[FREE]
    return Entitlement(plan=plan.id, limits=plan.limits, features=plan.features)


def public_plans(settings: Settings | None = None) -> list[dict]:
    """The plans for the pricing page, as JSON-ready dicts."""
    settings = settings or get_settings()
    return [
        {
            "id": plan.id,
            "name": plan.name,
            "description": plan.description,
            "limits": plan.limits.as_dict(),
            "features": sorted(plan.features),
            "purchasable": bool(plan.price_id(settings)),
        }
        for plan in available_plans(settings)
    ]


# --- doors --------------------------------------------------------------------


def count_active_monitors(session: Session, organization_id: str) -> int:
    return session.exec(
        select(sa.func.count())
        .select_from(Monitor)
        .where(
            Monitor.organization_id == organization_id,
            Monitor.status == MonitorStatus.ACTIVE,
        )
    ).one()


def check_can_add_monitors(
    session: Session,
    organization_id: str,
    count: int = 1,
    *,
    settings: Settings | None = None,
) -> None:
    """Refuse ``count`` more active monitors past the plan's monitor limit
    (creating, importing or resuming monitors)."""
    settings = settings or get_settings()
    granted = entitlement(session, organization_id, settings=settings)
    limit = granted.limits.monitors
    if limit is None:
        return
    active = count_active_monitors(session, organization_id)
    if active + count > limit:
        raise LimitReached(
            f"The {granted.plan} plan allows {limit} active monitors; "
            f"{active} are active, {count} more would be {active + count}.",
            plan=granted.plan,
            limit="monitors",
            upgrade_url=upgrade_url(settings),
        )


def check_interval(
    session: Session,
    organization_id: str,
    seconds: int,
    *,
    settings: Settings | None = None,
) -> None:
    """Refuse a check interval shorter than the plan's shortest."""
    settings = settings or get_settings()
    granted = entitlement(session, organization_id, settings=settings)
    shortest = granted.limits.interval_min
    if shortest is not None and seconds < shortest:
        raise LimitReached(
            f"The {granted.plan} plan checks at most every {shortest} seconds; "
            f"{seconds} seconds is shorter.",
            plan=granted.plan,
            limit="interval_min",
            upgrade_url=upgrade_url(settings),
        )


def require_feature(
    session: Session,
    organization_id: str,
    feature: str,
    *,
    settings: Settings | None = None,
) -> None:
    """Refuse what needs ``feature`` when the plan lacks it."""
    settings = settings or get_settings()
    granted = entitlement(session, organization_id, settings=settings)
    if not granted.has(feature):
        raise FeatureMissing(
            f"The {granted.plan} plan does not include "
            f"{FEATURE_NAMES.get(feature, feature)} ({feature}).",
            plan=granted.plan,
            limit=feature,
            upgrade_url=upgrade_url(settings),
        )


def retention_days(
    session: Session, organization_id: str, *, settings: Settings | None = None
) -> int | None:
    """Days of history the plan keeps; ``None`` keeps everything."""
    return entitlement(
        session, organization_id, settings=settings
    ).limits.retention_days


# --- downgrades ---------------------------------------------------------------


@dataclass
class Enforcement:
    paused: list[int] = field(default_factory=list)
    slowed: list[int] = field(default_factory=list)


def enforce_limits(
    session: Session,
    organization_id: str,
    *,
    settings: Settings | None = None,
    at: datetime | None = None,
) -> Enforcement:
    """Bring an organization's monitors within its plan, deleting nothing.

    Active monitors over the monitor limit are paused, the newest first (the
    oldest keep running); intervals shorter than the plan's shortest are
    raised to it. The caller commits, then ``announce``s the changes.
    """
    at = at or datetime.now(UTC)
    granted = entitlement(session, organization_id, settings=settings)
    done = Enforcement()
    active = list(
        session.exec(
            select(Monitor)
            .where(
                Monitor.organization_id == organization_id,
                Monitor.status == MonitorStatus.ACTIVE,
            )
            .order_by(Monitor.created_at, Monitor.id)
        )
    )

    limit = granted.limits.monitors
    if limit is not None and len(active) > limit:
        for monitor in active[limit:]:
            monitor.status = MonitorStatus.PAUSED
            monitor.updated_at = at
            session.add(monitor)
            done.paused.append(monitor.id)
        active = active[:limit]

    shortest = granted.limits.interval_min
    if shortest is not None:
        for monitor in active:
            if monitor.interval_seconds < shortest:
                monitor.interval_seconds = shortest
                monitor.updated_at = at
                session.add(monitor)
                done.slowed.append(monitor.id)

    if done.paused or done.slowed:
        logger.info(
            "plan limits enforced org=%s plan=%s paused=%d slowed=%d",
            organization_id,
            granted.plan,
            len(done.paused),
            len(done.slowed),
        )
    return done


def announce(redis, done: Enforcement) -> None:
    """Tell the checker about monitors ``enforce_limits`` changed."""
    from isup_app.core.bus import announce_monitor_change

    if redis is None:
        return

    for monitor_id in done.paused:
        announce_monitor_change(redis, monitor_id, "paused")
    for monitor_id in done.slowed:
        announce_monitor_change(redis, monitor_id, "updated")
