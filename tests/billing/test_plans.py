"""Plans as data and the one entitlement call."""

from sqlmodel import select

from isup_app.core import plans
from isup_app.core.models import Monitor, MonitorStatus
from tests.billing.helpers import ORG, monitors, org
from tests.factories import make_org


def test_a_new_organization_is_on_the_free_plan(billing_settings, session):
    acme = make_org(session)

    granted = plans.entitlement(session, acme.id)

    assert granted.plan == plans.FREE
    assert granted.features == {"isup.access"}
    assert granted.limits.monitors == 5


def test_pro_plan_is_the_reference_entitlement(billing_settings, session):
    acme = make_org(session, plan=plans.PRO)

    assert plans.entitlement(session, acme.id).as_dict() == {
        "plan": "pro",
        "limits": {"monitors": 50, "intervalMin": 60, "retentionDays": 365},
        "features": ["isup.access", "isup.api", "isup.status_pages"],
    }


def test_business_plan_is_larger_than_pro(billing_settings, session):
    pro = plans.PLANS[plans.PRO].limits
    business = plans.PLANS[plans.BUSINESS].limits

    assert business.monitors > pro.monitors
    assert business.interval_min < pro.interval_min
    assert business.retention_days > pro.retention_days


def test_an_unknown_plan_name_counts_as_free(billing_settings, session):
    acme = make_org(session, plan="gold")

    assert plans.entitlement(session, acme.id).plan == plans.FREE


def test_self_hosted_install_has_one_unlimited_plan(self_hosted_settings, session):
    acme = make_org(session, plan=plans.FREE)

    granted = plans.entitlement(session, acme.id)

    assert [plan.id for plan in plans.available_plans()] == [plans.SELF_HOSTED]
    assert granted.plan == plans.SELF_HOSTED
    assert granted.limits == plans.Limits(None, None, None)
    assert granted.features == plans.ALL_FEATURES


def test_each_plan_has_its_stripe_price(billing_settings):
    assert plans.plan_for_price("price_isup_pro").id == plans.PRO
    assert plans.plan_for_price("price_isup_business").id == plans.BUSINESS
    assert plans.plan_for_price("price_other") is None


def test_downgrade_pauses_the_newest_monitors_and_deletes_none(
    billing_settings, session
):
    made = monitors(session, 7)

    done = plans.enforce_limits(session, ORG)
    session.commit()

    assert done.paused == [made[5].id, made[6].id]
    statuses = session.exec(select(Monitor.status).order_by(Monitor.id)).all()
    assert statuses == [MonitorStatus.ACTIVE] * 5 + [MonitorStatus.PAUSED] * 2


def test_downgrade_raises_intervals_to_the_plan_minimum(billing_settings, session):
    made = monitors(
        session,
        2,
    )
    made[0].interval_seconds = 30
    session.add(made[0])
    session.commit()

    done = plans.enforce_limits(session, ORG)
    session.commit()

    assert done.slowed == [made[0].id]
    session.expire_all()
    assert session.get(Monitor, made[0].id).interval_seconds == 300


def test_public_plans_lists_the_plans_for_the_pricing_page(client):
    response = client.get("/api/public/plans")

    assert response.status_code == 200
    body = response.json()
    assert body["billing"] is True
    assert [plan["id"] for plan in body["plans"]] == ["free", "pro", "business"]
    assert body["plans"][1]["limits"]["monitors"] == 50
    assert body["plans"][0]["purchasable"] is False
    assert body["plans"][1]["purchasable"] is True


def test_org_helper_reads_the_test_organization(billing_settings, session):
    assert org(session).id == ORG
