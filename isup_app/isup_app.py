"""The Reflex app: pages, plain API routes behind the access rule, and the
live listener."""

import reflex as rx

from isup_app.api import build_api
from isup_app.api.auth import access_rule
from isup_app.pages import (
    contacts,
    dashboard,
    docs,
    incident_detail,
    incidents,
    index,
    monitor_detail,
    monitor_edit,
    monitor_new,
    organization,
    pricing,
    status_page_editor,
    status_pages,
)
from isup_app.states.live import listen_for_changes
from isup_app.states.session import handle_backend_exception

PAGES = [index, dashboard, monitor_detail, incidents, incident_detail, contacts]
PAGES += [status_pages, status_page_editor, organization]
PAGES += [monitor_new, monitor_edit]
PAGES += [pricing, docs, *docs.SECTIONS]

app = rx.App(
    api_transformer=[build_api(), access_rule],
    backend_exception_handler=handle_backend_exception,
)
for module in PAGES:
    app.add_page(
        module.page,
        route=module.ROUTE,
        title=module.TITLE,
        on_load=module.ON_LOAD,
    )
app.register_lifespan_task(listen_for_changes)
