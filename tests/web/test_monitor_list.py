"""The monitors page's list over the app's real websocket: counts per state,
search and filters, and live changes that respect them."""

import pytest
from sqlmodel import select

from isup_app.core import bus
from isup_app.core.models import Monitor, MonitorState, MonitorStatus, MonitorType
from isup_app.states.monitor_detail import load_detail
from isup_app.states.monitors import PAGE_SIZE, MonitorListState
from tests.factories import make_monitor
from tests.web.conftest import EventSocket, session_cookie


def names(delta: dict) -> list[str]:
    return [row["name"] for row in delta["rows_rx_state_"]]


def has_rows(delta: dict) -> bool:
    return "rows_rx_state_" in delta


@pytest.fixture
def fleet(session):
    """Four monitors of Ada's organization, of different states and kinds."""
    cookie, org = session_cookie(session, "ada@example.test")
    make_monitor(
        session,
        organization_id=org,
        name="Shop",
        current_state=MonitorState.UP,
        tags=["prod", "web"],
        uptime_percent_24h=99.5,
        uptime_percent_30d=99.95,
    )
    make_monitor(
        session,
        organization_id=org,
        name="Mail server",
        type=MonitorType.PORT,
        url="127.0.0.1",
        port=25,
        current_state=MonitorState.DOWN,
        tags=["prod"],
    )
    make_monitor(
        session,
        organization_id=org,
        name="Nightly backup",
        type=MonitorType.HEARTBEAT,
        url="",
        current_state=MonitorState.UP,
    )
    make_monitor(
        session,
        organization_id=org,
        name="Staging",
        status=MonitorStatus.PAUSED,
        tags=["staging"],
    )
    return cookie, org


@pytest.fixture
def tab(web, fleet):
    cookie, _ = fleet
    tab = EventSocket(web, cookie)
    tab.send(MonitorListState, "load")
    tab.wait_for(MonitorListState, has_rows)
    yield tab
    tab.close()


def test_the_list_counts_monitors_per_state(web, fleet):
    cookie, _ = fleet
    tab = EventSocket(web, cookie)
    try:
        tab.send(MonitorListState, "load")
        delta = tab.wait_for(MonitorListState, has_rows)
    finally:
        tab.close()

    assert names(delta) == ["Mail server", "Nightly backup", "Shop", "Staging"]
    counts = delta["counts_rx_state_"]
    assert (counts["up"], counts["down"], counts["paused"]) == (2, 1, 1)
    assert delta["tags_rx_state_"] == ["prod", "staging", "web"]
    shop = delta["rows_rx_state_"][2]
    assert (shop["uptime_24h"], shop["uptime_30d"]) == ("99.50%", "99.95%")
    assert shop["href"].startswith("/monitors/")
    mail = delta["rows_rx_state_"][0]
    assert (mail["kind"], mail["target"]) == ("port", "127.0.0.1:25")
    assert delta["total_words_rx_state_"] == "4 monitors"


def test_an_ssl_target_shows_its_port_unless_it_is_443_as_on_its_page(
    web, engine, session
):
    cookie, org = session_cookie(session, "ada@example.test")
    monitors = [
        make_monitor(
            session,
            organization_id=org,
            name=name,
            type=MonitorType.SSL,
            url=host,
            port=port,
        )
        for name, host, port in (
            ("Own port", "127.0.0.1", 18932),
            ("Default port", "example.test", 443),
            ("IPv6", "::1", 8443),
        )
    ]
    tab = EventSocket(web, cookie)
    try:
        tab.send(MonitorListState, "load")
        delta = tab.wait_for(MonitorListState, has_rows)
    finally:
        tab.close()

    targets = {row["name"]: row["target"] for row in delta["rows_rx_state_"]}
    assert targets == {
        "Own port": "127.0.0.1:18932",
        "Default port": "example.test",
        "IPv6": "[::1]:8443",
    }
    for monitor in monitors:
        view = load_detail(org, monitor.id, engine=engine)
        assert view.header.target == targets[monitor.name]


def test_the_total_of_one_monitor_is_singular(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    make_monitor(session, organization_id=org, name="Shop")
    tab = EventSocket(web, cookie)
    try:
        tab.send(MonitorListState, "load")
        delta = tab.wait_for(MonitorListState, has_rows)
    finally:
        tab.close()

    assert delta["total_words_rx_state_"] == "1 monitor"


@pytest.mark.parametrize(
    "handler, value, shown",
    [
        ("set_state_filter", "up", ["Nightly backup", "Shop"]),
        ("set_state_filter", "paused", ["Staging"]),
        ("set_kind_filter", "port", ["Mail server"]),
        ("set_tag_filter", "prod", ["Mail server", "Shop"]),
        ("set_search", "shop", ["Shop"]),
        ("set_search", "127.0.0.1:25", ["Mail server"]),
        ("set_search", "STAGING", ["Staging"]),
        ("set_search", "nothing like it", []),
    ],
    ids=[
        "state-up",
        "state-paused",
        "kind",
        "tag",
        "search-name",
        "search-target",
        "search-tag-any-case",
        "search-none",
    ],
)
def test_a_filter_shows_only_matching_monitors(tab, handler, value, shown):
    tab.send(MonitorListState, handler, value=value)
    delta = tab.wait_for(MonitorListState, has_rows)

    assert names(delta) == shown
    assert delta.get("matching_rx_state_", len(shown)) == len(shown)


def test_filters_combine_and_clear(tab):
    tab.send(MonitorListState, "set_tag_filter", value="prod")
    tab.wait_for(MonitorListState, has_rows)
    tab.send(MonitorListState, "set_state_filter", value="down")
    assert names(tab.wait_for(MonitorListState, has_rows)) == ["Mail server"]

    tab.send(MonitorListState, "clear_filters")
    assert len(names(tab.wait_for(MonitorListState, has_rows))) == 4


def test_a_live_change_keeps_the_filter(tab, fleet, session, redis_url):
    _, org = fleet
    tab.send(MonitorListState, "set_state_filter", value="down")
    tab.wait_for(MonitorListState, has_rows)
    shop = make_monitor(session, organization_id=org, name="Shop 2")
    shop.current_state = MonitorState.DOWN
    session.add(shop)
    session.commit()

    client = bus.connect(redis_url)
    try:
        bus.publish_change(client, org, monitor_id=shop.id)
        delta = tab.wait_for(
            MonitorListState, lambda d: "Shop 2" in names(d) if has_rows(d) else False
        )
    finally:
        client.close()

    assert names(delta) == ["Mail server", "Shop 2"]
    assert delta["counts_rx_state_"]["down"] == 2


def test_a_large_list_is_sent_a_page_at_a_time(web, session):
    cookie, org = session_cookie(session, "ada@example.test")
    for number in range(PAGE_SIZE + 5):
        make_monitor(session, organization_id=org, name=f"Site {number:03}")
    tab = EventSocket(web, cookie)
    try:
        tab.send(MonitorListState, "load")
        first = tab.wait_for(MonitorListState, has_rows)
        tab.send(MonitorListState, "show_more")
        more = tab.wait_for(MonitorListState, has_rows)
    finally:
        tab.close()

    assert len(first["rows_rx_state_"]) == PAGE_SIZE
    assert first["matching_rx_state_"] == PAGE_SIZE + 5
    assert len(more["rows_rx_state_"]) == PAGE_SIZE + 5


def publish_state(session, redis_url, monitor, state: MonitorState) -> None:
    monitor.current_state = state
    session.add(monitor)
    session.commit()
    client = bus.connect(redis_url)
    try:
        bus.publish_change(client, monitor.organization_id, monitor_id=monitor.id)
    finally:
        client.close()


def has_counts(delta: dict) -> bool:
    return "counts_rx_state_" in delta


def test_a_change_outside_the_shown_page_sends_its_counts_and_no_rows(
    web, session, redis_url
):
    cookie, org = session_cookie(session, "ada@example.test")
    monitors = [
        make_monitor(session, organization_id=org, name=f"Site {number:03}")
        for number in range(PAGE_SIZE + 5)
    ]
    tab = EventSocket(web, cookie)
    try:
        tab.send(MonitorListState, "load")
        tab.wait_for(MonitorListState, has_rows)
        publish_state(session, redis_url, monitors[-1], MonitorState.DOWN)
        outside = tab.wait_for(MonitorListState, has_counts)
        publish_state(session, redis_url, monitors[0], MonitorState.DOWN)
        shown = tab.wait_for(MonitorListState, has_counts)
    finally:
        tab.close()

    assert not has_rows(outside)
    assert outside["counts_rx_state_"]["down"] == 1
    assert shown["rows_rx_state_"][0]["state"] == "down"
    assert len(shown["rows_rx_state_"]) == PAGE_SIZE
    assert shown["counts_rx_state_"]["down"] == 2


def test_a_monitor_that_no_longer_passes_the_filter_leaves_the_list(
    tab, fleet, session, redis_url
):
    _, org = fleet
    tab.send(MonitorListState, "set_state_filter", value="down")
    tab.wait_for(MonitorListState, has_rows)
    mail = next(
        m
        for m in session.exec(select(Monitor).where(Monitor.organization_id == org))
        if m.name == "Mail server"
    )

    publish_state(session, redis_url, mail, MonitorState.UP)
    delta = tab.wait_for(MonitorListState, has_rows)

    assert names(delta) == []
    assert delta["matching_rx_state_"] == 0
    assert delta["counts_rx_state_"]["up"] == 3
