"""Staff pages of the community capability, assembled: campaigns, events, launches and the
community page (each in its own module), the nav entries, and the panel on each customer's
page (groups, events, launches, campaigns received, shared posts, Diamond Member)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.community import ambassadors, groups
from careloop.community.models import (
    Campaign,
    CommunityEvent,
    CommunitySend,
    Launch,
    LaunchInvite,
    Rsvp,
    UgcEntry,
)
from careloop.community.ui_campaigns import router as campaigns_router
from careloop.community.ui_events import router as events_router
from careloop.community.ui_groups import router as groups_router
from careloop.community.ui_launches import router as launches_router
from careloop.community.ui_members import router as members_router
from careloop.customers.models import Customer
from careloop.web.ui.deps import StaffContext

router = APIRouter()
router.include_router(campaigns_router)
router.include_router(events_router)
router.include_router(launches_router)
router.include_router(groups_router)
router.include_router(members_router)
# The panel lists the most recent of each kind; the rest is on the timeline.
PANEL_ROWS = 10


def customer_panel(session: Session, staff: StaffContext, customer: Customer) -> Mapping[str, Any]:
    shop_id = staff.shop.id
    rsvps = session.execute(
        select(Rsvp, CommunityEvent)
        .join(CommunityEvent, CommunityEvent.id == Rsvp.event_id)
        .where(Rsvp.shop_id == shop_id, Rsvp.customer_id == customer.id)
        .order_by(CommunityEvent.starts_at.desc())
        .limit(PANEL_ROWS)
    ).all()
    invites = session.execute(
        select(LaunchInvite, Launch)
        .join(Launch, Launch.id == LaunchInvite.launch_id)
        .where(LaunchInvite.shop_id == shop_id, LaunchInvite.customer_id == customer.id)
        .order_by(Launch.public_at.desc())
        .limit(PANEL_ROWS)
    ).all()
    received = session.execute(
        select(CommunitySend, Campaign)
        .join(Campaign, Campaign.id == CommunitySend.ref_id)
        .where(
            CommunitySend.shop_id == shop_id,
            CommunitySend.customer_id == customer.id,
            CommunitySend.source == "campaign",
            Campaign.shop_id == shop_id,
        )
        .order_by(CommunitySend.id.desc())
        .limit(PANEL_ROWS)
    ).all()
    joined = groups.groups_of(session, shop_id, customer.id)
    mine = {g.id for g, _ in joined}
    ugc = session.scalar(
        select(func.count()).where(UgcEntry.shop_id == shop_id, UgcEntry.customer_id == customer.id)
    )
    return {
        "events": [(r, e) for r, e in rsvps],
        "groups": joined,
        # For "add to group": the shop's groups this customer is not in yet.
        "other_groups": [g for g, _ in groups.list_groups(session, shop_id) if g.id not in mine],
        "ambassador": ambassadors.ambassador_of(session, shop_id, customer.id),
        "launches": [(i, launch) for i, launch in invites],
        "campaigns": [(s, c) for s, c in received],
        "ugc": int(ugc or 0),
    }
