"""Public status pages as plain HTTP routes, with real status codes.

Addresses, for a page with slug ``acme``::

    /status/acme                         the page (HTML)
    /status/acme/unlock                  POST: the password form
    /status/acme/api/v2/summary.json     summary in the hosted status-page shape
    /status/acme/feed.rss, feed.atom     incidents as feeds
    /status/acme/badge/<component>.svg   ?type=status|uptime
    /api/public/status/acme.json         everything the page shows, bars included

On a verified custom domain the same paths start at ``/`` instead of
``/status/acme`` (``/``, ``/unlock``, ``/api/v2/summary.json``, ...).

Caching: every rendered body is kept in Redis under a key made of the page,
its ``updated_at``, the organization's and the page's version numbers and the
variant. Editing a page, posting an incident update or adding a maintenance
window (both touch the pages that show the monitor) moves ``updated_at``.
The evaluator announces every result on the organization's changes channel;
a listener in each web process ignores the routine ones (no state change, no
incident opened or resolved) and turns the others into an ``INCR`` of the
version of each page showing that monitor. Other announcements (a monitor
edited, paused or deleted in the dashboard) move the organization's version.
Either way later requests miss and render afresh; nothing has to be deleted.
Entries also expire after ``status_cache_seconds``, which bounds how stale
the uptime figures and bars get from routine results, and covers an
announcement lost (Redis restarted, listener reconnecting) and what moves
with the clock (maintenance starting, today's bar). When Redis does not
answer, pages are rendered uncached and the cache is not tried again for a
few seconds.
"""

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from feedgen.feed import FeedGenerator
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select
from starlette.routing import Match

from isup_app.core import accounts, auth, bus
from isup_app.core import status_pages as sp
from isup_app.core.models import StatusPage, StatusPageMonitor
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
COOKIE_PREFIX = "isup_sp_"
COOKIE_MAX_AGE = 30 * 24 * 3600
PASSWORD_ATTEMPTS = 10
PASSWORD_WINDOW_SECONDS = 600
REDIS_RETRY_SECONDS = 5.0
VERSION_KEY = "isup:sp:v:"
PAGE_VERSION_KEY = "isup:sp:pv:"
CACHE_KEY = "isup:sp:c:"
ATTEMPTS_KEY = "isup:sp:pw:"

_templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["uptime"] = sp.format_uptime


def _format_time(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC") if value else ""


_templates.filters["when"] = _format_time


def _bars_markup(bars: list[sp.Bar]) -> Markup:
    # 90 bars a component, 20 components: one join here instead of a
    # template loop is most of a page's rendering time saved.
    return Markup(
        "".join(
            f'<li class="{escape(b.state)}" data-tip="{escape(b.tooltip)}"></li>'
            for b in bars
        )
    )


_templates.filters["bars"] = _bars_markup


def _with_status(name: str) -> str:
    """A page's title: "Acme status", but "Acme Status" as it is."""
    return name if name.lower().endswith("status") else f"{name} status"


_templates.filters["with_status"] = _with_status


# --- the runtime: database, cache, cookies, rate limits ---------------------


class StatusPagesRuntime:
    """What the routes need, built once per app and kept on
    ``app.state.status_pages``; tests build their own."""

    def __init__(
        self,
        engine: Engine,
        *,
        redis_url: str = "",
        secret_key: str = "",
        public_url: str = "http://localhost:3000",
        cache_seconds: float = 30,
        domain_refresh_seconds: float = 10,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        settings: Settings | None = None,
        listen: bool = True,
    ):
        self.engine = engine
        self.redis_url = redis_url
        self.public_url = public_url.rstrip("/")
        self.cache_seconds = cache_seconds
        self.domain_refresh_seconds = domain_refresh_seconds
        self.clock = clock
        self.settings = settings or get_settings()
        secret_key = secret_key or auth.secret_key(self.settings).decode()
        self.signer = URLSafeTimedSerializer(secret_key, salt="isup.status-page")
        self._redis = (
            redis.Redis.from_url(
                redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            if redis_url
            else None
        )
        self._redis_down_until = 0.0
        self._lock = threading.Lock()
        self._domains: dict[str, str] = {}
        self._domains_at = float("-inf")
        self._attempts: dict[str, tuple[int, float]] = {}
        self._listen = listen and bool(redis_url)
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()

    @classmethod
    def from_settings(cls, settings: Settings) -> "StatusPagesRuntime":
        from isup_app.core.db import get_engine

        return cls(
            get_engine(),
            redis_url=settings.redis_url,
            public_url=settings.public_url,
            cache_seconds=settings.status_cache_seconds,
            settings=settings,
        )

    def viewer_organizations(self, request: Request, session: Session) -> set[str]:
        return _signed_in_organizations(request, session, self.settings)

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=3)
        if self._redis is not None:
            self._redis.close()

    # Redis, tolerating its absence.

    def _client(self) -> redis.Redis | None:
        if self._redis is None or time.monotonic() < self._redis_down_until:
            return None
        self._start_listener()
        return self._redis

    def _redis_failed(self, exc: Exception) -> None:
        if time.monotonic() >= self._redis_down_until:
            logger.warning("status pages: redis unavailable, serving uncached: %s", exc)
        self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS

    def cached(self, page: StatusPage, variant: str, render: Callable[[], bytes]):
        """The body for ``variant`` of ``page``: from Redis, or rendered."""
        client = self._client()
        key = None
        if client is not None:
            try:
                versions = client.mget(
                    VERSION_KEY + page.organization_id,
                    f"{PAGE_VERSION_KEY}{page.id}",
                )
                version = ".".join((v or b"0").decode() for v in versions)
                edited = int(page.updated_at.timestamp() * 1000)
                key = f"{CACHE_KEY}{page.id}:{edited}:{version}:{variant}"
                body = client.get(key)
                if body is not None:
                    return body
            except redis.RedisError as exc:
                self._redis_failed(exc)
                key = None
        body = render()
        if key is not None:
            try:
                client.set(key, body, px=int(self.cache_seconds * 1000))
            except redis.RedisError as exc:
                self._redis_failed(exc)
        return body

    def invalidate(self, organization_id: str) -> None:
        client = self._client()
        if client is None:
            return
        try:
            client.incr(VERSION_KEY + organization_id)
        except redis.RedisError as exc:
            self._redis_failed(exc)

    def _start_listener(self) -> None:
        if not self._listen or self._listener is not None:
            return
        with self._lock:
            if self._listener is None:
                self._listener = threading.Thread(
                    target=self._listen_forever,
                    name="status-pages-changes",
                    daemon=True,
                )
                self._listener.start()

    def _listen_forever(self) -> None:
        while not self._stop.is_set():
            try:
                client = redis.Redis.from_url(
                    self.redis_url, socket_timeout=10, socket_connect_timeout=2
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(bus.CHANGES_PREFIX + "*")
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.2)
                    if message and message["type"] == "pmessage":
                        channel = message["channel"].decode()
                        org = channel.removeprefix(bus.CHANGES_PREFIX)
                        self._apply_change(client, org, message["data"])
                pubsub.close()
                client.close()
            except redis.RedisError as exc:
                logger.debug("status pages: change listener reconnecting: %s", exc)
                self._stop.wait(1.0)

    def _apply_change(self, client: redis.Redis, org: str, data: bytes) -> None:
        """Move the versions of what ``data``, one announcement on ``org``'s
        changes channel, makes stale."""
        try:
            change = json.loads(data)
        except ValueError:
            change = {}
        if not isinstance(change, dict):
            change = {}
        monitor_id = change.get("monitor_id")
        incident = change.get("incident_action")
        if change.get("changed") is False and not incident:
            return  # a routine result: the expiry bounds its figures and bars
        if not isinstance(monitor_id, int) or (
            "changed" not in change and not incident
        ):
            # Not a result nor an incident: an edit, a pause, a deletion.
            client.incr(VERSION_KEY + org)
            return
        try:
            with Session(self.engine) as session:
                pages = session.exec(
                    select(StatusPageMonitor.status_page_id)
                    .join(StatusPage, StatusPage.id == StatusPageMonitor.status_page_id)
                    .where(
                        StatusPageMonitor.monitor_id == monitor_id,
                        StatusPage.organization_id == org,
                    )
                ).all()
        except SQLAlchemyError as exc:
            logger.warning("status pages: page lookup failed, org=%s: %s", org, exc)
            client.incr(VERSION_KEY + org)
            return
        for page_id in set(pages):
            client.incr(f"{PAGE_VERSION_KEY}{page_id}")

    # Custom domains.

    def slug_for_host(self, host: str) -> str | None:
        if time.monotonic() - self._domains_at > self.domain_refresh_seconds:
            self.refresh_domains()
        return self._domains.get(sp.normalise_host(host))

    def refresh_domains(self) -> None:
        with Session(self.engine) as session:
            domains = sp.verified_domains(session)
        self._domains, self._domains_at = domains, time.monotonic()

    # Password cookies and attempts.

    def unlock_cookie(self, page: StatusPage) -> str:
        return self.signer.dumps({"p": page.id, "h": _fingerprint(page)})

    def is_unlocked(self, page: StatusPage, request: Request) -> bool:
        value = request.cookies.get(f"{COOKIE_PREFIX}{page.id}")
        if not value:
            return False
        try:
            data = self.signer.loads(value, max_age=COOKIE_MAX_AGE)
        except BadSignature:
            return False
        return data == {"p": page.id, "h": _fingerprint(page)}

    def take_attempt(self, page: StatusPage, ip: str) -> int:
        """Count one password attempt; returns seconds to wait, 0 if allowed."""
        key = f"{ATTEMPTS_KEY}{page.id}:{ip}"
        client = self._client()
        if client is not None:
            try:
                count = client.incr(key)
                if count == 1:
                    client.expire(key, PASSWORD_WINDOW_SECONDS)
                if count <= PASSWORD_ATTEMPTS:
                    return 0
                return max(int(client.ttl(key)), 1)
            except redis.RedisError as exc:
                self._redis_failed(exc)
        # Without Redis, count in this process: weaker with several workers,
        # but never unlimited.
        now = time.monotonic()
        with self._lock:
            count, until = self._attempts.get(key, (0, now + PASSWORD_WINDOW_SECONDS))
            if now >= until:
                count, until = 0, now + PASSWORD_WINDOW_SECONDS
            self._attempts[key] = (count + 1, until)
        return 0 if count + 1 <= PASSWORD_ATTEMPTS else max(int(until - now), 1)


def _fingerprint(page: StatusPage) -> str:
    # Changing or clearing the password turns every earlier cookie away.
    return hashlib.sha256((page.password_hash or "").encode()).hexdigest()[:16]


def _signed_in_organizations(
    request: Request, session: Session, settings: Settings
) -> set[str]:
    """Organizations the visitor belongs to, from the dashboard's session
    cookie (any of them, not only the one chosen in the dashboard)."""
    identity = auth.identity_from_cookies(
        request.cookies, session, settings, allow_refresh=False
    )
    if identity is None:
        return set()
    return {
        m.organization_id for m in accounts.memberships_of(session, identity.user_id)
    }


def runtime_for(app: Any) -> StatusPagesRuntime:
    runtime = getattr(app.state, "status_pages", None)
    if runtime is None:
        runtime = StatusPagesRuntime.from_settings(get_settings())
        app.state.status_pages = runtime
    return runtime


# --- access -----------------------------------------------------------------


@dataclass
class Visit:
    runtime: StatusPagesRuntime
    page: StatusPage
    base: str  # "/status/<slug>" or "" on a custom domain
    locked: bool
    member: bool

    @property
    def cookie_path(self) -> str:
        return self.base or "/"

    def headers(self) -> dict[str, str]:
        headers = {}
        if not self.page.allow_indexing or self.member or self.page.password_hash:
            headers["X-Robots-Tag"] = "noindex, nofollow"
        if self.page.is_public and not self.page.password_hash:
            headers["Cache-Control"] = "public, max-age=30"
        else:
            # Never let a shared cache hand an unlocked page to someone else.
            headers["Cache-Control"] = "private, no-store"
            headers["Vary"] = "Cookie"
        return headers


class NotFound(Exception):
    pass


def _not_found() -> Response:
    # The same answer for a missing page and a private one: no hint either way.
    return Response("Not Found", status_code=404, media_type="text/plain")


def _visit(request: Request, slug: str | None) -> Visit:
    runtime = runtime_for(request.app)
    if slug is None:
        slug = runtime.slug_for_host(request.headers.get("host", ""))
        base = ""
    else:
        base = f"/status/{slug}"
    if not slug:
        raise NotFound
    with Session(runtime.engine, expire_on_commit=False) as session:
        page = sp.find_page_by_slug(session, slug)
        if page is None:
            raise NotFound
        # Only private and password pages care who is asking.
        member = (not page.is_public or bool(page.password_hash)) and (
            page.organization_id in runtime.viewer_organizations(request, session)
        )
    if not page.is_public and not member:
        raise NotFound
    locked = bool(page.password_hash) and not member
    if locked and runtime.is_unlocked(page, request):
        locked = False
    return Visit(runtime, page, base, locked, member)


def _view(visit: Visit) -> sp.PageView:
    with Session(visit.runtime.engine) as session:
        return sp.build_page_view(session, visit.page, now=visit.runtime.clock())


# --- rendering --------------------------------------------------------------


def render_html(view: sp.PageView, base: str) -> bytes:
    html = _templates.get_template("status/page.html").render(
        view=view, base=base, theme=_theme(view.theme), labels=sp.STATE_LABELS
    )
    return html.encode()


def render_locked(page: StatusPage, base: str, error: str = "") -> str:
    return _templates.get_template("status/password.html").render(
        name=page.name,
        base=base,
        error=error,
        theme=_theme(sp._safe_theme(page.theme)),
        allow_indexing=False,
    )


def _theme(theme: dict) -> dict:
    return {
        "primary": theme.get("primary_color", "#1a7f37"),
        "background": theme.get("background_color", "#f6f8fa"),
        "text": theme.get("text_color", "#1f2328"),
        "logo_url": theme.get("logo_url"),
    }


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="milliseconds") if value else None


def summary(view: sp.PageView, page_url: str) -> dict:
    """The summary in the shape of the common hosted status-page API (v2)."""
    page_id = view.slug
    return {
        "page": {
            "id": page_id,
            "name": view.name,
            "url": page_url,
            "time_zone": "Etc/UTC",
            "updated_at": _iso(view.updated_at),
        },
        "status": {"indicator": view.indicator, "description": view.status_description},
        "components": [
            {
                "id": c.id,
                "name": c.name,
                "status": c.status,
                "created_at": None,
                "updated_at": _iso(view.generated_at),
                "position": c.position,
                "description": None,
                "showcase": True,
                "start_date": None,
                "group_id": None,
                "page_id": page_id,
                "group": False,
                "only_show_if_degraded": False,
                "uptime_percent": _round(c.uptime),
            }
            for c in view.components
        ],
        "incidents": [_incident_json(i, view) for i in view.active_incidents],
        "scheduled_maintenances": [
            _maintenance_json(m, view) for m in view.maintenances
        ],
    }


def public_json(view: sp.PageView, page_url: str) -> dict:
    """Everything the HTML page shows, bars included."""
    data = summary(view, page_url)
    data["page"]["description"] = view.description
    data["status"]["state"] = view.status
    for item, comp in zip(data["components"], view.components, strict=True):
        item["key"] = comp.key
        item["bars"] = [
            {
                "date": b.date.isoformat(),
                "state": b.state,
                "uptime_percent": _round(b.uptime),
                "incidents": b.incidents,
            }
            for b in comp.bars
        ]
    data["past_incidents"] = [_incident_json(i, view) for i in view.past_incidents]
    return data


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _incident_json(incident: sp.PublicIncident, view: sp.PageView) -> dict:
    components = [c for c in view.components if c.id in incident.component_ids]
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "impact": incident.impact,
        "created_at": _iso(incident.started_at),
        "updated_at": _iso(incident.updated_at),
        "started_at": _iso(incident.started_at),
        "monitoring_at": None,
        "resolved_at": _iso(incident.resolved_at),
        "shortlink": None,
        "page_id": view.slug,
        "incident_updates": [
            {
                "id": u.id,
                "status": u.status,
                "body": u.body,
                "incident_id": incident.id,
                "created_at": _iso(u.created_at),
                "updated_at": _iso(u.created_at),
                "display_at": _iso(u.created_at),
                "affected_components": None,
            }
            for u in incident.updates
        ],
        "components": [
            {"id": c.id, "name": c.name, "status": c.status} for c in components
        ],
    }


def _maintenance_json(item: sp.PublicMaintenance, view: sp.PageView) -> dict:
    return {
        "id": item.id,
        "name": item.name,
        "status": item.status,
        "impact": "maintenance",
        "scheduled_for": _iso(item.scheduled_for),
        "scheduled_until": _iso(item.scheduled_until),
        "page_id": view.slug,
        "components": [
            {"id": c.id, "name": c.name, "status": c.status}
            for c in view.components
            if c.id in item.component_ids
        ],
    }


def render_feed(view: sp.PageView, page_url: str, kind: str) -> bytes:
    feed = FeedGenerator()
    feed.id(page_url)
    feed.title(f"{view.name} status")
    feed.link(href=page_url, rel="alternate")
    feed.link(href=f"{page_url.rstrip('/')}/feed.{kind}", rel="self")
    feed.description(view.description or f"Incidents on the {view.name} status page")
    feed.language("en")
    latest = max(
        [i.updated_at for i in view.feed_incidents] + [view.updated_at],
    )
    feed.updated(latest)
    feed.lastBuildDate(latest)
    for incident in view.feed_incidents:
        entry = feed.add_entry(order="append")
        entry.id(f"{page_url}#{incident.id}")
        entry.guid(f"{page_url}#{incident.id}", permalink=False)
        entry.title(f"{incident.name} ({incident.status})")
        entry.link(href=f"{page_url}#{incident.id}")
        lines = [
            f"{u.status.title()} ({_format_time(u.created_at)}): {u.body}"
            for u in incident.updates
        ]
        entry.description("\n".join(lines))
        entry.content("\n".join(lines), type="text")
        entry.published(incident.started_at)
        entry.updated(incident.updated_at)
    if kind == "rss":
        return feed.rss_str(pretty=True)
    return feed.atom_str(pretty=True)


BADGE_COLOURS = {
    sp.OPERATIONAL: "#2da44e",
    sp.DEGRADED: "#d4a72c",
    sp.PARTIAL: "#e16f24",
    sp.MAJOR: "#cf222e",
    sp.MAINTENANCE: "#0969da",
    sp.UNKNOWN: "#8c959f",
}
BADGE_TEXT = {
    sp.OPERATIONAL: "up",
    sp.DEGRADED: "degraded",
    sp.PARTIAL: "partial outage",
    sp.MAJOR: "down",
    sp.MAINTENANCE: "maintenance",
    sp.UNKNOWN: "unknown",
}


def render_badge(component: sp.Component, kind: str) -> bytes:
    if kind == "uptime":
        value = sp.format_uptime(component.uptime)
        if component.uptime is None:
            colour = BADGE_COLOURS[sp.UNKNOWN]
        elif component.uptime >= 99.9:
            colour = BADGE_COLOURS[sp.OPERATIONAL]
        elif component.uptime >= 99:
            colour = BADGE_COLOURS[sp.DEGRADED]
        else:
            colour = BADGE_COLOURS[sp.MAJOR]
    else:
        value = BADGE_TEXT[component.status]
        colour = BADGE_COLOURS[component.status]
    label = component.name
    # Verdana 11px is about 6.5 px a character; good enough for a badge.
    left = int(len(label) * 6.5) + 12
    right = int(len(value) * 6.5) + 12
    svg = _templates.get_template("status/badge.svg").render(
        label=label,
        value=value,
        colour=colour,
        left=left,
        right=right,
        width=left + right,
    )
    return svg.encode()


# --- routes -----------------------------------------------------------------


class CustomDomainRoute(APIRoute):
    """A route that exists only for requests whose Host is a verified custom
    domain; for every other host it does not match, so the request goes on to
    the next route (in the full app, Reflex's own pages)."""

    def matches(self, scope):
        if scope["type"] != "http":
            return Match.NONE, {}
        host = ""
        for name, value in scope.get("headers", []):
            if name == b"host":
                host = value.decode("latin-1")
                break
        app = scope.get("app")
        if not host or app is None or runtime_for(app).slug_for_host(host) is None:
            return Match.NONE, {}
        return super().matches(scope)


router = APIRouter()
domain_router = APIRouter(route_class=CustomDomainRoute)


def _page_url(request: Request, visit: Visit) -> str:
    # Links come from settings or the verified domain, never from the Host
    # header of whoever filled the cache.
    if visit.base:
        return f"{visit.runtime.public_url}{visit.base}"
    return f"{request.url.scheme}://{visit.page.custom_domain}"


def _locked_response(visit: Visit, error: str = "", status: int = 401) -> Response:
    headers = visit.headers()
    headers["X-Robots-Tag"] = "noindex, nofollow"
    return Response(
        render_locked(visit.page, visit.base, error),
        status_code=status,
        media_type="text/html",
        headers=headers,
    )


def _serve_page(request: Request, slug: str | None) -> Response:
    try:
        visit = _visit(request, slug)
    except NotFound:
        return _not_found()
    if visit.locked:
        return _locked_response(visit)
    body = visit.runtime.cached(
        visit.page, f"html:{visit.base}", lambda: render_html(_view(visit), visit.base)
    )
    return Response(body, media_type="text/html", headers=visit.headers())


def _serve_unlock(request: Request, slug: str | None, password: str) -> Response:
    try:
        visit = _visit(request, slug)
    except NotFound:
        return _not_found()
    target = visit.base or "/"
    if not visit.page.password_hash or not visit.locked:
        return RedirectResponse(target, status_code=303)
    ip = request.client.host if request.client else "unknown"
    wait = visit.runtime.take_attempt(visit.page, ip)
    if wait:
        logger.info("status page password rate-limited page=%s", visit.page.id)
        minutes = max(1, round(wait / 60))
        response = _locked_response(
            visit, f"Too many attempts. Try again in {minutes} min.", status=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    if not sp.check_password(visit.page.password_hash, password):
        return _locked_response(visit, "Wrong password.")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        f"{COOKIE_PREFIX}{visit.page.id}",
        visit.runtime.unlock_cookie(visit.page),
        max_age=COOKIE_MAX_AGE,
        path=visit.cookie_path,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


def _serve_data(
    request: Request, slug: str | None, variant: str, render, media_type: str
) -> Response:
    try:
        visit = _visit(request, slug)
    except NotFound:
        return _not_found()
    if visit.locked:
        return JSONResponse(
            {"error": "password required"}, status_code=401, headers=visit.headers()
        )
    url = _page_url(request, visit)
    body = visit.runtime.cached(
        visit.page, f"{variant}:{visit.base or url}", lambda: render(_view(visit), url)
    )
    return Response(body, media_type=media_type, headers=visit.headers())


def _summary_bytes(view, url):
    return JSONResponse(summary(view, url)).body


def _public_bytes(view, url):
    return JSONResponse(public_json(view, url)).body


def _serve_badge(request: Request, slug: str | None, key: str, kind: str):
    if kind not in ("status", "uptime"):
        kind = "status"
    try:
        visit = _visit(request, slug)
    except NotFound:
        return _not_found()
    if visit.locked:
        return JSONResponse(
            {"error": "password required"}, status_code=401, headers=visit.headers()
        )

    def render() -> bytes:
        component = _view(visit).component(key)
        return b"" if component is None else render_badge(component, kind)

    body = visit.runtime.cached(visit.page, f"badge:{key}:{kind}", render)
    if not body:
        return _not_found()
    headers = visit.headers()
    if "public" in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = "public, max-age=60"
    return Response(body, media_type="image/svg+xml", headers=headers)


FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


def _feed(kind: str):
    return lambda view, url: render_feed(view, url, kind)


@router.get("/status/{slug}")
def status_page(request: Request, slug: str):
    return _serve_page(request, slug)


@router.post("/status/{slug}/unlock")
def unlock_status_page(request: Request, slug: str, password: str = Form("")):
    return _serve_unlock(request, slug, password)


@router.get("/status/{slug}/api/v2/summary.json")
def status_summary(request: Request, slug: str):
    return _serve_data(request, slug, "summary", _summary_bytes, "application/json")


@router.get("/api/public/status/{slug}.json")
def status_public_json(request: Request, slug: str):
    return _serve_data(request, slug, "public", _public_bytes, "application/json")


@router.get("/status/{slug}/feed.{kind}")
def status_feed(request: Request, slug: str, kind: str):
    if kind not in FEED_TYPES:
        return _not_found()
    return _serve_data(request, slug, f"feed-{kind}", _feed(kind), FEED_TYPES[kind])


@router.get("/status/{slug}/badge/{key}.svg")
def status_badge(request: Request, slug: str, key: str, type: str = "status"):
    return _serve_badge(request, slug, key, type)


@domain_router.get("/")
def domain_page(request: Request):
    return _serve_page(request, None)


@domain_router.post("/unlock")
def domain_unlock(request: Request, password: str = Form("")):
    return _serve_unlock(request, None, password)


@domain_router.get("/api/v2/summary.json")
def domain_summary(request: Request):
    return _serve_data(request, None, "summary", _summary_bytes, "application/json")


@domain_router.get("/feed.{kind}")
def domain_feed(request: Request, kind: str):
    if kind not in FEED_TYPES:
        return _not_found()
    return _serve_data(request, None, f"feed-{kind}", _feed(kind), FEED_TYPES[kind])


@domain_router.get("/badge/{key}.svg")
def domain_badge(request: Request, key: str, type: str = "status"):
    return _serve_badge(request, None, key, type)


# Custom-domain routes first: they match only on a verified domain's host.
router.routes[:0] = domain_router.routes
