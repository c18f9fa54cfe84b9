"""Client groups: named sets of clients (everyone on one flight, one class), membership in bulk."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.clients.group_schemas import GroupCreate, GroupDetail, GroupMember, GroupMembersResult, GroupPublic
from app.clients.models import Client, ClientGroup, ClientGroupMember
from app.clients.service import display_name
from app.core import audit
from app.core.audit import AuditActor
from app.core.errors import conflict, not_found

CHUNK = 500


def get_group(session: Session, org_id: uuid.UUID, group_id: uuid.UUID) -> ClientGroup:
    """The organization's group, or 404 ``group_not_found``."""
    group = session.get(ClientGroup, group_id)
    if group is None or group.organization_id != org_id:
        raise not_found("group_not_found", "No such group.")
    return group


def _live_member_count(session: Session, org_id: uuid.UUID, group_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not group_ids:
        return {}
    stmt = (sa.select(col(ClientGroupMember.group_id), sa.func.count())
            .join(Client, col(Client.id) == ClientGroupMember.client_id)
            .where(col(ClientGroupMember.organization_id) == org_id,
                   col(ClientGroupMember.group_id).in_(group_ids),
                   col(Client.deleted_at).is_(None))
            .group_by(col(ClientGroupMember.group_id)))
    return {gid: int(n) for gid, n in session.execute(stmt).all()}


def to_detail(session: Session, group: ClientGroup) -> GroupDetail:
    rows = session.execute(
        sa.select(Client, col(ClientGroupMember.added_at))
        .join(ClientGroupMember, col(ClientGroupMember.client_id) == Client.id)
        .where(col(ClientGroupMember.group_id) == group.id,
               col(ClientGroupMember.organization_id) == group.organization_id,
               col(Client.deleted_at).is_(None))
        .order_by(col(ClientGroupMember.added_at), col(Client.id))
    ).all()
    members = [GroupMember(client_id=c.id, display_name=display_name(c), added_at=added) for c, added in rows]
    return GroupDetail(**GroupPublic.of(group, len(members)).model_dump(), members=members)


def list_groups(session: Session, org_id: uuid.UUID, limit: int, offset: int) -> tuple[list[GroupPublic], int]:
    cond: Any = ClientGroup.organization_id == org_id
    total = int(session.execute(sa.select(sa.func.count()).select_from(ClientGroup).where(cond)).scalar_one())
    groups = list(session.exec(select(ClientGroup).where(cond)
                               .order_by(col(ClientGroup.created_at), col(ClientGroup.id))
                               .limit(limit).offset(offset)).all())
    counts = _live_member_count(session, org_id, [g.id for g in groups])
    return [GroupPublic.of(g, counts.get(g.id, 0)) for g in groups], total


def _name_taken() -> Exception:
    return conflict("group_name_taken", "The organization already has a group with this name.")


def create_group(ctx: AuditActor, session: Session, body: GroupCreate) -> ClientGroup:
    """Create a named group; the name is unique in the organization (409 ``group_name_taken``)."""
    exists = session.exec(select(ClientGroup.id).where(ClientGroup.organization_id == ctx.org_id,
                                                       ClientGroup.name == body.name)).first()
    if exists is not None:
        raise _name_taken()
    group = ClientGroup(organization_id=ctx.org_id, name=body.name, description=body.description)
    session.add(group)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _name_taken() from None
    audit.record(session, ctx, "group.create", "client_group", group.id, {})
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise _name_taken() from None
    return group


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def add_members(ctx: AuditActor, session: Session, group: ClientGroup,
                client_ids: list[uuid.UUID]) -> GroupMembersResult:
    """Add clients to the group (idempotent). Any id that is not a live client of the organization:
    404 ``client_not_found`` and nothing is written."""
    wanted = list(dict.fromkeys(client_ids))
    found: set[uuid.UUID] = set()
    for chunk in _chunks(wanted):
        found.update(session.exec(select(Client.id).where(
            Client.organization_id == ctx.org_id, col(Client.deleted_at).is_(None),
            col(Client.id).in_(chunk))).all())
    if len(found) != len(wanted):
        raise not_found("client_not_found", "No such client.")
    existing = existing_members(session, ctx.org_id, group.id, wanted)
    new = [cid for cid in wanted if cid not in existing]
    session.add_all([ClientGroupMember(group_id=group.id, client_id=cid, organization_id=ctx.org_id) for cid in new])
    session.flush()
    audit.record(session, ctx, "group.members_add", "client_group", group.id,
                 {"added": len(new), "already_members": len(wanted) - len(new)})
    session.commit()
    count = _live_member_count(session, ctx.org_id, [group.id]).get(group.id, 0)
    return GroupMembersResult(group_id=group.id, added=len(new), already_members=len(wanted) - len(new),
                              member_count=count)


def existing_members(session: Session, org_id: uuid.UUID, group_id: uuid.UUID,
                     client_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    out: set[uuid.UUID] = set()
    for chunk in _chunks(client_ids):
        out.update(session.exec(select(ClientGroupMember.client_id).where(
            ClientGroupMember.organization_id == org_id, ClientGroupMember.group_id == group_id,
            col(ClientGroupMember.client_id).in_(chunk))).all())
    return out


def remove_member(ctx: AuditActor, session: Session, group: ClientGroup, client: Client) -> None:
    """Remove one client from the group (404 ``member_not_found`` if it is not a member)."""
    member = session.get(ClientGroupMember, (group.id, client.id))
    if member is None or member.organization_id != ctx.org_id:
        raise not_found("member_not_found", "The client is not a member of this group.")
    session.delete(member)
    session.flush()
    audit.record(session, ctx, "group.member_remove", "client_group", group.id, {"client_id": str(client.id)})
    session.commit()
