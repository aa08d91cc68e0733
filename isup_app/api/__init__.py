"""Plain HTTP routes, mounted under Reflex through ``api_transformer``.

Each area keeps its routes in a module of its own with an ``APIRouter``
named ``router``; ``build_api`` gathers them. Paths that must answer real
status codes (status pages, badges, JSON, heartbeat pings, webhooks) live
here rather than in Reflex pages.
"""

import importlib
import logging

from fastapi import FastAPI

logger = logging.getLogger(__name__)

# Modules under isup_app.api that define ``router``; add yours here.
ROUTER_MODULES: list[str] = [
    "auth",
    "billing",
    "status_pages",
    "heartbeat",
    "reports",
    "monitors",
    "keys",
]


def build_api() -> FastAPI:
    api = FastAPI(title="IsUp", docs_url=None, redoc_url=None, openapi_url=None)
    for name in ROUTER_MODULES:
        module = importlib.import_module(f"isup_app.api.{name}")
        api.include_router(module.router)
    return api
