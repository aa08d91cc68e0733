"""Rows every install needs: the four roles, and the built-in organization
that a fresh install works in until someone signs in."""

from sqlmodel import Session, select

from isup_app.core.models import Organization, Role, RoleName

ROLES = {
    RoleName.OWNER: (40, "Everything, including billing and deleting the organization"),
    RoleName.ADMIN: (30, "Manage monitors, contacts, pages and members"),
    RoleName.MEMBER: (20, "Manage monitors, contacts and pages"),
    RoleName.VIEWER: (10, "See everything, change nothing"),
}


def seed(session: Session, default_org_id: str | None = None) -> None:
    """Idempotent: safe to run at every start."""
    existing = {role.name for role in session.exec(select(Role))}
    for name, (rank, description) in ROLES.items():
        if name not in existing:
            session.add(Role(name=name, rank=rank, description=description))
    if default_org_id and session.get(Organization, default_org_id) is None:
        session.add(Organization(id=default_org_id, name="My organization"))
    session.commit()
