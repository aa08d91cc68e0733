"""Reflex configuration. IsUp keeps its own database engine
(``isup_app.core.db``), so Reflex's ``db_url`` stays unset; ports and the
Redis URL are chosen by ``isup_app.launch``.

Tab states live in memory when ``REFLEX_REDIS_URL`` is unset (one worker),
not in Reflex's default disk manager, which writes a tab's state back to disk
after every live push; with ``REFLEX_REDIS_URL`` set Reflex keeps them in
Redis, shared by the workers (an explicit mode here would stop that)."""

import os

import reflex as rx

state_manager = (
    {} if os.environ.get("REFLEX_REDIS_URL") else {"state_manager_mode": "memory"}
)

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
    **state_manager,
)
