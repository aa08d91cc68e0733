"""The status pages editor: the organization's pages, and one page's settings.

Every handler asks ``isup_app.states.session`` who is asking, on the server:
any role reads, a member or higher changes (``require_write``), and a page of
another organization reads as not found. All the rules (slug, theme, password
hash, monitors of the organization only, the DNS record) are the core's
(``isup_app.core.status_pages``); this module turns its refusals into messages
beside the field they name. The database is the truth: every change to the
page's components reads the rows, changes them and writes them back, then the
view is read again.
"""

import asyncio
import dataclasses
import logging

import dns.nameserver
import dns.resolver
import reflex as rx
from sqlmodel import Session

from isup_app.core import accounts, plans
from isup_app.core import status_pages as sp
from isup_app.core.db import get_engine
from isup_app.core.models import MonitorStatus, StatusPage
from isup_app.core.monitors import list_monitors
from isup_app.core.settings import get_settings
from isup_app.states import live
from isup_app.states.session import identity_for, require_write
from isup_app.states.words import counted

logger = logging.getLogger(__name__)

DETAIL_FIELDS = ("name", "slug", "description", "allow_indexing")
THEME_FIELDS = (*sp.THEME_COLOURS, "logo_url")
DNS_LIFETIME_SECONDS = 5.0
UPGRADE_HREF = "/settings/billing"


@dataclasses.dataclass
class PageLine:
    """One status page in the list."""

    id: int
    name: str
    slug: str
    path: str
    public: bool
    protected: bool
    components: int
    components_words: str
    domain: str


@dataclasses.dataclass
class ComponentLine:
    """One monitor on the page being edited, in its order."""

    monitor_id: int
    monitor_name: str
    display_name: str
    state: str
    first: bool
    last: bool


@dataclasses.dataclass
class MonitorChoice:
    id: str
    name: str


def refusal(exc: sp.StatusPageError) -> str:
    """The core's refusal in a sentence for the form."""
    if exc.field == "slug" and exc.message == "already taken":
        return (
            "This slug is already taken by another status page; choose another address."
        )
    return exc.message[:1].upper() + exc.message[1:] + "."


def plan_message(exc: plans.PlanError) -> str:
    """The refusal without its trailing upgrade address: the page links to
    the organization page, where the upgrade buttons are."""
    return str(exc).removesuffix(f" Upgrade at {exc.upgrade_url}")


def plan_refusal(session: Session, organization_id: str) -> str:
    """Why this organization cannot create status pages, or ''."""
    try:
        plans.require_feature(session, organization_id, plans.STATUS_PAGES)
    except plans.PlanError as exc:
        return plan_message(exc)
    return ""


def _page_line(session: Session, page: StatusPage) -> PageLine:
    shown = sp.page_monitors(session, page)
    return PageLine(
        id=page.id,
        name=page.name,
        slug=page.slug,
        path=f"/status/{page.slug}",
        public=bool(page.is_public),
        protected=page.password_hash is not None,
        components=len(shown),
        components_words=counted(len(shown), "component"),
        domain=page.custom_domain or "",
    )


def page_lines(organization_id: str) -> tuple[list[PageLine], str]:
    """The organization's pages and, when its plan lacks them, why."""
    with Session(get_engine()) as session:
        lines = [
            _page_line(session, page)
            for page in sp.list_status_pages(session, organization_id)
        ]
        return lines, plan_refusal(session, organization_id)


def create_page(organization_id: str, user_id: str, form: dict) -> int:
    """A new page, private until it is published; returns its id."""
    with Session(get_engine(), expire_on_commit=False) as session:
        page = sp.create_status_page(
            session,
            organization_id,
            slug=form.get("slug", ""),
            name=form.get("name", ""),
            is_public=False,
            user_id=user_id,
        )
        return page.id


def _theme_from(form: dict) -> dict:
    return {key: (form.get(key) or "").strip() for key in THEME_FIELDS}


def _checked(value) -> bool:
    return value in (True, "on", "true", "True", "1", 1)


def _nameserver(text: str) -> tuple[str, int]:
    """``127.0.0.1``, ``127.0.0.1:5353``, ``::1`` or ``[::1]:5353``."""
    if text.startswith("["):
        host, _, port = text[1:].partition("]")
        return host, int(port.lstrip(":") or 53)
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, 53


def domain_resolver() -> dns.resolver.Resolver:
    """The resolver "verify now" asks: ``ISUP_DOMAIN_NAMESERVERS`` (comma
    separated, each with an optional port) or else the system's."""
    servers = [s.strip() for s in get_settings().domain_nameservers.split(",")]
    servers = [_nameserver(s) for s in servers if s]
    if servers:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(host, port) for host, port in servers
        ]
    else:
        resolver = dns.resolver.Resolver()
    resolver.lifetime = DNS_LIFETIME_SECONDS
    return resolver


@dataclasses.dataclass
class PageView:
    """Everything the editor shows of one page."""

    id: int = 0
    name: str = ""
    slug: str = ""
    description: str = ""
    primary_color: str = ""
    background_color: str = ""
    text_color: str = ""
    logo_url: str = ""
    public: bool = False
    allow_indexing: bool = True
    protected: bool = False
    domain: str = ""
    domain_state: str = ""  # "", "unverified" or "verified"
    record_name: str = ""
    record_value: str = ""
    components: list[ComponentLine] = dataclasses.field(default_factory=list)
    choices: list[MonitorChoice] = dataclasses.field(default_factory=list)


def read_page(organization_id: str, page_id: int) -> PageView:
    """One page of the organization; raises ``StatusPageNotFound``."""
    with Session(get_engine()) as session:
        page = sp.get_status_page(session, organization_id, page_id)
        monitors = {m.id: m for m in list_monitors(session, organization_id)}
        rows = [r for r in sp.page_monitors(session, page) if r.monitor_id in monitors]
        components = [
            ComponentLine(
                monitor_id=row.monitor_id,
                monitor_name=monitors[row.monitor_id].name,
                display_name=row.display_name or monitors[row.monitor_id].name,
                state=_state_of(monitors[row.monitor_id]),
                first=i == 0,
                last=i == len(rows) - 1,
            )
            for i, row in enumerate(rows)
        ]
        shown = {row.monitor_id for row in rows}
        choices = [
            MonitorChoice(id=str(m.id), name=m.name)
            for m in monitors.values()
            if m.id not in shown
        ]
        theme = page.theme or {}
        record_name, record_value = (
            sp.verification_record(page) if page.custom_domain else ("", "")
        )
        verified = page.custom_domain_verified
        return PageView(
            id=page.id,
            name=page.name,
            slug=page.slug,
            description=page.description or "",
            primary_color=theme.get("primary_color", ""),
            background_color=theme.get("background_color", ""),
            text_color=theme.get("text_color", ""),
            logo_url=theme.get("logo_url", ""),
            public=bool(page.is_public),
            allow_indexing=bool(page.allow_indexing),
            protected=page.password_hash is not None,
            domain=page.custom_domain or "",
            domain_state=(
                ""
                if not page.custom_domain
                else "verified"
                if verified
                else "unverified"
            ),
            record_name=record_name,
            record_value=record_value or "",
            components=components,
            choices=sorted(choices, key=lambda c: c.name.lower()),
        )


def _state_of(monitor) -> str:
    if monitor.status == MonitorStatus.PAUSED:
        return "paused"
    return str(monitor.current_state)


def change_components(
    session: Session, organization_id: str, page_id: int, change
) -> None:
    """Read the page's components as ``[monitor_id, display_name]`` pairs,
    let ``change`` edit that list in place, and save it in its new order."""
    page = sp.get_status_page(session, organization_id, page_id)
    entries = [[r.monitor_id, r.display_name] for r in sp.page_monitors(session, page)]
    change(entries)
    sp.set_page_monitors(
        session,
        organization_id,
        page_id,
        [(m, name, position) for position, (m, name) in enumerate(entries, 1)],
    )


def _moved(monitor_id: int, step: int):
    def change(entries: list) -> None:
        at = next((i for i, e in enumerate(entries) if e[0] == monitor_id), None)
        to = None if at is None else at + step
        if to is not None and 0 <= to < len(entries):
            entries[at], entries[to] = entries[to], entries[at]

    return change


def _renamed(monitor_id: int, display_name: str):
    def change(entries: list) -> None:
        for entry in entries:
            if entry[0] == monitor_id:
                entry[1] = display_name

    return change


def _removed(monitor_id: int):
    def change(entries: list) -> None:
        entries[:] = [e for e in entries if e[0] != monitor_id]

    return change


def _added(monitor_id: int):
    def change(entries: list) -> None:
        entries.append([monitor_id, None])

    return change


class StatusPageListState(rx.State):
    pages: list[PageLine] = []
    loaded: bool = False
    can_write: bool = False
    plan_message: str = ""
    errors: dict[str, str] = {}
    # The new page form: an empty slug box shows, and on creation takes, the
    # slug made from the name. (Writing the suggestion into the box raced
    # with typing there: a late name event overwrote a slug just typed.)
    slug_hint: str = "acme"

    @rx.event
    def change_name(self, name: str):
        self.slug_hint = sp.suggest_slug(name) or "acme"

    @rx.event
    async def load(self):
        identity = identity_for(self)
        lines, plan_message = await asyncio.to_thread(
            page_lines, identity.organization_id
        )
        self.pages = lines
        self.plan_message = plan_message
        self.can_write = identity.can(accounts.WRITE)
        self.loaded = True

    @rx.event
    async def create(self, form_data: dict):
        organization_id = require_write(self)
        user_id = identity_for(self).user_id
        self.errors = {}
        if not str(form_data.get("slug") or "").strip():
            form_data = {
                **form_data,
                "slug": sp.suggest_slug(str(form_data.get("name") or "")),
            }
        try:
            page_id = await asyncio.to_thread(
                create_page, organization_id, user_id, form_data
            )
        except sp.StatusPageError as exc:
            self.errors = {exc.field: refusal(exc)}
            return
        except plans.PlanError as exc:
            self.plan_message = plan_message(exc)
            return
        logger.info("status page created org=%s page=%s", organization_id, page_id)
        self.slug_hint = "acme"
        return rx.redirect(f"/status-pages/{page_id}")


class StatusPageEditorState(rx.State):
    """One page being edited; ``editing_id`` is set only once ``load`` found
    the page in the signed-in organization."""

    editing_id: int = 0
    loaded: bool = False
    not_found: bool = False
    can_write: bool = False
    view: PageView = PageView()
    errors: dict[str, str] = {}
    notice: str = ""
    domain_message: str = ""

    @rx.var
    def public_path(self) -> str:
        return f"/status/{self.view.slug}" if self.view.slug else ""

    @rx.var
    def public_url(self) -> str:
        if not self.view.slug:
            return ""
        return f"{get_settings().public_url.rstrip('/')}/status/{self.view.slug}"

    def _route_page_id(self) -> int | None:
        raw = str(self.router._page.params.get("page_id", ""))
        return int(raw) if raw.isdigit() else None

    async def _read(self, organization_id: str, page_id: int) -> None:
        try:
            view = await asyncio.to_thread(read_page, organization_id, page_id)
        except sp.StatusPageNotFound:
            self.view = PageView()
            self.editing_id = 0
            self.not_found = True
        else:
            self.view = view
            self.editing_id = view.id
            self.not_found = False
        token = self.router.session.client_token
        if self.not_found:
            forget(token)
        else:
            watch(token, organization_id, self.view)
        self.loaded = True

    @rx.event
    async def load(self):
        identity = identity_for(self)
        self.errors = {}
        self.notice = ""
        self.domain_message = ""
        self.can_write = identity.can(accounts.WRITE)
        page_id = self._route_page_id()
        if page_id is None:
            self.view, self.editing_id = PageView(), 0
            self.not_found, self.loaded = True, True
            return
        await self._read(identity.organization_id, page_id)

    async def _change(self, action, notice: str = "") -> bool:
        """Run ``action(session, organization_id, page_id)`` for a member of the
        page's organization, then read the page again. A refusal is shown by
        its field; the answer is whether it was saved."""
        organization_id = require_write(self)
        if not self.editing_id:
            return False
        page_id = self.editing_id
        self.errors = {}
        self.notice = ""

        def run() -> None:
            with Session(get_engine(), expire_on_commit=False) as session:
                action(session, organization_id, page_id)

        try:
            await asyncio.to_thread(run)
        except sp.StatusPageError as exc:
            self.errors = {exc.field: refusal(exc)}
            return False
        except sp.StatusPageNotFound:
            self.view, self.editing_id, self.not_found = PageView(), 0, True
            return False
        await self._read(organization_id, page_id)
        self.notice = notice
        return True

    @rx.event
    async def save_details(self, form_data: dict):
        fields = {
            "name": form_data.get("name", ""),
            "slug": form_data.get("slug", ""),
            "description": form_data.get("description", ""),
            "allow_indexing": _checked(form_data.get("allow_indexing")),
            "theme": _theme_from(form_data),
        }

        def action(session, organization_id, page_id):
            sp.update_status_page(session, organization_id, page_id, **fields)

        await self._change(action, "Saved.")

    @rx.event
    async def set_public(self, public: bool):
        def action(session, organization_id, page_id):
            sp.update_status_page(
                session, organization_id, page_id, is_public=bool(public)
            )

        await self._change(action, "Published." if public else "Now private.")

    @rx.event
    async def add_component(self, form_data: dict):
        raw = str(form_data.get("monitor_id", ""))
        if not raw.isdigit():
            require_write(self)
            self.errors = {"monitors": "Choose a monitor to add."}
            return
        await self._change(_components(_added(int(raw))), "Added.")

    @rx.event
    async def remove_component(self, monitor_id: int):
        await self._change(_components(_removed(int(monitor_id))), "Removed.")

    @rx.event
    async def move_up(self, monitor_id: int):
        await self._change(_components(_moved(int(monitor_id), -1)))

    @rx.event
    async def move_down(self, monitor_id: int):
        await self._change(_components(_moved(int(monitor_id), 1)))

    @rx.event
    async def rename_component(self, monitor_id: int, display_name: str):
        current = next(
            (
                c.display_name
                for c in self.view.components
                if c.monitor_id == int(monitor_id)
            ),
            None,
        )
        if current == display_name.strip():
            return
        await self._change(
            _components(_renamed(int(monitor_id), display_name)), "Saved."
        )

    @rx.event
    async def set_password(self, form_data: dict):
        password = form_data.get("password", "")

        def action(session, organization_id, page_id):
            sp.set_page_password(session, organization_id, page_id, password)

        if await self._change(action, "Password set."):
            return rx.set_value("password", "")

    @rx.event
    async def clear_password(self):
        await self._change(sp.clear_page_password, "Password removed.")

    @rx.event
    async def set_domain(self, form_data: dict):
        domain = (form_data.get("custom_domain") or "").strip()

        def action(session, organization_id, page_id):
            sp.set_custom_domain(session, organization_id, page_id, domain or None)

        self.domain_message = ""
        await self._change(action, "Domain saved." if domain else "Domain removed.")

    @rx.event
    async def remove_domain(self):
        def action(session, organization_id, page_id):
            sp.set_custom_domain(session, organization_id, page_id, None)

        self.domain_message = ""
        await self._change(action, "Domain removed.")

    @rx.event
    async def verify_domain(self):
        def action(session, organization_id, page_id):
            sp.check_custom_domain(session, organization_id, page_id, domain_resolver())

        self.domain_message = ""
        try:
            saved = await self._change(action)
        except sp.DomainCheckFailed as exc:
            self.domain_message = f"The DNS lookup did not answer: {exc}"
            return
        if saved:
            self.domain_message = (
                "Verified: the page is served on this domain."
                if self.view.domain_state == "verified"
                else "The TXT record was not found yet. DNS changes can take a "
                "while to spread; try again later."
            )

    @rx.event
    async def delete_page(self):
        if await self._change(sp.delete_status_page):
            self.view, self.editing_id = PageView(), 0
            return rx.redirect("/status-pages")


def _components(change):
    def action(session, organization_id, page_id):
        change_components(session, organization_id, page_id, change)

    return action


# --- live --------------------------------------------------------------------

# client token -> (organization id, page id, monitor ids on the page) of the
# editor tabs this worker serves
_watchers: dict[str, tuple[str, int, frozenset[int]]] = {}


def watch(token: str, organization_id: str, view: PageView) -> None:
    monitors = frozenset(c.monitor_id for c in view.components)
    _watchers[token] = (organization_id, view.id, monitors)


def forget(token: str) -> None:
    _watchers.pop(token, None)


async def push_editor(
    app: rx.App, organization_id: str | None, monitor_ids: frozenset[int] | None
):
    """Reload every open editor of a page that shows a changed monitor (all
    of the organization's editors when ``monitor_ids`` is None, every editor
    when ``organization_id`` is None too), so component states stay live."""
    tabs = {
        token: watched
        for token, watched in list(_watchers.items())
        if (organization_id is None or watched[0] == organization_id)
        and (monitor_ids is None or not monitor_ids.isdisjoint(watched[2]))
    }
    if not tabs:
        return

    views: dict[tuple[str, int], PageView | None] = {}
    for org, page_id, _ in tabs.values():
        if (org, page_id) not in views:
            try:
                views[org, page_id] = await asyncio.to_thread(read_page, org, page_id)
            except sp.StatusPageNotFound:
                views[org, page_id] = None

    token_manager = app.event_namespace._token_manager
    for token, (org, page_id, _) in tabs.items():
        if not await token_manager.is_token_connected(token):
            forget(token)
            continue
        state_token = rx.BaseStateToken(ident=token, cls=StatusPageEditorState)
        try:
            async with app.modify_state(state_token) as root:
                editor = await root.get_state(StatusPageEditorState)
                # The tab may have moved on to another page meanwhile.
                if editor.editing_id != page_id:
                    continue
                view = views[org, page_id]
                if view is None:
                    editor.view, editor.editing_id = PageView(), 0
                    editor.not_found = True
                    forget(token)
                else:
                    editor.view = view
                    watch(token, org, view)
        except Exception:
            # One tab's trouble must not hold back the others.
            logger.exception("live editor push failed org=%s", org)


live.add_pusher(push_editor)
