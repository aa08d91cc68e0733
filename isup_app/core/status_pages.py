"""Status pages: what the dashboard edits, and what the public may see.

Two halves. The editing half (``create_status_page`` ... ``post_incident_update``)
takes the organization it works in and refuses anything outside it. The
public half builds one ``PageView`` per page: the only object the public
routes render, so the rule "a status page shows only what was put on it, by
display name" lives in one place. A ``PageView`` holds display names, states,
uptime, daily bars, incident updates written for the public, and maintenance
titles; never a monitor's URL, host, port, headers, keyword, error text or
contacts.
"""

import hmac
import logging
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dns.exception
import dns.resolver
import sqlalchemy as sa
from sqlmodel import Session, select

from isup_app.core import accounts, history, maintenance, plans
from isup_app.core.models import (
    Incident,
    IncidentUpdate,
    MaintenanceWindow,
    Monitor,
    MonitorState,
    MonitorStatus,
    StatusPage,
    StatusPageMonitor,
)

logger = logging.getLogger(__name__)

DAYS = 90
PAST_INCIDENT_DAYS = 30
PAST_INCIDENT_LIMIT = 10
FEED_INCIDENT_LIMIT = 50
UPCOMING_MAINTENANCE_DAYS = 30

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
DOMAIN_RE = re.compile(
    r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}$"
)
COLOUR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
LOGO_RE = re.compile(
    r"^(?:https://[^\s\"'<>]{1,2000}"
    r"|data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]{1,200000})$"
)
VERIFY_PREFIX = "_isup-verify"
THEME_COLOURS = ("primary_color", "background_color", "text_color")
EDITABLE = ("slug", "name", "description", "is_public", "allow_indexing", "theme")

# Component and overall states, in the words hosted status pages use.
OPERATIONAL = "operational"
DEGRADED = "degraded_performance"
PARTIAL = "partial_outage"
MAJOR = "major_outage"
MAINTENANCE = "under_maintenance"
UNKNOWN = "unknown"

STATE_LABELS = {
    OPERATIONAL: "Operational",
    DEGRADED: "Degraded performance",
    PARTIAL: "Partial outage",
    MAJOR: "Major outage",
    MAINTENANCE: "Under maintenance",
    UNKNOWN: "No data",
}
OVERALL = {
    OPERATIONAL: ("none", "All Systems Operational"),
    DEGRADED: ("minor", "Degraded Performance"),
    PARTIAL: ("major", "Partial Outage"),
    MAJOR: ("critical", "Major Outage"),
    MAINTENANCE: ("maintenance", "Under Maintenance"),
}
_MONITOR_STATES = {
    MonitorState.UP: OPERATIONAL,
    MonitorState.DEGRADED: DEGRADED,
    MonitorState.DOWN: MAJOR,
}


class StatusPageError(ValueError):
    """Something the dashboard asked for that cannot be saved; ``field``
    names the input to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class StatusPageNotFound(LookupError):
    """No such page (or incident) in this organization."""


class DomainCheckFailed(RuntimeError):
    """The DNS lookup itself failed (timeout, no answer from the server), as
    opposed to a record that is absent or wrong."""


# --- passwords --------------------------------------------------------------

# The same scrypt hashes as account passwords (``isup_app.core.accounts``).
hash_password = accounts.hash_password


def check_password(stored: str | None, password: str) -> bool:
    return accounts.check_password(password, stored)


# --- editing ----------------------------------------------------------------


def list_status_pages(session: Session, organization_id: str) -> list[StatusPage]:
    rows = session.exec(
        select(StatusPage)
        .where(StatusPage.organization_id == organization_id)
        .order_by(StatusPage.name)
    )
    return list(rows)


def get_status_page(session: Session, organization_id: str, page_id: int) -> StatusPage:
    page = session.get(StatusPage, page_id)
    if page is None or page.organization_id != organization_id:
        raise StatusPageNotFound(f"no status page {page_id}")
    return page


def create_status_page(
    session: Session,
    organization_id: str,
    *,
    slug: str,
    name: str,
    description: str | None = None,
    is_public: bool = True,
    allow_indexing: bool = True,
    theme: dict | None = None,
    user_id: str | None = None,
    password: str | None = None,
    now: datetime | None = None,
) -> StatusPage:
    plans.require_feature(session, organization_id, plans.STATUS_PAGES)
    at = now or datetime.now(UTC)
    page = StatusPage(
        organization_id=organization_id,
        user_id=user_id,
        slug=_clean_slug(session, slug),
        name=_clean_name(name),
        description=_clean_description(description),
        is_public=bool(is_public),
        allow_indexing=bool(allow_indexing),
        theme=clean_theme(theme),
        password_hash=hash_password(_clean_password(password)) if password else None,
        created_at=at,
        updated_at=at,
    )
    session.add(page)
    session.commit()
    session.refresh(page)
    logger.info("status page created id=%s org=%s", page.id, organization_id)
    return page


def update_status_page(
    session: Session,
    organization_id: str,
    page_id: int,
    *,
    now: datetime | None = None,
    **fields: Any,
) -> StatusPage:
    """Change any of ``EDITABLE``; unknown names are refused."""
    page = get_status_page(session, organization_id, page_id)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise StatusPageError(sorted(unknown)[0], "cannot be changed here")
    if "slug" in fields and fields["slug"] != page.slug:
        page.slug = _clean_slug(session, fields["slug"])
    if "name" in fields:
        page.name = _clean_name(fields["name"])
    if "description" in fields:
        page.description = _clean_description(fields["description"])
    if "is_public" in fields:
        page.is_public = bool(fields["is_public"])
    if "allow_indexing" in fields:
        page.allow_indexing = bool(fields["allow_indexing"])
    if "theme" in fields:
        page.theme = clean_theme(fields["theme"])
    return _save(session, page, now)


def delete_status_page(session: Session, organization_id: str, page_id: int) -> None:
    page = get_status_page(session, organization_id, page_id)
    session.exec(
        sa.delete(StatusPageMonitor).where(StatusPageMonitor.status_page_id == page.id)
    )
    session.delete(page)
    session.commit()
    logger.info("status page deleted id=%s org=%s", page_id, organization_id)


def page_monitors(session: Session, page: StatusPage) -> list[StatusPageMonitor]:
    rows = session.exec(
        select(StatusPageMonitor)
        .where(StatusPageMonitor.status_page_id == page.id)
        .order_by(StatusPageMonitor.sort_order, StatusPageMonitor.id)
    )
    return list(rows)


def set_page_monitors(
    session: Session,
    organization_id: str,
    page_id: int,
    entries: Iterable[tuple[int, str | None, int]],
    *,
    now: datetime | None = None,
) -> list[StatusPageMonitor]:
    """Replace the page's components with ``(monitor_id, display_name,
    sort_order)`` entries. A missing display name falls back to the monitor's
    own name, which the organization chose; every monitor must belong to the
    organization."""
    page = get_status_page(session, organization_id, page_id)
    entries = list(entries)
    ids = [monitor_id for monitor_id, _, _ in entries]
    if len(set(ids)) != len(ids):
        raise StatusPageError("monitors", "a monitor can be on a page only once")
    monitors = {}
    if ids:
        monitors = {
            m.id: m
            for m in session.exec(
                select(Monitor).where(
                    Monitor.organization_id == organization_id,
                    Monitor.id.in_(ids),
                    Monitor.status != MonitorStatus.DELETED,
                )
            )
        }
    missing = [i for i in ids if i not in monitors]
    if missing:
        raise StatusPageError("monitors", f"no such monitor: {missing[0]}")

    session.exec(
        sa.delete(StatusPageMonitor).where(StatusPageMonitor.status_page_id == page.id)
    )
    rows = []
    for monitor_id, display_name, sort_order in entries:
        shown = (display_name or "").strip() or monitors[monitor_id].name
        if len(shown) > 200:
            raise StatusPageError("display_name", "at most 200 characters")
        rows.append(
            StatusPageMonitor(
                status_page_id=page.id,
                monitor_id=monitor_id,
                display_name=shown,
                sort_order=int(sort_order),
            )
        )
    session.add_all(rows)
    _save(session, page, now)
    return page_monitors(session, page)


def set_page_password(
    session: Session,
    organization_id: str,
    page_id: int,
    password: str,
    *,
    now: datetime | None = None,
) -> StatusPage:
    page = get_status_page(session, organization_id, page_id)
    page.password_hash = hash_password(_clean_password(password))
    return _save(session, page, now)


def clear_page_password(
    session: Session, organization_id: str, page_id: int, *, now: datetime | None = None
) -> StatusPage:
    page = get_status_page(session, organization_id, page_id)
    page.password_hash = None
    return _save(session, page, now)


def set_custom_domain(
    session: Session,
    organization_id: str,
    page_id: int,
    domain: str | None,
    *,
    now: datetime | None = None,
) -> StatusPage:
    """Set (or with None, remove) the page's custom domain. A new domain is
    unverified until ``verify_custom_domain`` finds its TXT record."""
    page = get_status_page(session, organization_id, page_id)
    if not domain:
        page.custom_domain = None
        page.custom_domain_verified = None
        return _save(session, page, now)

    clean = normalise_host(domain)
    if not DOMAIN_RE.match(clean):
        raise StatusPageError("custom_domain", "not a domain name (status.example.com)")
    taken = session.exec(
        select(StatusPage.id).where(
            StatusPage.custom_domain == clean, StatusPage.id != page.id
        )
    ).first()
    if taken is not None:
        raise StatusPageError("custom_domain", "already used by another status page")
    if clean != page.custom_domain:
        page.custom_domain = clean
        page.custom_domain_verified = False
        page.domain_verification_token = secrets.token_hex(16)
    return _save(session, page, now)


def verification_record(page: StatusPage) -> tuple[str, str]:
    """The TXT record the editor tells the owner to add: (name, value)."""
    return f"{VERIFY_PREFIX}.{page.custom_domain}", page.domain_verification_token


def verify_custom_domain(page: StatusPage, resolver: dns.resolver.Resolver) -> bool:
    """Look up ``_isup-verify.<domain>`` and mark the page verified when one
    of its TXT strings is the page's token. Sets the flag on ``page`` (the
    caller saves it); raises ``DomainCheckFailed`` when DNS did not answer."""
    if not page.custom_domain:
        page.custom_domain_verified = None
        return False
    name, token = verification_record(page)
    try:
        answer = resolver.resolve(name, "TXT", raise_on_no_answer=False)
        texts = [
            b"".join(rdata.strings).decode("utf-8", "replace")
            for rdata in (answer.rrset or [])
        ]
    except dns.resolver.NXDOMAIN:
        texts = []
    except dns.exception.DNSException as exc:
        raise DomainCheckFailed(f"DNS lookup of {name} failed: {exc}") from exc
    verified = any(hmac.compare_digest(text.strip(), token) for text in texts)
    page.custom_domain_verified = verified
    logger.info("custom domain checked page=%s verified=%s", page.id, verified)
    return verified


def check_custom_domain(
    session: Session,
    organization_id: str,
    page_id: int,
    resolver: dns.resolver.Resolver,
    *,
    now: datetime | None = None,
) -> StatusPage:
    """``verify_custom_domain`` for the dashboard: looks up and saves."""
    page = get_status_page(session, organization_id, page_id)
    verify_custom_domain(page, resolver)
    return _save(session, page, now)


def post_incident_update(
    session: Session,
    organization_id: str,
    incident_id: int,
    status: str,
    message: str,
    *,
    now: datetime | None = None,
) -> IncidentUpdate:
    """An update the organization writes for the public about one incident.

    Posting ``resolved`` says so on the page; the incident itself closes when
    its monitor is up again (the evaluator's decision)."""
    incident = session.get(Incident, incident_id)
    if incident is None or incident.organization_id != organization_id:
        raise StatusPageNotFound(f"no incident {incident_id}")
    if status not in INCIDENT_STATUSES:
        raise StatusPageError("status", f"one of {', '.join(INCIDENT_STATUSES)}")
    text = (message or "").strip()
    if not text:
        raise StatusPageError("message", "write what is happening")
    if len(text) > 5000:
        raise StatusPageError("message", "at most 5000 characters")
    update = IncidentUpdate(
        incident_id=incident.id,
        organization_id=organization_id,
        status=status,
        message=text,
        created_at=now or datetime.now(UTC),
    )
    session.add(update)
    _touch_pages_showing(session, incident.monitor_id, update.created_at)
    session.commit()
    session.refresh(update)
    logger.info("incident update posted incident=%s status=%s", incident.id, status)
    return update


def _touch_pages_showing(session: Session, monitor_id: int, at: datetime) -> None:
    # A page's cached copies are keyed by its updated_at: moving it on makes
    # every page that shows this monitor render afresh.
    pages = select(StatusPageMonitor.status_page_id).where(
        StatusPageMonitor.monitor_id == monitor_id
    )
    session.exec(
        sa.update(StatusPage).where(StatusPage.id.in_(pages)).values(updated_at=at)
    )


def clean_theme(theme: dict | None) -> dict | None:
    """Keep the theme keys pages use, refusing values that could inject markup
    or CSS: colours are ``#rgb``/``#rrggbb``, a logo is https or a data image."""
    if not theme:
        return None
    clean: dict[str, str] = {}
    for key in THEME_COLOURS:
        value = theme.get(key)
        if value:
            if not isinstance(value, str) or not COLOUR_RE.match(value):
                raise StatusPageError(f"theme.{key}", "a colour like #1a7f37")
            clean[key] = value
    logo = theme.get("logo_url")
    if logo:
        if not isinstance(logo, str) or not LOGO_RE.match(logo):
            raise StatusPageError(
                "theme.logo_url", "an https address or a data:image/... URL"
            )
        clean["logo_url"] = logo
    return clean or None


def normalise_host(host: str) -> str:
    """``Status.Example.com.:443`` -> ``status.example.com``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def suggest_slug(name: str) -> str:
    """A slug ``SLUG_RE`` accepts made from a page's name, or '' when the
    name has no letters or digits: ``Café Zürich status`` -> ``cafe-zurich-status``.
    Accents are dropped, other characters become single dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.decode().lower()).strip("-")
    slug = slug[:64].rstrip("-")
    return slug if SLUG_RE.match(slug) else ""


def _clean_slug(session: Session, slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise StatusPageError(
            "slug", "lowercase letters, digits and dashes, at most 64 characters"
        )
    taken = session.exec(select(StatusPage.id).where(StatusPage.slug == slug)).first()
    if taken is not None:
        raise StatusPageError("slug", "already taken")
    return slug


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise StatusPageError("name", "give the page a name")
    if len(name) > 200:
        raise StatusPageError("name", "at most 200 characters")
    return name


def _clean_description(description: str | None) -> str | None:
    text = (description or "").strip()
    if len(text) > 2000:
        raise StatusPageError("description", "at most 2000 characters")
    return text or None


def _clean_password(password: str | None) -> str:
    if not password or len(password) < 6:
        raise StatusPageError("password", "at least 6 characters")
    if len(password) > 200:
        raise StatusPageError("password", "at most 200 characters")
    return password


def _save(session: Session, page: StatusPage, now: datetime | None) -> StatusPage:
    page.updated_at = now or datetime.now(UTC)
    session.add(page)
    session.commit()
    session.refresh(page)
    return page


# --- the public view --------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    date: date
    state: str
    uptime: float | None
    incidents: int

    @property
    def tooltip(self) -> str:
        when = f"{self.date.day} {MONTHS[self.date.month - 1]} {self.date.year}"
        if self.state == "no_data" or self.uptime is None:
            text = f"{when}: no data"
        else:
            text = f"{when}: {format_uptime(self.uptime)} uptime"
        if self.state == "maintenance":
            text += ", maintenance"
        if self.incidents:
            plural = "s" if self.incidents != 1 else ""
            text += f", {self.incidents} incident{plural}"
        return text


MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Component:
    id: str  # the status_page_monitors row, never the monitor's own id
    key: str  # slug of the display name, unique on the page
    name: str
    position: int
    status: str
    uptime: float | None
    bars: list[Bar]

    @property
    def label(self) -> str:
        return STATE_LABELS[self.status]


@dataclass(frozen=True)
class Update:
    id: str
    status: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class PublicIncident:
    id: str
    name: str
    status: str
    impact: str
    started_at: datetime
    resolved_at: datetime | None
    updated_at: datetime
    component_ids: list[str]
    updates: list[Update]  # newest first


@dataclass(frozen=True)
class PublicMaintenance:
    id: str
    name: str
    status: str  # scheduled, in_progress
    scheduled_for: datetime
    scheduled_until: datetime
    component_ids: list[str]


@dataclass(frozen=True)
class PageView:
    slug: str
    name: str
    description: str | None
    theme: dict
    allow_indexing: bool
    status: str
    indicator: str
    status_description: str
    components: list[Component]
    active_incidents: list[PublicIncident]
    past_incidents: list[PublicIncident]
    maintenances: list[PublicMaintenance]
    updated_at: datetime
    generated_at: datetime
    feed_incidents: list[PublicIncident] = field(default_factory=list)

    def component(self, key: str) -> Component | None:
        for comp in self.components:
            if comp.key == key or comp.id == key:
                return comp
        return None


def find_page_by_slug(session: Session, slug: str) -> StatusPage | None:
    return session.exec(select(StatusPage).where(StatusPage.slug == slug)).first()


def find_page_by_domain(session: Session, host: str) -> StatusPage | None:
    """The page served at ``host``, only once its domain is verified."""
    return session.exec(
        select(StatusPage).where(
            StatusPage.custom_domain == normalise_host(host),
            StatusPage.custom_domain_verified.is_(True),
        )
    ).first()


def verified_domains(session: Session) -> dict[str, str]:
    """Every verified custom domain and its page's slug."""
    rows = session.exec(
        select(StatusPage.custom_domain, StatusPage.slug).where(
            StatusPage.custom_domain.is_not(None),
            StatusPage.custom_domain_verified.is_(True),
        )
    )
    return {domain: slug for domain, slug in rows}


def build_page_view(
    session: Session, page: StatusPage, *, now: datetime, days: int = DAYS
) -> PageView:
    rows = page_monitors(session, page)
    monitor_ids = [row.monitor_id for row in rows]
    monitors = {
        m.id: m
        for m in session.exec(
            select(Monitor).where(
                Monitor.organization_id == page.organization_id,
                Monitor.id.in_(monitor_ids or [-1]),
            )
        )
    }
    rows = [
        r
        for r in rows
        if r.monitor_id in monitors
        and monitors[r.monitor_id].status != MonitorStatus.DELETED
    ]
    bars, uptime = _bars(session, [r.monitor_id for r in rows], now=now, days=days)
    windows = _windows(session, page.organization_id, now)

    keys = _component_keys(rows)
    components = []
    component_of: dict[int, str] = {}
    for position, row in enumerate(rows, start=1):
        monitor = monitors[row.monitor_id]
        status = _component_status(monitor, windows, now)
        monitor_bars = bars.get(row.monitor_id, [])
        components.append(
            Component(
                id=str(row.id),
                key=keys[row.id],
                name=row.display_name or monitor.name,
                position=position,
                status=status,
                uptime=uptime.get(row.monitor_id),
                bars=monitor_bars,
            )
        )
        component_of[row.monitor_id] = str(row.id)

    incidents = _incidents(session, page, rows, component_of, now)
    active = [i for i in incidents if i.resolved_at is None]
    cutoff = now - timedelta(days=PAST_INCIDENT_DAYS)
    past = [i for i in incidents if i.resolved_at and i.resolved_at >= cutoff]
    status = overall_status([c.status for c in components])
    indicator, description = OVERALL[status]
    return PageView(
        slug=page.slug,
        name=page.name,
        description=page.description,
        theme=_safe_theme(page.theme),
        allow_indexing=bool(page.allow_indexing),
        status=status,
        indicator=indicator,
        status_description=description,
        components=components,
        active_incidents=active,
        past_incidents=past[:PAST_INCIDENT_LIMIT],
        maintenances=_maintenances(windows, component_of, now),
        updated_at=page.updated_at,
        generated_at=now,
        feed_incidents=incidents[:FEED_INCIDENT_LIMIT],
    )


def overall_status(states: Sequence[str]) -> str:
    """The banner: maintenance wins only when nothing is down."""
    known = [s for s in states if s != UNKNOWN]
    down = sum(1 for s in known if s == MAJOR)
    if down and down == len(known):
        return MAJOR
    if down:
        return PARTIAL
    if any(s == DEGRADED for s in known):
        return DEGRADED
    if any(s == MAINTENANCE for s in known):
        return MAINTENANCE
    return OPERATIONAL


def format_uptime(value: float | None) -> str:
    if value is None:
        return "no data"
    if value >= 100:
        return "100%"
    return f"{min(value, 99.99):.2f}%"


def _component_status(
    monitor: Monitor, windows: list[tuple[MaintenanceWindow, list]], now: datetime
) -> str:
    for window, spans in windows:
        applies = not window.monitor_ids or monitor.id in window.monitor_ids
        if applies and any(start <= now < end for start, end in spans):
            return MAINTENANCE
    if monitor.status == MonitorStatus.PAUSED:
        return UNKNOWN
    return _MONITOR_STATES.get(monitor.current_state, UNKNOWN)


def _component_keys(rows: list[StatusPageMonitor]) -> dict[int, str]:
    keys: dict[int, str] = {}
    used: set[str] = set()
    for row in rows:
        base = re.sub(r"[^a-z0-9]+", "-", (row.display_name or "").lower()).strip("-")
        base = base[:60] or "component"
        key, n = base, 2
        while key in used or key.isdigit():
            key, n = f"{base}-{n}", n + 1
        used.add(key)
        keys[row.id] = key
    return keys


def _bars(
    session: Session, monitor_ids: list[int], *, now: datetime, days: int
) -> tuple[dict[int, list[Bar]], dict[int, float | None]]:
    """Each monitor's daily bars and its uptime over the same span."""
    if not monitor_ids:
        return {}, {}
    found = history.daily_bars(session, monitor_ids, days=days, now=now)
    bars = {
        monitor_id: [
            Bar(
                date=b.date,
                state=str(b.state),
                uptime=b.uptime_percent,
                incidents=int(b.incident_count or 0),
            )
            for b in found.get(monitor_id, [])
        ]
        for monitor_id in monitor_ids
    }
    summaries = history.uptime_summary(session, monitor_ids, now)
    uptime = {
        m: (summaries[m].uptime_90d if m in summaries else None) for m in monitor_ids
    }
    return bars, uptime


def _windows(
    session: Session, organization_id: str, now: datetime
) -> list[tuple[MaintenanceWindow, list[tuple[datetime, datetime]]]]:
    horizon = now + timedelta(days=UPCOMING_MAINTENANCE_DAYS)
    found = []
    for window in session.exec(
        select(MaintenanceWindow).where(
            MaintenanceWindow.organization_id == organization_id
        )
    ):
        spans = list(maintenance.occurrences(window, now, horizon))
        spans = [(s, e) for s, e in spans if e > now]
        if spans:
            found.append((window, spans))
    return found


def _maintenances(
    windows: list[tuple[MaintenanceWindow, list[tuple[datetime, datetime]]]],
    component_of: dict[int, str],
    now: datetime,
) -> list[PublicMaintenance]:
    items = []
    for window, spans in windows:
        if window.monitor_ids:
            ids = [component_of[m] for m in window.monitor_ids if m in component_of]
            if not ids:
                continue  # a window for monitors that are not on this page
        else:
            ids = list(component_of.values())
        start, end = spans[0]
        items.append(
            PublicMaintenance(
                id=f"m{window.id}-{int(start.timestamp())}",
                name=window.title,
                status="in_progress" if start <= now else "scheduled",
                scheduled_for=start,
                scheduled_until=end,
                component_ids=ids,
            )
        )
    return sorted(items, key=lambda m: m.scheduled_for)


def _incidents(
    session: Session,
    page: StatusPage,
    rows: list[StatusPageMonitor],
    component_of: dict[int, str],
    now: datetime,
) -> list[PublicIncident]:
    if not rows:
        return []
    names = {r.monitor_id: r.display_name for r in rows}
    since = now - timedelta(days=DAYS)
    incidents = list(
        session.exec(
            select(Incident)
            .where(
                Incident.organization_id == page.organization_id,
                Incident.monitor_id.in_(list(names)),
                sa.or_(Incident.ended_at.is_(None), Incident.ended_at >= since),
            )
            .order_by(Incident.started_at.desc())
            .limit(FEED_INCIDENT_LIMIT * 2)
        )
    )
    updates: dict[int, list[IncidentUpdate]] = {}
    if incidents:
        for update in session.exec(
            select(IncidentUpdate)
            .where(
                IncidentUpdate.organization_id == page.organization_id,
                IncidentUpdate.incident_id.in_([i.id for i in incidents]),
            )
            .order_by(IncidentUpdate.created_at, IncidentUpdate.id)
        ):
            updates.setdefault(update.incident_id, []).append(update)
    return [
        _public_incident(i, names[i.monitor_id], component_of, updates.get(i.id, []))
        for i in incidents
    ]


def _public_incident(
    incident: Incident,
    name: str,
    component_of: dict[int, str],
    posted: list[IncidentUpdate],
) -> PublicIncident:
    # The automatic entries say only what the page already shows (which
    # component, since when); the incident's own cause and error text can hold
    # addresses and stay private.
    entries = [
        Update(
            id=f"i{incident.id}-start",
            status="investigating",
            body=f"{name} is not responding. We are looking into it.",
            created_at=incident.started_at,
        )
    ]
    entries += [
        Update(id=f"u{u.id}", status=u.status, body=u.message, created_at=u.created_at)
        for u in posted
    ]
    if incident.ended_at and not any(u.status == "resolved" for u in posted):
        entries.append(
            Update(
                id=f"i{incident.id}-end",
                status="resolved",
                body=f"{name} is responding again.",
                created_at=incident.ended_at,
            )
        )
    entries.sort(key=lambda u: u.created_at)
    status = "resolved" if incident.ended_at else entries[-1].status
    return PublicIncident(
        id=f"i{incident.id}",
        name=f"{name} outage",
        status=status,
        impact="major",
        started_at=incident.started_at,
        resolved_at=incident.ended_at,
        updated_at=entries[-1].created_at,
        component_ids=[component_of[incident.monitor_id]],
        updates=list(reversed(entries)),
    )


def _safe_theme(theme: dict | None) -> dict:
    try:
        return clean_theme(theme) or {}
    except StatusPageError:
        logger.warning("status page theme ignored: %s", "invalid stored theme")
        return {}
