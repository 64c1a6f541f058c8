"""Community groups (Zalo, Facebook, WeChat): who is a member (marked by staff or imported
from CSV), invitations sent to the right segment (the VIP Zalo group for Champions), and
activity in a group as a signal on the customer's timeline (`community.joined`,
`community.activity`) that segments and journeys can read.

CSV (`careloop import community FILE`): `group, platform, customer_id` required,
`joined_at, activity` optional; an unknown group is created.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.community.audience import Audience, resolve_audience
from careloop.community.models import CommunityGroup, GroupMember
from careloop.community.outbox import SendSpec, queue_sends
from careloop.context import AppContext
from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import FieldError, NotFound, ValidationFailed
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.db.engine import transaction
from careloop.imports import register_importer
from careloop.imports.summary import ImportSummary
from careloop.shops.models import Shop

PLATFORMS = ("zalo", "facebook", "wechat")


def create_group(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    platform: str,
    name: str,
    invite_url: str = "",
    purpose: str = "",
    segments: Sequence[str] = (),
) -> CommunityGroup:
    """A group, or the existing one with that platform and name (updated)."""
    errors = []
    if platform not in PLATFORMS:
        errors.append(
            FieldError("platform", f"use one of {', '.join(PLATFORMS)} (got {platform!r})")
        )
    if not name.strip():
        errors.append(FieldError("name", "a group needs a name"))
    if invite_url and not invite_url.startswith(("https://", "http://")):
        errors.append(FieldError("invite_url", "must be an http(s) link"))
    if errors:
        raise ValidationFailed(errors)
    group = session.scalar(
        select(CommunityGroup).where(
            CommunityGroup.shop_id == shop.id,
            CommunityGroup.platform == platform,
            CommunityGroup.name == name.strip(),
        )
    )
    if group is None:
        group = CommunityGroup(
            shop_id=shop.id, platform=platform, name=name.strip(), created_at=clock.now()
        )
        session.add(group)
    if invite_url:
        group.invite_url = invite_url
    if purpose:
        group.purpose = purpose
    if segments:
        group.segments = list(segments)
    session.flush()
    return group


def get_group(session: Session, shop_id: int, group_id: int) -> CommunityGroup:
    group = session.get(CommunityGroup, group_id)
    if group is None or group.shop_id != shop_id:
        raise NotFound("group", group_id)
    return group


def list_groups(session: Session, shop_id: int) -> list[tuple[CommunityGroup, int]]:
    """Each group with its member count."""
    from sqlalchemy import func

    rows = session.execute(
        select(CommunityGroup, func.count(GroupMember.id))
        .outerjoin(GroupMember, GroupMember.group_id == CommunityGroup.id)
        .where(CommunityGroup.shop_id == shop_id)
        .group_by(CommunityGroup.id)
        .order_by(CommunityGroup.platform, CommunityGroup.name)
    ).all()
    return [(g, int(n)) for g, n in rows]


def add_member(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    group_id: int,
    customer_id: int,
    source: str = "staff",
    joined_at: datetime | None = None,
) -> GroupMember:
    group = get_group(session, shop.id, group_id)
    member = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.customer_id == customer_id
        )
    )
    if member is not None:
        return member
    when = joined_at or clock.now()
    member = GroupMember(
        shop_id=shop.id,
        group_id=group.id,
        customer_id=customer_id,
        joined_at=when,
        source=source,
        activity_count=0,
    )
    session.add(member)
    session.flush()
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=events.COMMUNITY_JOINED,
        occurred_at=when,
        source=source,
        event_key=f"group:{group.id}:{customer_id}:joined",
        payload={"group_id": group.id, "platform": group.platform, "group": group.name},
        summary=f"{group.platform}: {group.name}",
    )
    return member


def record_activity(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    group_id: int,
    customer_id: int,
    note: str = "",
    count: int = 1,
    source: str = "staff",
) -> GroupMember:
    """A post, answer or photo in the group: counted, and on the timeline as a signal."""
    member = add_member(
        session=session,
        clock=clock,
        shop=shop,
        group_id=group_id,
        customer_id=customer_id,
        source=source,
    )
    now = clock.now()
    member.activity_count += count
    member.last_active_at = now
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer_id,
        type=events.COMMUNITY_ACTIVITY,
        source=source,
        payload={"group_id": group_id, "count": count, "note": note[:200]},
        summary=note[:200],
    )
    return member


def invite_to_group(*, session: Session, clock: Clock, shop: Shop, group_id: int) -> int:
    """Send the group's invite link to its segments' customers who are not members yet."""
    group = get_group(session, shop.id, group_id)
    if not group.segments:
        raise ValidationFailed([FieldError("segments", "choose who the group is for first")])
    if not group.invite_url:
        raise ValidationFailed([FieldError("invite_url", "the group has no invite link")])
    ids = resolve_audience(
        session=session, shop_id=shop.id, audience=Audience(segments=tuple(group.segments))
    )
    members = set(
        session.scalars(select(GroupMember.customer_id).where(GroupMember.group_id == group.id))
    )
    context = {
        "group": {
            "name": group.name,
            "platform": group.platform.capitalize(),
            "purpose": group.purpose,
            "url": group.invite_url,
        }
    }
    sends = [SendSpec(cid, f"group:{group.id}:{cid}", context) for cid in ids if cid not in members]
    return queue_sends(
        session=session,
        clock=clock,
        shop_id=shop.id,
        source="group",
        ref_id=group.id,
        template_key="community.group_invite",
        kind="marketing",
        sends=sends,
    )


def groups_of(
    session: Session, shop_id: int, customer_id: int
) -> list[tuple[CommunityGroup, GroupMember]]:
    rows = session.execute(
        select(CommunityGroup, GroupMember)
        .join(GroupMember, GroupMember.group_id == CommunityGroup.id)
        .where(GroupMember.shop_id == shop_id, GroupMember.customer_id == customer_id)
    ).all()
    return [(g, m) for g, m in rows]


# -- CSV import ------------------------------------------------------------------------

REQUIRED = ("group", "platform", "customer_id")


def _parse(path: Path) -> list[tuple[int, dict[str, str]]]:
    source = path.name
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ValidationFailed(
            [FieldError("file", f"cannot read {path}: {exc.strerror}")]
        ) from None
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ValidationFailed(
                [FieldError(c, "missing column", line=1, source=source) for c in missing]
            )
        rows = []
        for line, raw in enumerate(reader, start=2):
            rows.append((line, {(k or "").strip(): (v or "").strip() for k, v in raw.items()}))
    return rows


def _check(
    session: Session, shop: Shop, source: str, rows: list[tuple[int, dict[str, str]]]
) -> list[tuple[int, dict[str, Any]]]:
    from careloop.imports import fields

    errors: list[FieldError] = []
    wanted = {r["customer_id"] for _, r in rows}
    known = {
        ext: cid
        for ext, cid in session.execute(
            select(Customer.external_id, Customer.id).where(
                Customer.shop_id == shop.id, Customer.external_id.in_(wanted)
            )
        )
    }
    parsed = []
    for line, row in rows:
        ok = True
        if row.get("platform", "").lower() not in PLATFORMS:
            errors.append(
                FieldError("platform", f"use one of {', '.join(PLATFORMS)}", line, source)
            )
            ok = False
        if not row.get("group"):
            errors.append(FieldError("group", "is empty", line, source))
            ok = False
        cid = known.get(row.get("customer_id", ""))
        if cid is None:
            errors.append(
                FieldError(
                    "customer_id", f"unknown customer {row.get('customer_id')!r}", line, source
                )
            )
            ok = False
        joined = None
        if row.get("joined_at"):
            try:
                joined = fields.moment(row["joined_at"])
            except ValueError as exc:
                errors.append(FieldError("joined_at", str(exc), line, source))
                ok = False
        activity = 0
        if row.get("activity"):
            if not row["activity"].isdigit():
                errors.append(FieldError("activity", "not a whole number", line, source))
                ok = False
            else:
                activity = int(row["activity"])
        if ok:
            parsed.append(
                (
                    line,
                    {
                        "group": row["group"],
                        "platform": row["platform"].lower(),
                        "customer": cid,
                        "joined": joined,
                        "activity": activity,
                    },
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return parsed


def import_members(
    ctx: AppContext, shop: Shop, path: Path, *, progress: bool = False
) -> ImportSummary:
    """All rows validated first; then one transaction, or nothing. Re-importing is a no-op
    (membership is unique; activity counts are added again only if the file says so)."""
    summary = ImportSummary(kind="community", source=path.name)
    rows = _parse(path)
    with transaction(ctx.sessions) as session:
        the_shop = session.merge(shop)
        parsed = _check(session, the_shop, path.name, rows)
        for _line, row in parsed:
            group = create_group(
                session=session,
                clock=ctx.clock,
                shop=the_shop,
                platform=row["platform"],
                name=row["group"],
            )
            add_member(
                session=session,
                clock=ctx.clock,
                shop=the_shop,
                group_id=group.id,
                customer_id=row["customer"],
                source="csv",
                joined_at=row["joined"],
            )
            if row["activity"]:
                record_activity(
                    session=session,
                    clock=ctx.clock,
                    shop=the_shop,
                    group_id=group.id,
                    customer_id=row["customer"],
                    count=row["activity"],
                    source="csv",
                )
        summary.rows = len(parsed)
    return summary


register_importer("community", import_members)
