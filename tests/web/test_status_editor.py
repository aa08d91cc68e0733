"""The status pages editor through the app's real websocket, on SQLite and
PostgreSQL: who may change a page, whose pages can be seen, and how the
core's refusals reach the form."""

import json
import time

import pytest
from sqlmodel import select

from isup_app.core import bus
from isup_app.core import status_pages as sp
from isup_app.core.models import Membership, MonitorState, RoleName, StatusPage
from isup_app.core.settings import get_settings
from isup_app.states.status_editor import StatusPageEditorState, StatusPageListState
from tests.factories import make_monitor
from tests.status.dns_responder import DNSResponder
from tests.web.conftest import EventSocket, session_cookie

EDITOR = StatusPageEditorState
LIST = StatusPageListState


class Tab(EventSocket):
    """A tab on the editor of one page: events carry its route's page id."""

    def __init__(self, client, cookie, page_id: int | None = None):
        self.page_id = page_id
        path = f"/status-pages/{page_id}" if page_id else "/status-pages"
        super().__init__(client, cookie, path=path)

    def send(self, state_cls, handler: str, **payload) -> None:
        query = {"page_id": str(self.page_id)} if self.page_id else {}
        event = {
            "name": f"{state_cls.get_full_name()}.{handler}",
            "payload": payload,
            "router_data": {"pathname": self.path, "query": query, "asPath": self.path},
        }
        self.ws.send_text(self.PREFIX + json.dumps(["event", event]))

    def loaded(self) -> dict:
        self.send(EDITOR, "load")
        return self.wait_for(EDITOR, lambda d: d.get("loaded_rx_state_") is True)


def var(delta: dict, name: str):
    return delta.get(f"{name}_rx_state_")


def make_page(session, org: str, slug: str = "acme", **fields) -> StatusPage:
    return sp.create_status_page(session, org, slug=slug, name="Acme", **fields)


def set_role(session, org: str, role: RoleName) -> None:
    membership = session.exec(
        select(Membership).where(Membership.organization_id == org)
    ).one()
    membership.role = role
    session.add(membership)
    session.commit()


def fresh(session, page: StatusPage) -> StatusPage:
    session.expire_all()
    return session.get(StatusPage, page.id)


def test_a_new_page_is_private_and_opens_in_the_editor(web, session):
    cookie, org = session_cookie(session, "ada@example.test")

    tab = Tab(web, cookie)
    try:
        tab.send(LIST, "create", form_data={"name": "Acme status", "slug": "acme"})
        events = tab.events()
    finally:
        tab.close()

    page = session.exec(select(StatusPage)).one()
    assert (page.organization_id, page.slug, page.is_public) == (org, "acme", False)
    assert f"/status-pages/{page.id}" in str(events)


def test_the_slug_box_suggests_the_name_and_an_empty_one_takes_it(web, session):
    cookie, org = session_cookie(session, "ada@example.test")

    def hint_after(name: str) -> str:
        tab.send(LIST, "change_name", name=name)
        return var(
            tab.wait_for(LIST, lambda d: "slug_hint_rx_state_" in d), "slug_hint"
        )

    tab = Tab(web, cookie)
    try:
        suggested = hint_after("Acme Status (EU)")
        accented = hint_after("Café Zürich")
        tab.send(LIST, "create", form_data={"name": "Acme Status (EU)", "slug": ""})
        tab.events()
        tab.send(LIST, "create", form_data={"name": "Shop", "slug": "shop-status"})
        tab.events()
    finally:
        tab.close()

    assert (suggested, accented) == ("acme-status-eu", "cafe-zurich")
    slugs = sorted(session.exec(select(StatusPage.slug)).all())
    assert slugs == ["acme-status-eu", "shop-status"]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme", "acme"),
        ("  Acme -- Status!  ", "acme-status"),
        ("Café Zürich", "cafe-zurich"),
        ("API v2.1", "api-v2-1"),
        ("!!!", ""),
        ("日本", ""),
        ("a" * 70, "a" * 64),
        ("a" * 63 + " b", "a" * 63),
    ],
    ids=[
        "plain",
        "spaces-and-punctuation",
        "accents",
        "dots",
        "nothing-left",
        "no-ascii",
        "too-long",
        "cut-at-a-dash",
    ],
)
def test_a_suggested_slug_is_one_the_core_accepts(name, slug):
    suggested = sp.suggest_slug(name)

    assert suggested == slug
    assert suggested == "" or sp.SLUG_RE.match(suggested)


def test_a_slug_already_taken_is_refused_with_a_clear_message(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    make_page(session, other_org, slug="acme")
    mine = make_page(session, org, slug="mine")

    tab = Tab(web, cookie)
    try:
        tab.send(LIST, "create", form_data={"name": "Acme", "slug": "acme"})
        created = tab.wait_for(LIST, lambda d: bool(var(d, "errors")))
    finally:
        tab.close()
    tab = Tab(web, cookie, mine.id)
    try:
        tab.loaded()
        tab.send(EDITOR, "save_details", form_data={"name": "Mine", "slug": "acme"})
        renamed = tab.wait_for(EDITOR, lambda d: bool(var(d, "errors")))
    finally:
        tab.close()

    expected = {
        "slug": "This slug is already taken by another status page; choose "
        "another address."
    }
    assert var(created, "errors") == expected
    assert var(renamed, "errors") == expected
    assert fresh(session, mine).slug == "mine"
    assert len(session.exec(select(StatusPage)).all()) == 2


def test_a_viewer_sees_the_page_but_cannot_change_it(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    page = make_page(session, org, is_public=False)
    set_role(session, org, RoleName.VIEWER)

    tab = Tab(web, cookie, page.id)
    try:
        loaded = tab.loaded()
        tab.send(EDITOR, "set_public", public=True)
        refused = tab.events()
        tab.send(EDITOR, "set_password", form_data={"password": "open sesame"})
        refused_again = tab.events()
    finally:
        tab.close()

    assert var(loaded, "can_write") is False
    assert var(loaded, "view")["name"] == "Acme"
    assert "toast" in str(refused).lower()
    assert "toast" in str(refused_again).lower()
    page = fresh(session, page)
    assert (page.is_public, page.password_hash) == (False, None)


def test_a_viewer_cannot_create_a_page(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    set_role(session, org, RoleName.VIEWER)

    tab = Tab(web, cookie)
    try:
        tab.send(LIST, "create", form_data={"name": "Acme", "slug": "acme"})
        events = tab.events()
    finally:
        tab.close()

    assert "toast" in str(events).lower()
    assert session.exec(select(StatusPage)).first() is None


def test_another_organizations_page_reads_as_not_found(web, session):
    cookie, _ = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    theirs = make_page(session, other_org, description="Their secret plans")

    tab = Tab(web, cookie, theirs.id)
    try:
        loaded = tab.loaded()
        tab.send(EDITOR, "set_public", public=False)
        tab.send(EDITOR, "delete_page")
        tab.events(timeout=1.0)
    finally:
        tab.close()

    assert var(loaded, "not_found") is True
    assert "Their secret plans" not in json.dumps(loaded)
    assert "Acme" not in json.dumps(loaded)
    assert fresh(session, theirs).is_public is True


def test_the_list_shows_only_the_organizations_pages(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    make_page(session, org, slug="ours")
    make_page(session, other_org, slug="theirs")

    tab = Tab(web, cookie)
    try:
        tab.send(LIST, "load")
        delta = tab.wait_for(LIST, lambda d: var(d, "loaded") is True)
    finally:
        tab.close()

    assert [line["path"] for line in var(delta, "pages")] == ["/status/ours"]


def test_the_list_counts_components_in_words(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    shop = make_monitor(session, organization_id=org, name="Shop")
    api = make_monitor(session, organization_id=org, name="API")
    one = make_page(session, org, slug="one")
    two = make_page(session, org, slug="two")
    make_page(session, org, slug="none")
    sp.set_page_monitors(session, org, one.id, [(shop.id, None, 0)])
    sp.set_page_monitors(session, org, two.id, [(shop.id, None, 0), (api.id, None, 1)])

    tab = Tab(web, cookie)
    try:
        tab.send(LIST, "load")
        delta = tab.wait_for(LIST, lambda d: var(d, "loaded") is True)
    finally:
        tab.close()

    words = {line["slug"]: line["components_words"] for line in var(delta, "pages")}
    assert words == {
        "one": "1 component",
        "two": "2 components",
        "none": "0 components",
    }


def test_components_are_added_reordered_and_renamed(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    _, other_org = session_cookie(session, "eve@example.test")
    shop = make_monitor(session, organization_id=org, name="Shop")
    api = make_monitor(session, organization_id=org, name="API")
    theirs = make_monitor(session, organization_id=other_org, name="Theirs")
    page = make_page(session, org)

    def names(delta):
        return [c["display_name"] for c in var(delta, "view")["components"]]

    tab = Tab(web, cookie, page.id)
    try:
        tab.loaded()
        tab.send(EDITOR, "add_component", form_data={"monitor_id": str(shop.id)})
        tab.wait_for(EDITOR, lambda d: var(d, "view") and names(d) == ["Shop"])
        tab.send(EDITOR, "add_component", form_data={"monitor_id": str(api.id)})
        tab.wait_for(EDITOR, lambda d: var(d, "view") and names(d) == ["Shop", "API"])
        tab.send(EDITOR, "move_up", monitor_id=api.id)
        tab.wait_for(EDITOR, lambda d: var(d, "view") and names(d) == ["API", "Shop"])
        tab.send(
            EDITOR, "rename_component", monitor_id=api.id, display_name="Public API"
        )
        renamed = tab.wait_for(
            EDITOR, lambda d: var(d, "view") and names(d)[0] == "Public API"
        )
        tab.send(EDITOR, "add_component", form_data={"monitor_id": str(theirs.id)})
        refused = tab.wait_for(EDITOR, lambda d: bool(var(d, "errors")))
    finally:
        tab.close()

    rows = sp.page_monitors(session, fresh(session, page))
    assert [(r.monitor_id, r.display_name) for r in rows] == [
        (api.id, "Public API"),
        (shop.id, "Shop"),
    ]
    first, second = var(renamed, "view")["components"]
    assert (first["first"], first["last"], second["last"]) == (True, False, True)
    assert "Theirs" not in json.dumps(var(renamed, "view")["choices"])
    assert var(refused, "errors") == {"monitors": f"No such monitor: {theirs.id}."}


def test_a_password_is_stored_as_a_scrypt_hash_and_can_be_cleared(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    page = make_page(session, org)

    tab = Tab(web, cookie, page.id)
    try:
        tab.loaded()
        tab.send(EDITOR, "set_password", form_data={"password": "abc"})
        short = tab.wait_for(EDITOR, lambda d: bool(var(d, "errors")))
        tab.send(EDITOR, "set_password", form_data={"password": "open sesame"})
        tab.wait_for(EDITOR, lambda d: (var(d, "view") or {}).get("protected"))
        stored = fresh(session, page).password_hash
        tab.send(EDITOR, "clear_password")
        tab.wait_for(EDITOR, lambda d: (var(d, "view") or {}).get("protected") is False)
    finally:
        tab.close()

    assert var(short, "errors") == {"password": "At least 6 characters."}
    assert stored.startswith("scrypt$") and "open sesame" not in stored
    assert fresh(session, page).password_hash is None


def test_the_details_and_theme_are_saved_and_bad_colours_refused(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    page = make_page(session, org)
    form = {
        "name": "Acme Status",
        "slug": "acme",
        "description": "Our services",
        "primary_color": "#1a7f37",
        "background_color": "",
        "text_color": "",
        "logo_url": "https://example.com/logo.png",
    }

    tab = Tab(web, cookie, page.id)
    try:
        tab.loaded()
        tab.send(EDITOR, "save_details", form_data=form)
        tab.wait_for(EDITOR, lambda d: var(d, "notice") == "Saved.")
        tab.send(EDITOR, "save_details", form_data={**form, "text_color": "red;x"})
        refused = tab.wait_for(EDITOR, lambda d: bool(var(d, "errors")))
    finally:
        tab.close()

    page = fresh(session, page)
    assert (page.name, page.description) == ("Acme Status", "Our services")
    assert page.allow_indexing is False  # the box was not ticked
    assert page.theme == {
        "primary_color": "#1a7f37",
        "logo_url": "https://example.com/logo.png",
    }
    assert var(refused, "errors") == {"theme.text_color": "A colour like #1a7f37."}


@pytest.fixture
def dns_server(monkeypatch):
    with DNSResponder() as server:
        monkeypatch.setenv("ISUP_DOMAIN_NAMESERVERS", f"127.0.0.1:{server.port}")
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()


def test_a_custom_domain_shows_its_record_and_verifies_by_dns(web, session, dns_server):
    cookie, org = session_cookie(session, "ada@example.test")
    page = make_page(session, org)

    tab = Tab(web, cookie, page.id)
    try:
        tab.loaded()
        tab.send(EDITOR, "set_domain", form_data={"custom_domain": "Status.Acme.test"})
        shown = tab.wait_for(EDITOR, lambda d: (var(d, "view") or {}).get("domain"))
        view = var(shown, "view")
        tab.send(EDITOR, "verify_domain")
        missing = tab.wait_for(EDITOR, lambda d: bool(var(d, "domain_message")))
        dns_server.txt[view["record_name"]] = [view["record_value"]]
        tab.send(EDITOR, "verify_domain")
        verified = tab.wait_for(EDITOR, lambda d: bool(var(d, "domain_message")))
    finally:
        tab.close()

    assert view["domain"] == "status.acme.test"
    assert view["domain_state"] == "unverified"
    assert view["record_name"] == "_isup-verify.status.acme.test"
    assert view["record_value"] == fresh(session, page).domain_verification_token
    assert "not found" in var(missing, "domain_message")
    assert var(verified, "view")["domain_state"] == "verified"
    assert fresh(session, page).custom_domain_verified is True
    assert "_isup-verify.status.acme.test" in dns_server.queries


def test_a_page_is_deleted_and_the_tab_goes_back_to_the_list(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    page = make_page(session, org)

    tab = Tab(web, cookie, page.id)
    try:
        tab.loaded()
        tab.send(EDITOR, "delete_page")
        events = tab.events()
    finally:
        tab.close()

    assert "/status-pages" in str(events)
    assert session.exec(select(StatusPage)).first() is None


def test_a_plan_without_status_pages_refuses_creation_and_links_to_upgrade(
    web, session, monkeypatch
):
    monkeypatch.setenv("ISUP_STRIPE_SECRET_KEY", "sk_test_editor")
    get_settings.cache_clear()
    cookie, _ = session_cookie(session, "ada@example.test")

    tab = Tab(web, cookie)
    try:
        tab.send(LIST, "load")
        loaded = tab.wait_for(LIST, lambda d: var(d, "loaded") is True)
        tab.send(LIST, "create", form_data={"name": "Acme", "slug": "acme"})
        refused = tab.wait_for(LIST, lambda d: bool(var(d, "plan_message")), 3)
    finally:
        tab.close()
        monkeypatch.delenv("ISUP_STRIPE_SECRET_KEY")
        get_settings.cache_clear()

    message = "The free plan does not include status pages (isup.status_pages)."
    assert var(loaded, "plan_message") == message
    assert var(refused, "plan_message") == message
    assert session.exec(select(StatusPage)).first() is None


def test_a_component_state_change_reaches_the_open_editor_within_a_second(
    web, session, redis_url
):
    cookie, org = session_cookie(session, "ada@example.test")
    shop = make_monitor(session, organization_id=org, name="Shop")
    elsewhere = make_monitor(session, organization_id=org, name="Elsewhere")
    page = make_page(session, org)
    sp.set_page_monitors(session, org, page.id, [(shop.id, "Shop", 1)])
    publisher = bus.connect(redis_url)

    def shop_state(delta):
        components = (var(delta, "view") or {}).get("components") or []
        return components[0]["state"] if components else None

    tab = Tab(web, cookie, page.id)
    try:
        assert shop_state(tab.loaded()) == "unknown"
        # A monitor that is not on the page changes nothing here.
        bus.publish_change(publisher, org, monitor_id=elsewhere.id)
        with pytest.raises(AssertionError):
            tab.wait_for(EDITOR, lambda d: var(d, "view") is not None, timeout=1.0)

        shop.current_state = MonitorState.DOWN
        session.add(shop)
        session.commit()
        sent = time.monotonic()
        bus.publish_change(publisher, org, monitor_id=shop.id)
        tab.wait_for(EDITOR, lambda d: shop_state(d) == "down", timeout=2.0)
        arrived = time.monotonic() - sent
    finally:
        tab.close()
        publisher.close()

    assert arrived < 1.0
