"""Reports to download: the monthly SLA report of a monitor as CSV.

``GET /api/reports/sla.csv?monitor_id=ID&month=YYYY-MM`` answers the report
of a monitor of the organization asking (404 for any other monitor, 422 for a
malformed month). Who is asking comes from ``report_organization``, the one
seam to replace if reports ever get another way in (an API key, say).
"""

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from sqlmodel import Session

from isup_app.api.auth import current_identity
from isup_app.core import analytics, auth
from isup_app.core.db import get_engine

logger = logging.getLogger(__name__)

router = APIRouter()


def report_organization(
    identity: auth.Identity = Depends(current_identity),
) -> str:
    """The organization whose reports the request may read (401 signed out)."""
    return identity.organization_id


@router.get("/api/reports/sla.csv")
def sla_csv(
    monitor_id: int = Query(...),
    month: str = Query(..., pattern=r"^\d{4}-\d{2}$"),
    organization_id: str = Depends(report_organization),
) -> Response:
    try:
        analytics.parse_month(month)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    with Session(get_engine()) as session:
        try:
            text = analytics.sla_report_csv(
                session, organization_id, monitor_id, month, now=datetime.now(UTC)
            )
        except LookupError as exc:
            raise HTTPException(status_code=404, detail="No such monitor.") from exc
    logger.info(
        "sla report monitor=%s month=%s org=%s", monitor_id, month, organization_id
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="sla-{monitor_id}-{month}.csv"'
            )
        },
    )
