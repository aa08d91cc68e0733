"""Reflex configuration. IsUp keeps its own database engine
(``isup_app.core.db``), so Reflex's ``db_url`` stays unset; ports and the
Redis URL are chosen by ``isup_app.launch``."""

import reflex as rx

config = rx.Config(
    app_name="isup_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="teal", radius="medium")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
