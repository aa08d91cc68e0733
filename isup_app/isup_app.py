"""The Reflex app: pages, plain API routes, and the live listener."""

import reflex as rx

from isup_app.api import build_api
from isup_app.pages import dashboard, index
from isup_app.states.live import listen_for_changes

PAGES = [index, dashboard]

app = rx.App(api_transformer=build_api())
for module in PAGES:
    app.add_page(
        module.page,
        route=module.ROUTE,
        title=module.TITLE,
        on_load=module.ON_LOAD,
    )
app.register_lifespan_task(listen_for_changes)
