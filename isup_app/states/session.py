"""Who is asking: the seam between the UI states and sign-in.

Every state handler that reads or writes private data asks
``organization_for(state)`` on the server, never a value the browser sent.
Until sign-in lands (issue 8) this answers the built-in organization.
"""

from isup_app.core.settings import get_settings


def organization_for(state) -> str:
    return get_settings().default_org_id
