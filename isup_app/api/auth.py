"""Sign-in, sign-up, the WorkOS callback, sign-out, and the access rule.

``/sign-in`` and ``/sign-up`` send the browser to AuthKit when WorkOS is
configured and show a small server-rendered form for local accounts when it
is not. The session cookie is set here, from plain HTTP responses, so that it
can be HttpOnly (Reflex's own cookies are written by JavaScript).

``access_rule`` is ASGI middleware for the whole app: the reference's public
paths stay public; everything else needs a session, and answers a redirect to
``/sign-in`` (pages) or 401 (API routes) without one. Under ``/api/v1/`` an
API key (``Authorization: Bearer isup_...``) stands in for the session; a key
that does not work is 401 there, and keys count nowhere else.
"""

import html
import logging
import re
import secrets
import threading
import time
from urllib.parse import quote, unquote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlmodel import Session
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from isup_app.core import accounts, auth
from isup_app.core.db import get_engine
from isup_app.core.models import RoleName
from isup_app.core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

router = APIRouter()

SCOPE_KEY = "isup.identity"
HOME = "/dashboard"
SIGN_IN_ATTEMPTS = 10
SIGN_IN_WINDOW_SECONDS = 900


class Throttle:
    """Failed local sign-ins per email and address: after ``limit`` in a
    window, refuse until the window ends. Counted in this process (several
    workers each count their own)."""

    def __init__(
        self,
        limit: int = SIGN_IN_ATTEMPTS,
        window: float = SIGN_IN_WINDOW_SECONDS,
        clock=time.monotonic,
    ):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, key: str) -> int:
        with self._lock:
            count, until = self._failures.get(key, (0, 0.0))
            left = until - self.clock()
            if left <= 0:
                self._failures.pop(key, None)
                return 0
            return max(int(left), 1) if count >= self.limit else 0

    def failed(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 100_000:  # bound memory under a flood
                self._failures = {k: v for k, v in self._failures.items() if v[1] > now}
            count, until = self._failures.get(key, (0, 0.0))
            if until <= now:
                count, until = 0, now + self.window
            self._failures[key] = (count + 1, until)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


throttle = Throttle()

# --- the access rule --------------------------------------------------------

PUBLIC_EXACT = frozenset(
    {
        "/",
        "/sign-in",
        "/sign-up",
        "/sign-out",
        "/pricing",
        "/docs",
        "/auth/callback",
        "/favicon.ico",
        "/robots.txt",
        "/404",
        # Reflex's own: health checks and the event websocket (each event
        # checks the session itself, see isup_app.states.session).
        "/ping",
        "/_health",
        "/_event",
    }
)
PUBLIC_PREFIXES = (
    "/docs/",
    "/status/",
    "/api/webhooks/",
    "/api/public/",
    "/api/heartbeat/",
    "/_event/",
    # the compiled frontend's scripts, styles and images
    "/assets/",
    "/external/",
)
STATIC_FILE = re.compile(
    r"\.(?:js|mjs|css|map|png|jpe?g|gif|webp|svg|ico|woff2?|ttf|otf|txt|webmanifest)$"
)


def is_public(path: str) -> bool:
    """Whether ``path`` may be reached without a session."""
    if path.endswith(".data"):  # React Router's data requests for a page
        path = path.removesuffix(".data").removesuffix("/_root") or "/"
    # The static frontend serves a page at its path with a trailing slash too.
    exact = path.rstrip("/") or "/"
    if exact in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES):
        return True
    if path.startswith("/api/"):
        return False
    return bool(STATIC_FILE.search(path))


# What a status page on its own verified domain serves (see
# isup_app.api.status_pages); public on that host only.
CUSTOM_DOMAIN_PUBLIC_EXACT = frozenset({"/unlock", "/api/v2/summary.json"})
CUSTOM_DOMAIN_PUBLIC_PREFIXES = ("/feed.", "/badge/")
DOMAINS_REFRESH_SECONDS = 30.0
_domains: tuple[float, frozenset[str]] = (0.0, frozenset())
_domains_lock = threading.Lock()


def _is_status_page_domain_path(scope: Scope) -> bool:
    path = scope["path"]
    if path not in CUSTOM_DOMAIN_PUBLIC_EXACT and not path.startswith(
        CUSTOM_DOMAIN_PUBLIC_PREFIXES
    ):
        return False
    from isup_app.core.status_pages import normalise_host

    host = next((v for k, v in scope.get("headers", []) if k == b"host"), b"")
    return normalise_host(host.decode("latin-1")) in _verified_domains()


def _verified_domains() -> frozenset[str]:
    global _domains
    with _domains_lock:
        read_at, domains = _domains
        if time.monotonic() - read_at < DOMAINS_REFRESH_SECONDS:
            return domains
    from isup_app.core.status_pages import verified_domains

    with Session(get_engine()) as session:
        domains = frozenset(verified_domains(session))
    with _domains_lock:
        _domains = (time.monotonic(), domains)
    return domains


def _wants_redirect(scope: Scope) -> bool:
    path = scope["path"]
    return (
        scope["type"] == "http"
        and scope.get("method") in ("GET", "HEAD")
        and not path.startswith(("/api/", "/_upload"))
    )


class AccessRule:
    """ASGI middleware: sessions for everything but the public paths.

    It also puts the verified identity into the scope (``isup.identity``),
    and sets the refreshed cookie when a WorkOS access token was renewed.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        # Database reads and a possible WorkOS refresh: off the event loop.
        if await run_in_threadpool(_is_status_page_domain_path, scope):
            await self.app(scope, receive, send)
            return

        settings = get_settings()
        identity = await run_in_threadpool(_identity_for_scope, scope, settings)
        if identity is None:
            await _deny(scope, receive, send)
            return

        scope[SCOPE_KEY] = identity
        if identity.refreshed is None:
            await self.app(scope, receive, send)
            return

        cookie = _session_cookie_header(identity.refreshed, settings)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def access_rule(app: ASGIApp) -> ASGIApp:
    """For ``rx.App(api_transformer=[build_api(), access_rule])``."""
    return AccessRule(app)


API_KEY_PATHS = "/api/v1/"


def bearer_key(path: str, authorization: str | None) -> str | None:
    """The API key an ``Authorization: Bearer`` header carries, on the paths
    keys work for (``/api/v1/`` only: never pages, events or other routes);
    ``None`` when there is none to consider."""
    if not path.startswith(API_KEY_PATHS) or not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def _identity_for_key(token: str) -> auth.Identity | None:
    from isup_app.core import api_keys

    with Session(get_engine(), expire_on_commit=False) as session:
        return api_keys.identity_from_bearer(token, session)


def _identity_for_scope(scope: Scope, settings: Settings) -> auth.Identity | None:
    authorization = next(
        (v for k, v in scope.get("headers", []) if k == b"authorization"), b""
    )
    token = bearer_key(scope["path"], authorization.decode("latin-1"))
    if token is not None:
        # A key that is there but does not work is 401, whatever the cookies.
        return _identity_for_key(token)
    header = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie")
    cookies = cookie_parser(header.decode("latin-1"))
    if not cookies.get(auth.SESSION_COOKIE):
        return None
    with Session(get_engine()) as session:
        return auth.identity_from_cookies(cookies, session, settings)


async def _deny(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4401})
        return
    if _wants_redirect(scope):
        target = scope["path"]
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        response: Response = RedirectResponse(
            "/sign-in?" + urlencode({"next": target}), status_code=302
        )
    elif _has_bearer_key(scope):
        response = JSONResponse(
            {"detail": "Unknown or revoked API key."},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    else:
        response = JSONResponse({"detail": "Sign in first."}, status_code=401)
    await response(scope, receive, send)


def _has_bearer_key(scope: Scope) -> bool:
    value = next((v for k, v in scope.get("headers", []) if k == b"authorization"), b"")
    return bearer_key(scope["path"], value.decode("latin-1")) is not None


# --- dependencies for API routes --------------------------------------------


def current_identity(request: Request) -> auth.Identity:
    """The signed-in person (401 without a session). Routes depend on this,
    or on ``require(RoleName.X)``, and scope every query to
    ``identity.organization_id``."""
    identity = request.scope.get(SCOPE_KEY)
    token = bearer_key(request.url.path, request.headers.get("authorization"))
    if identity is None and token is not None:
        identity = _identity_for_key(token)
    elif identity is None:
        with Session(get_engine()) as session:
            identity = auth.identity_from_cookies(
                request.cookies, session, get_settings()
            )
    if identity is None:
        raise HTTPException(status_code=401, detail="Sign in first.")
    return identity


def require(at_least: RoleName):
    def dependency(
        identity: auth.Identity = Depends(current_identity),
    ) -> auth.Identity:
        if not identity.can(at_least):
            raise HTTPException(
                status_code=403, detail=f"Needs the {at_least.value} role or higher."
            )
        return identity

    return dependency


# --- cookies ----------------------------------------------------------------


def _secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def _session_cookie_header(value: str, settings: Settings) -> bytes:
    response = Response()
    _set_session(response, value, settings)
    return response.headers["set-cookie"].encode("latin-1")


def _set_session(response: Response, value: str, settings: Settings) -> None:
    response.set_cookie(
        auth.SESSION_COOKIE,
        value,
        max_age=settings.session_days * 86400,
        path="/",
        httponly=True,
        secure=_secure(settings),
        samesite="lax",
    )


def _set_org(response: Response, org_id: str, settings: Settings) -> None:
    response.set_cookie(
        auth.ORG_COOKIE,
        org_id,
        max_age=365 * 86400,
        path="/",
        httponly=True,
        secure=_secure(settings),
        samesite="lax",
    )


def _safe_next(value: str | None) -> str:
    """Only paths on this site: never ``//host`` or ``https://...``."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return HOME
    if value.startswith(("/sign-in", "/sign-up", "/sign-out", "/auth/")):
        return HOME
    return value


def _signed_in(
    target: str, session_value: str, org_id: str | None, settings: Settings
) -> RedirectResponse:
    response = RedirectResponse(_safe_next(target), status_code=303)
    _set_session(response, session_value, settings)
    if org_id:
        _set_org(response, org_id, settings)
    return response


# --- pages ------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · IsUp</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f6f8f8; margin: 0; }}
main {{ max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem;
  border-radius: 10px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }}
h1 {{ font-size: 1.4rem; margin: 0 0 1rem; }}
label {{ display: block; margin: .8rem 0 .3rem; font-size: .9rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem;
  border: 1px solid #c8d0d0; border-radius: 6px; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .6rem; font-size: 1rem;
  background: #12a594; color: #fff; border: 0; border-radius: 6px; cursor: pointer; }}
.error {{ color: #b42318; background: #fef3f2; padding: .5rem .7rem;
  border-radius: 6px; }}
.note {{ color: #555; font-size: .9rem; }}
</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        _PAGE.format(title=html.escape(title), body=body), status_code=status
    )


def _account_form(
    kind: str, next_path: str, error: str = "", email: str = "", note: str = ""
) -> str:
    other = (
        '<p class="note">No account yet? <a href="/sign-up">Create one</a>.</p>'
        if kind == "sign-in"
        else '<p class="note">Have an account? <a href="/sign-in">Sign in</a>.</p>'
    )
    name_field = (
        '<label for="name">Name</label><input id="name" name="name" '
        'autocomplete="name">'
        if kind == "sign-up"
        else ""
    )
    button = "Sign in" if kind == "sign-in" else "Create account"
    return "".join(
        [
            f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "",
            f'<p class="note">{html.escape(note)}</p>' if note else "",
            f'<form method="post" action="/{kind}">',
            f'<input type="hidden" name="next" value="{html.escape(next_path)}">',
            name_field,
            '<label for="email">Email</label>',
            '<input id="email" name="email" type="email" required '
            f'autocomplete="email" value="{html.escape(email)}">',
            '<label for="password">Password</label>',
            '<input id="password" name="password" type="password" required '
            f'minlength="{accounts.PASSWORD_MIN}" autocomplete="'
            f'{"current-password" if kind == "sign-in" else "new-password"}">',
            f'<button type="submit">{button}</button></form>',
            other,
        ]
    )


def _authkit_redirect(
    settings: Settings, next_path: str, screen_hint: str | None
) -> RedirectResponse:
    nonce = secrets.token_urlsafe(16)
    url = auth.workos_client(settings).user_management.get_authorization_url(
        provider="authkit",
        redirect_uri=settings.public_url.rstrip("/") + "/auth/callback",
        state=f"{nonce}.{quote(_safe_next(next_path), safe='')}",
        screen_hint=screen_hint,
    )
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        auth.STATE_COOKIE,
        nonce,
        max_age=600,
        path="/auth/callback",
        httponly=True,
        secure=_secure(settings),
        samesite="lax",
    )
    return response


def _already_signed_in(request: Request, settings: Settings) -> bool:
    if not request.cookies.get(auth.SESSION_COOKIE):
        return False
    with Session(get_engine()) as session:
        identity = auth.identity_from_cookies(
            request.cookies, session, settings, allow_refresh=False
        )
    return identity is not None


@router.get("/sign-in", include_in_schema=False)
def sign_in_page(request: Request, next: str = HOME, error: str = "") -> Response:
    settings = get_settings()
    if _already_signed_in(request, settings):
        return RedirectResponse(_safe_next(next), status_code=302)
    if auth.workos_enabled(settings):
        return _authkit_redirect(settings, next, None)
    with Session(get_engine()) as session:
        if not accounts.local_accounts_exist(session):
            return RedirectResponse(
                "/sign-up?" + urlencode({"next": next}), status_code=302
            )
    return _page("Sign in to IsUp", _account_form("sign-in", next, error))


@router.get("/sign-up", include_in_schema=False)
def sign_up_page(request: Request, next: str = HOME) -> Response:
    settings = get_settings()
    if _already_signed_in(request, settings):
        return RedirectResponse(_safe_next(next), status_code=302)
    if auth.workos_enabled(settings):
        return _authkit_redirect(settings, next, "sign-up")
    with Session(get_engine()) as session:
        first = not accounts.local_accounts_exist(session)
    note = (
        "This is the first account here: it will own this install's monitors."
        if first
        else ""
    )
    return _page("Create your IsUp account", _account_form("sign-up", next, note=note))


@router.post("/sign-in", include_in_schema=False)
def sign_in_local(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form(HOME),
) -> Response:
    settings = get_settings()
    if auth.workos_enabled(settings):
        raise HTTPException(status_code=404)
    client = request.client.host if request.client else ""
    key = f"{email.strip().lower()}|{client}"
    wait = throttle.wait_seconds(key)
    if wait:
        minutes = -(-wait // 60)
        message = f"Too many wrong passwords; try again in {minutes} min."
        form = _account_form("sign-in", next, message, email)
        return _page("Sign in to IsUp", form, status=429)
    with Session(get_engine(), expire_on_commit=False) as session:
        user = accounts.verify_local_password(session, email, password)
    if user is None:
        throttle.failed(key)
        logger.info("local sign-in refused")
        form = _account_form("sign-in", next, "Wrong email or password.", email)
        return _page("Sign in to IsUp", form, status=400)
    throttle.succeeded(key)
    logger.info("local sign-in user=%s", user.id)
    return _signed_in(next, auth.seal_local_session(user.id, settings), None, settings)


@router.post("/sign-up", include_in_schema=False)
def sign_up_local(
    email: str = Form(""),
    password: str = Form(""),
    name: str = Form(""),
    next: str = Form(HOME),
) -> Response:
    settings = get_settings()
    if auth.workos_enabled(settings):
        raise HTTPException(status_code=404)
    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            made = accounts.create_local_account(
                session,
                email,
                password,
                name,
                default_org_id=settings.default_org_id,
                allow_signup=settings.allow_signup,
            )
    except accounts.AccountError as exc:
        form = _account_form("sign-up", next, str(exc), email)
        return _page("Create your IsUp account", form, status=400)
    value = auth.seal_local_session(made.user.id, settings)
    return _signed_in(next, value, made.organization_id, settings)


@router.get("/auth/callback", include_in_schema=False)
def workos_callback(request: Request, code: str = "", state: str = "") -> Response:
    settings = get_settings()
    if not auth.workos_enabled(settings):
        raise HTTPException(status_code=404)
    nonce, _, next_path = state.partition(".")
    expected = request.cookies.get(auth.STATE_COOKIE, "")
    if not code or not expected or not secrets.compare_digest(nonce, expected):
        return _sign_in_again("The sign-in expired or came from elsewhere; try again.")

    from workos.session import seal_session_from_auth_response

    client = auth.workos_client(settings)
    try:
        result = client.user_management.authenticate_with_code(code=code)
    except Exception as exc:  # any refusal or fault from WorkOS
        logger.info("workos code exchange failed error=%s", type(exc).__name__)
        return _sign_in_again("WorkOS did not accept that sign-in; try again.")

    user = result.user.to_dict()
    sealed = seal_session_from_auth_response(
        access_token=result.access_token,
        refresh_token=result.refresh_token,
        user=user,
        impersonator=result.impersonator.to_dict() if result.impersonator else None,
        cookie_password=auth.cookie_password(settings),
    )
    with Session(get_engine(), expire_on_commit=False) as session:
        made = accounts.sync_workos_user(
            session,
            user,
            default_org_id=settings.default_org_id,
            write_metadata=lambda workos_id, metadata: (
                client.user_management.update_user(workos_id, metadata=metadata)
            ),
        )
    logger.info("workos sign-in user=%s", made.user.id)
    response = _signed_in(
        unquote(next_path),
        sealed,
        made.organization_id if made.created else None,
        settings,
    )
    response.delete_cookie(auth.STATE_COOKIE, path="/auth/callback")
    return response


def _sign_in_again(message: str) -> Response:
    body = (
        f'<p class="error" role="alert">{html.escape(message)}</p>'
        '<p><a href="/sign-in">Sign in again</a></p>'
    )
    return _page("Sign-in did not finish", body, status=400)


@router.api_route("/sign-out", methods=["GET", "POST"], include_in_schema=False)
def sign_out(request: Request) -> Response:
    """Clear the cookies, remember the session as ended (so that a copy of
    the cookie stops working too), and end the WorkOS session at WorkOS."""
    settings = get_settings()
    target = "/"
    session_id = auth.session_id_of(
        request.cookies.get(auth.SESSION_COOKIE, ""), settings
    )
    if session_id:
        auth.end_session(session_id, settings)
        if auth.workos_enabled(settings):
            target = auth.workos_client(settings).user_management.get_logout_url(
                session_id=session_id, return_to=settings.public_url
            )
        logger.info("signed out workos=%s", auth.workos_enabled(settings))
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    response.delete_cookie(auth.ORG_COOKIE, path="/")
    return response


# --- signed in: who am I, switch organization, invitations ------------------


@router.get("/api/auth/me")
def me(identity: auth.Identity = Depends(current_identity)) -> dict:
    with Session(get_engine()) as session:
        organizations = [
            {"id": m.organization_id, "role": RoleName(m.role).value}
            for m in accounts.memberships_of(session, identity.user_id)
        ]
    return {
        "user_id": identity.user_id,
        "email": identity.email,
        "name": identity.name,
        "organization_id": identity.organization_id,
        "role": identity.role.value,
        "organizations": organizations,
    }


@router.post("/auth/organization", include_in_schema=False)
def switch_organization(
    organization_id: str = Form(...),
    identity: auth.Identity = Depends(current_identity),
) -> Response:
    with Session(get_engine()) as session:
        if accounts.role_of(session, identity.user_id, organization_id) is None:
            raise HTTPException(status_code=404)
    response = RedirectResponse(HOME, status_code=303)
    _set_org(response, organization_id, get_settings())
    return response


@router.get("/invite/{token}", include_in_schema=False)
def invitation_page(
    token: str, identity: auth.Identity = Depends(current_identity)
) -> Response:
    body = (
        f"<p>Accept this invitation as {html.escape(identity.email)}?</p>"
        f'<form method="post" action="/invite/{html.escape(token)}">'
        '<button type="submit">Accept invitation</button></form>'
    )
    return _page("Join an organization", body)


@router.post("/invite/{token}", include_in_schema=False)
def accept_invitation(
    token: str, identity: auth.Identity = Depends(current_identity)
) -> Response:
    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            membership = accounts.accept_invitation(session, token, identity.user_id)
    except accounts.AccountError as exc:
        error = f'<p class="error">{html.escape(str(exc))}</p>'
        return _page("Join an organization", error, 400)
    response = RedirectResponse(HOME, status_code=303)
    _set_org(response, membership.organization_id, get_settings())
    return response


# --- members: list, invite, change roles, remove ----------------------------


class InvitationIn(BaseModel):
    email: str
    role: RoleName = RoleName.MEMBER


class RoleIn(BaseModel):
    role: RoleName


def _members_call(action):
    """Run ``action(session)``, answering the accounts errors as HTTP."""
    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            return action(session)
    except accounts.NotMember as exc:
        raise HTTPException(status_code=404, detail="Not found.") from exc
    except accounts.NotAllowed as exc:
        raise HTTPException(status_code=403, detail=str(exc).capitalize()) from exc
    except accounts.AccountError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc


@router.get("/api/members")
def list_members(identity: auth.Identity = Depends(current_identity)) -> dict:
    org = identity.organization_id

    def read(session: Session) -> dict:
        accounts.require_role(session, identity.user_id, org, accounts.READ)
        people = [
            {"user_id": u.id, "email": u.email, "name": u.name, "role": role.value}
            for u, role in accounts.members_of(session, org)
        ]
        pending = [
            {"id": i.id, "email": i.email, "role": RoleName(i.role).value}
            for i in accounts.pending_invitations(session, org)
        ]
        return {"organization_id": org, "members": people, "invitations": pending}

    return _members_call(read)


@router.post("/api/members/invitations", status_code=201)
async def invite_member(
    body: InvitationIn, identity: auth.Identity = Depends(current_identity)
) -> dict:
    settings = get_settings()
    invitation, org_name = await run_in_threadpool(
        _members_call,
        lambda session: (
            accounts.invite(
                session,
                identity.user_id,
                identity.organization_id,
                body.email,
                body.role,
            ),
            accounts.organization_name(session, identity.organization_id),
        ),
    )
    link = f"{settings.public_url.rstrip('/')}/invite/{invitation.token}"
    emailed = await _email_invitation(settings, invitation, link, org_name, identity)
    return {
        "id": invitation.id,
        "email": invitation.email,
        "role": RoleName(invitation.role).value,
        "link": link,
        "emailed": emailed,
    }


async def _email_invitation(settings, invitation, link, org_name, identity) -> bool:
    """Send the link by the alert email route (Resend or SMTP) when one is
    configured; the link is answered either way."""
    if not (settings.resend_api_key or settings.smtp_host):
        return False
    import httpx

    from checker.channels import mail
    from checker.channels.base import Context, Message

    inviter = identity.name or identity.email
    message = Message(
        event="invitation",
        subject=f"{inviter} invited you to {org_name} on IsUp",
        text=(
            f"{inviter} invited you to join {org_name} on IsUp as "
            f"{RoleName(invitation.role).value}.\n\nAccept: {link}\n\n"
            f"The link works for {accounts.INVITATION_DAYS} days, for "
            f"{invitation.email} only."
        ),
        key=f"invitation:{invitation.token[:16]}",
    )
    async with httpx.AsyncClient() as http:
        result = await mail.send(
            {"email": invitation.email}, message, Context(settings=settings, http=http)
        )
    if not result.ok:
        logger.warning(
            "invitation email not sent invitation=%s reason=%s",
            invitation.id,
            result.reason,
        )
    return result.ok


@router.delete("/api/members/invitations/{invitation_id}", status_code=204)
def revoke_invitation(
    invitation_id: int, identity: auth.Identity = Depends(current_identity)
) -> Response:
    _members_call(
        lambda session: accounts.revoke_invitation(
            session, identity.user_id, identity.organization_id, invitation_id
        )
    )
    return Response(status_code=204)


@router.put("/api/members/{user_id}")
def change_member_role(
    user_id: str, body: RoleIn, identity: auth.Identity = Depends(current_identity)
) -> dict:
    _members_call(
        lambda session: accounts.change_role(
            session, identity.user_id, identity.organization_id, user_id, body.role
        )
    )
    return {"user_id": user_id, "role": body.role.value}


@router.delete("/api/members/{user_id}", status_code=204)
def remove_member(
    user_id: str, identity: auth.Identity = Depends(current_identity)
) -> Response:
    _members_call(
        lambda session: accounts.remove_member(
            session, identity.user_id, identity.organization_id, user_id
        )
    )
    return Response(status_code=204)
