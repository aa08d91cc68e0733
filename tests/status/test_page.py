"""The HTML page: banner, components in order, bars, incidents."""

from tests.status.conftest import Scene


def test_page_lists_components_by_display_name_in_order(client, scene: Scene):
    response = client.get("/status/acme")

    assert response.status_code == 200
    html = response.text
    assert html.index("Public API") < html.index("Website")
    assert html.count('class="bars"') == 2
    assert "Partial outage" in html or "partial_outage" in html
