"""Who is asking: the seam between the UI states and sign-in.

Every state handler that reads or writes private data asks, on the server,
``organization_for(state)`` (reading) or ``require_write(state)`` (changing
monitors, contacts, pages), never a value the browser sent. Both read the
session cookie from the headers of the websocket the event came over and
verify it as ``isup_app.core.auth`` does for pages; membership and role come
from the database at every call.

Signed out raises ``SignedOut``; a role too low raises ``NotAllowed``. Pass
``handle_backend_exception`` to ``rx.App(backend_exception_handler=...)`` to
turn the first into a redirect to ``/sign-in`` and the second into a toast.
"""

import logging

from sqlmodel import Session

from isup_app.core import accounts, auth
from isup_app.core.db import get_engine
from isup_app.core.models import RoleName
from isup_app.core.settings import get_settings

logger = logging.getLogger(__name__)


class SignedOut(PermissionError):
    """No valid session on this connection."""


class NotAllowed(PermissionError):
    """Signed in, but the role is too low for this."""


def _cookie_header(state) -> str:
    try:
        return state.router.headers.cookie or ""
    except AttributeError:
        return ""


def identity_for(state) -> auth.Identity:
    """The verified identity behind the event ``state`` is handling."""
    header = _cookie_header(state)
    identity = None
    if header:
        with Session(get_engine()) as session:
            identity = auth.identity_from_cookie_header(
                header,
                session,
                get_settings(),
                allow_refresh=False,
                grace_seconds=auth.EVENT_GRACE_SECONDS,
            )
    if identity is None:
        raise SignedOut("sign in first")
    return identity


def require_role_for(state, at_least: RoleName) -> auth.Identity:
    identity = identity_for(state)
    if not identity.can(at_least):
        logger.info(
            "event refused user=%s org=%s role=%s needs=%s",
            identity.user_id,
            identity.organization_id,
            identity.role,
            at_least,
        )
        raise NotAllowed(f"needs the {at_least.value} role or higher")
    return identity


def organization_for(state) -> str:
    """The organization to read from, for any signed-in role."""
    return identity_for(state).organization_id


def require_write(state) -> str:
    """The organization to change monitors, contacts or pages in (member+)."""
    return require_role_for(state, accounts.WRITE).organization_id


def require_admin(state) -> str:
    """The organization to manage members of (admin+)."""
    return require_role_for(state, accounts.MANAGE_MEMBERS).organization_id


def handle_backend_exception(exception: Exception):
    """Signed out: go to sign-in; role too low: say so; else Reflex's default."""
    import reflex as rx
    from reflex.app import default_backend_exception_handler

    if isinstance(exception, SignedOut):
        return rx.redirect("/sign-in")
    if isinstance(exception, NotAllowed):
        return rx.toast.error("Your role in this organization cannot change that.")
    return default_backend_exception_handler(exception)
