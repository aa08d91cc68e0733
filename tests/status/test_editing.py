"""What the dashboard calls: every change scoped to one organization, bad
input refused with the field to fix."""

import pytest
from sqlmodel import Session

from isup_app.core import status_pages as sp
from isup_app.core.models import Incident, Organization
from tests.factories import DEFAULT_ORG, make_monitor
from tests.status.conftest import NOW, Scene


@pytest.fixture
def other_org(session: Session) -> str:
    session.add(Organization(id="org_other", name="Other"))
    session.commit()
    return "org_other"


@pytest.mark.parametrize(
    "slug",
    ["", "ünicode", "with space", "-dash", "a" * 65, "x/y"],
    ids=["empty", "unicode", "space", "leading-dash", "too-long", "slash"],
)
def test_bad_slugs_are_refused(session, slug):
    with pytest.raises(sp.StatusPageError) as error:
        sp.create_status_page(session, DEFAULT_ORG, slug=slug, name="Acme")

    assert error.value.field == "slug"


def test_slug_must_be_unique(session, scene: Scene):
    with pytest.raises(sp.StatusPageError) as error:
        sp.create_status_page(session, DEFAULT_ORG, slug="acme", name="Again")

    assert error.value.message == "already taken"


def test_another_organization_cannot_see_or_change_a_page(session, scene, other_org):
    with pytest.raises(sp.StatusPageNotFound):
        sp.update_status_page(session, other_org, scene.page.id, name="Mine")
    with pytest.raises(sp.StatusPageNotFound):
        sp.set_page_password(session, other_org, scene.page.id, "a password")

    assert sp.list_status_pages(session, other_org) == []
    assert [p.slug for p in sp.list_status_pages(session, DEFAULT_ORG)] == ["acme"]


def test_monitors_of_another_organization_cannot_be_put_on_a_page(
    session, scene, other_org
):
    theirs = make_monitor(session, organization_id=other_org, name="Theirs")

    with pytest.raises(sp.StatusPageError) as error:
        sp.set_page_monitors(
            session, DEFAULT_ORG, scene.page.id, [(theirs.id, "Theirs", 1)]
        )

    assert error.value.field == "monitors"


def test_page_monitors_are_replaced_in_their_order(session, scene: Scene):
    rows = sp.set_page_monitors(
        session,
        DEFAULT_ORG,
        scene.page.id,
        [(scene.hidden.id, "", 3), (scene.web.id, " Shop ", 1)],
    )

    assert [(r.monitor_id, r.display_name) for r in rows] == [
        (scene.web.id, "Shop"),
        (scene.hidden.id, "Hidden Billing Backend"),
    ]


def test_unknown_fields_are_refused(session, scene: Scene):
    with pytest.raises(sp.StatusPageError) as error:
        sp.update_status_page(
            session, DEFAULT_ORG, scene.page.id, password_hash="scrypt$1$1$1$x$y"
        )

    assert error.value.field == "password_hash"


@pytest.mark.parametrize(
    ("theme", "field"),
    [
        ({"primary_color": "red; background: url(x)"}, "theme.primary_color"),
        ({"logo_url": "javascript:alert(1)"}, "theme.logo_url"),
        ({"logo_url": 'https://x.test/" onerror="x'}, "theme.logo_url"),
    ],
    ids=["css", "javascript", "quote"],
)
def test_unsafe_themes_are_refused(session, scene, theme, field):
    with pytest.raises(sp.StatusPageError) as error:
        sp.update_status_page(session, DEFAULT_ORG, scene.page.id, theme=theme)

    assert error.value.field == field


def test_short_passwords_are_refused(session, scene: Scene):
    with pytest.raises(sp.StatusPageError) as error:
        sp.set_page_password(session, DEFAULT_ORG, scene.page.id, "abc")

    assert error.value.field == "password"


def test_password_is_stored_as_a_scrypt_hash(session, scene: Scene):
    page = sp.set_page_password(session, DEFAULT_ORG, scene.page.id, "open sesame")

    assert page.password_hash.startswith("scrypt$")
    assert "open sesame" not in page.password_hash
    assert sp.check_password(page.password_hash, "open sesame")
    assert not sp.check_password(page.password_hash, "open sesame!")


def test_incident_update_is_stored_for_the_organization(session, scene: Scene):
    update = sp.post_incident_update(
        session, DEFAULT_ORG, scene.incident.id, "monitoring", "  Fixed, watching. "
    )

    assert (update.status, update.message) == ("monitoring", "Fixed, watching.")
    assert update.organization_id == DEFAULT_ORG


@pytest.mark.parametrize(
    ("status", "message", "field"),
    [("fixed", "ok", "status"), ("identified", "  ", "message")],
    ids=["status", "empty-message"],
)
def test_bad_incident_updates_are_refused(session, scene, status, message, field):
    with pytest.raises(sp.StatusPageError) as error:
        sp.post_incident_update(
            session, DEFAULT_ORG, scene.incident.id, status, message
        )

    assert error.value.field == field


def test_incident_of_another_organization_cannot_be_updated(session, scene, other_org):
    theirs = make_monitor(session, organization_id=other_org, name="Theirs")
    incident = Incident(
        monitor_id=theirs.id, organization_id=other_org, started_at=NOW, cause="dns"
    )
    session.add(incident)
    session.commit()

    with pytest.raises(sp.StatusPageNotFound):
        sp.post_incident_update(session, DEFAULT_ORG, incident.id, "identified", "x")


def test_deleting_a_page_removes_its_components(session, scene: Scene):
    sp.delete_status_page(session, DEFAULT_ORG, scene.page.id)

    assert sp.find_page_by_slug(session, "acme") is None
    assert sp.list_status_pages(session, DEFAULT_ORG) == []
