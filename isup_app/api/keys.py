"""API keys for the monitors API: ``/api/v1/keys``.

Owners and admins make, list and revoke their organization's keys from a
signed-in session (a key cannot make or revoke keys, so a leaked one cannot
make itself a successor). The key is answered once, when it is made; only
its hash is kept. Keys are part of the API, so ``isup.api`` gates them too.
"""

import logging
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import BaseModel
from sqlmodel import Session

from isup_app.api.billing import requires_feature
from isup_app.core import api_keys, auth, plans
from isup_app.core.db import get_engine
from isup_app.core.models import ApiKey, RoleName

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


class KeyIn(BaseModel):
    name: str = ""
    role: RoleName = RoleName.MEMBER


class KeyPublic(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> "KeyPublic":
        return cls(
            id=key.id,
            name=key.name,
            role=RoleName(key.role).value,
            prefix=key.prefix,
            created_by=key.created_by,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
        )


class KeyMade(KeyPublic):
    key: str


def key_manager(
    identity: auth.Identity = Depends(requires_feature(plans.API)),
) -> auth.Identity:
    """An owner or admin, signed in with a session rather than a key."""
    if identity.kind == api_keys.IDENTITY_KIND:
        raise HTTPException(
            403, detail="API keys are managed from a signed-in session."
        )
    if not identity.can(RoleName.ADMIN):
        raise HTTPException(403, detail="Needs the admin role or higher.")
    return identity


@router.post("", status_code=201)
def make_key(body: KeyIn, identity: auth.Identity = Depends(key_manager)) -> KeyMade:
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            made = api_keys.create_api_key(
                session, identity, name=body.name, role=body.role
            )
        except api_keys.KeyRefused as exc:
            raise HTTPException(403, detail=str(exc).capitalize() + ".") from exc
    return KeyMade(**KeyPublic.of(made.key).model_dump(), key=made.secret)


@router.get("")
def list_keys(identity: auth.Identity = Depends(key_manager)) -> dict:
    with Session(get_engine()) as session:
        keys = api_keys.list_api_keys(session, identity.organization_id)
        return {"keys": [KeyPublic.of(k).model_dump(mode="json") for k in keys]}


@router.delete("/{key_id}", status_code=204)
def revoke_key(key_id: int, identity: auth.Identity = Depends(key_manager)) -> Response:
    with Session(get_engine()) as session:
        try:
            api_keys.revoke_api_key(session, identity.organization_id, key_id)
        except LookupError as exc:
            raise HTTPException(404, detail=f"No API key {key_id}.") from exc
    return Response(status_code=204)
