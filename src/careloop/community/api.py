"""REST routes of the community: campaigns (create, preview, schedule, cancel), events
(create, RSVP on a customer's behalf, check-in; under /community-events because /events is
the timeline's bulk ingest), groups and their members, launches, ambassadors and UGC
entries. Customers are addressed by the shop's own customer id.

Routes with an id in the path take no required body, so another shop's id is a 404 before
anything else is looked at."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.community import ambassadors, campaigns, groups, launches, workshops
from careloop.community.links import LinkMaker
from careloop.community.models import Campaign, CommunityEvent, Launch, Rsvp
from careloop.community.schemas import (
    AmbassadorPublic,
    CampaignCreate,
    CampaignPublic,
    EventCreate,
    EventPublic,
    GroupPublic,
    LaunchCreate,
    LaunchPublic,
    MemberPublic,
    PreviewPublic,
    RsvpPublic,
    ScheduleIn,
    UgcIn,
    UgcPublic,
)
from careloop.context import AppContext
from careloop.customers.service import get_customer
from careloop.web.deps import ApiShop, Ctx, SessionDep

# Ids are 64-bit in the database: a larger one is a 422, never an overflow (500).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
CustomerRef = Annotated[str, Path(min_length=1, max_length=128)]
router = APIRouter(tags=["community"])


def _links(ctx: AppContext) -> LinkMaker:
    return LinkMaker(ctx.settings.base_url, ctx.secret_key)


# -- campaigns ----------------------------------------------------------------------------


def _campaign(session: Session, campaign: Campaign) -> CampaignPublic:
    progress = campaigns.campaign_progress(
        session=session, shop_id=campaign.shop_id, campaign_id=campaign.id
    )
    return CampaignPublic(
        id=campaign.id,
        name=campaign.name,
        purpose=campaign.purpose,
        kind=campaign.kind,
        status=campaign.status,
        audience=dict(campaign.audience),
        subject=campaign.subject,
        body=campaign.body,
        send_at=campaign.send_at,
        finished_at=campaign.finished_at,
        created_at=campaign.created_at,
        sends=progress.statuses,
    )


@router.get("/campaigns", response_model=list[CampaignPublic])
def read_campaigns(shop: ApiShop, session: SessionDep) -> list[CampaignPublic]:
    return [_campaign(session, c) for c in campaigns.list_campaigns(session, shop.id)[:200]]


@router.post("/campaigns", response_model=CampaignPublic, status_code=201)
def post_campaign(
    data: CampaignCreate, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> CampaignPublic:
    """A draft: preview it, then schedule it."""
    campaign = campaigns.create_campaign(
        session=session,
        clock=ctx.clock,
        shop=shop,
        name=data.name,
        purpose=data.purpose,
        kind=data.kind,
        audience=data.audience.model_dump(),
        subject=data.subject,
        body=data.body,
        created_by="api",
    )
    return _campaign(session, campaign)


@router.get("/campaigns/{campaign_id}", response_model=CampaignPublic)
def read_campaign(campaign_id: RowId, shop: ApiShop, session: SessionDep) -> CampaignPublic:
    return _campaign(session, campaigns.get_campaign(session, shop.id, campaign_id))


@router.get("/campaigns/{campaign_id}/preview", response_model=PreviewPublic)
def preview_campaign(
    campaign_id: RowId, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> PreviewPublic:
    """How many would receive it, be deferred or suppressed (and why), on which channels,
    and the 80/20 content check. Changes nothing."""
    campaign = campaigns.get_campaign(session, shop.id, campaign_id)
    preview = campaigns.preview_campaign(
        session=session, clock=ctx.clock, shop=shop, campaign=campaign
    )
    return PreviewPublic.model_validate(preview.as_json())


@router.post("/campaigns/{campaign_id}/schedule", response_model=CampaignPublic)
def schedule_campaign(
    campaign_id: RowId,
    shop: ApiShop,
    session: SessionDep,
    ctx: Ctx,
    data: ScheduleIn | None = None,
) -> CampaignPublic:
    """Send at `send_at`, or on the worker's next pass without one."""
    campaign = campaigns.schedule_campaign(
        session=session,
        clock=ctx.clock,
        shop=shop,
        campaign_id=campaign_id,
        send_at=data.send_at if data else None,
    )
    return _campaign(session, campaign)


@router.post("/campaigns/{campaign_id}/cancel", response_model=CampaignPublic)
def cancel_campaign(
    campaign_id: RowId, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> CampaignPublic:
    """A draft or scheduled campaign never sends; one already sending is a 409."""
    campaign = campaigns.cancel_campaign(
        session=session, clock=ctx.clock, shop=shop, campaign_id=campaign_id
    )
    return _campaign(session, campaign)


# -- events -------------------------------------------------------------------------------


def _event(session: Session, event: CommunityEvent) -> EventPublic:
    counts = dict(
        session.execute(
            select(Rsvp.status, func.count())
            .where(Rsvp.shop_id == event.shop_id, Rsvp.event_id == event.id)
            .group_by(Rsvp.status)
        ).all()
    )
    came = session.scalar(
        select(func.count()).where(Rsvp.event_id == event.id, Rsvp.checked_in_at.is_not(None))
    )
    return EventPublic(
        id=event.id,
        title=event.title,
        status=event.status,
        mode=event.mode,
        location=event.location,
        language=event.language,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        capacity=event.capacity,
        segments=list(event.segments),
        going=int(counts.get("going", 0)),
        waitlist=int(counts.get("waitlist", 0)),
        checked_in=int(came or 0),
    )


@router.get("/community-events", response_model=list[EventPublic])
def read_events(shop: ApiShop, session: SessionDep) -> list[EventPublic]:
    return [_event(session, e) for e in workshops.list_events(session, shop.id)[:200]]


@router.post("/community-events", response_model=EventPublic, status_code=201)
def post_event(data: EventCreate, shop: ApiShop, session: SessionDep, ctx: Ctx) -> EventPublic:
    event = workshops.create_event(
        session=session,
        clock=ctx.clock,
        shop=shop,
        title=data.title,
        starts_at=data.starts_at,
        capacity=data.capacity,
        mode=data.mode,
        language=data.language,
        location=data.location,
        duration_minutes=data.duration_minutes,
        description=data.description,
        segments=data.segments,
        seat_reward=data.seat_reward,
    )
    return _event(session, event)


@router.get("/community-events/{event_id}", response_model=EventPublic)
def read_event(event_id: RowId, shop: ApiShop, session: SessionDep) -> EventPublic:
    return _event(session, workshops.get_event(session, shop.id, event_id))


def _rsvp(row: Rsvp, external_id: str) -> RsvpPublic:
    return RsvpPublic(
        event_id=row.event_id,
        customer_id=external_id,
        status=row.status,
        checked_in_at=row.checked_in_at,
    )


@router.post("/community-events/{event_id}/rsvps/{customer_id}", response_model=RsvpPublic)
def post_rsvp(
    event_id: RowId, customer_id: CustomerRef, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> RsvpPublic:
    """A seat if one is free, else the waitlist; asking again changes nothing. 409 when the
    event no longer takes RSVPs."""
    workshops.get_event(session, shop.id, event_id)
    customer = get_customer(session, shop, customer_id)
    row = workshops.rsvp(
        session=session, clock=ctx.clock, shop=shop, event_id=event_id, customer_id=customer.id
    )
    return _rsvp(row, customer.external_id)


@router.post("/community-events/{event_id}/checkins/{customer_id}", response_model=RsvpPublic)
def post_checkin(
    event_id: RowId, customer_id: CustomerRef, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> RsvpPublic:
    """Mark the customer as attended (a walk-in without an RSVP is added); idempotent."""
    workshops.get_event(session, shop.id, event_id)
    customer = get_customer(session, shop, customer_id)
    row = workshops.check_in(
        session=session, clock=ctx.clock, shop=shop, event_id=event_id, customer_id=customer.id
    )
    return _rsvp(row, customer.external_id)


# -- groups -------------------------------------------------------------------------------


@router.get("/groups", response_model=list[GroupPublic])
def read_groups(shop: ApiShop, session: SessionDep) -> list[GroupPublic]:
    return [
        GroupPublic(
            id=g.id,
            platform=g.platform,
            name=g.name,
            invite_url=g.invite_url,
            purpose=g.purpose,
            segments=list(g.segments),
            members=n,
        )
        for g, n in groups.list_groups(session, shop.id)
    ]


@router.put("/groups/{group_id}/members/{customer_id}", response_model=MemberPublic)
def put_member(
    group_id: RowId, customer_id: CustomerRef, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> MemberPublic:
    """Mark the customer as a member of the group (idempotent)."""
    groups.get_group(session, shop.id, group_id)
    customer = get_customer(session, shop, customer_id)
    groups.add_member(
        session=session,
        clock=ctx.clock,
        shop=shop,
        group_id=group_id,
        customer_id=customer.id,
        source="api",
    )
    return MemberPublic(group_id=group_id, customer_id=customer.external_id, member=True)


@router.delete("/groups/{group_id}/members/{customer_id}", response_model=MemberPublic)
def delete_member(
    group_id: RowId, customer_id: CustomerRef, shop: ApiShop, session: SessionDep, ctx: Ctx
) -> MemberPublic:
    """The customer left the group (idempotent)."""
    groups.get_group(session, shop.id, group_id)
    customer = get_customer(session, shop, customer_id)
    groups.remove_member(
        session=session, clock=ctx.clock, shop=shop, group_id=group_id, customer_id=customer.id
    )
    return MemberPublic(group_id=group_id, customer_id=customer.external_id, member=False)


# -- launches, ambassadors, UGC -----------------------------------------------------------


def _launch(session: Session, launch: Launch) -> LaunchPublic:
    f = launches.funnel(session=session, launch=launch)
    return LaunchPublic(
        id=launch.id,
        sku=launch.sku,
        name=launch.name,
        offer=launch.offer,
        percent_off=launch.percent_off,
        segments=list(launch.segments),
        early_at=launch.early_at,
        public_at=launch.public_at,
        cancelled_at=launch.cancelled_at,
        invited=f.invited,
        opened=f.opened,
        claimed=f.claimed,
        bought=f.bought,
    )


@router.get("/launches", response_model=list[LaunchPublic])
def read_launches(shop: ApiShop, session: SessionDep) -> list[LaunchPublic]:
    return [_launch(session, launch) for launch in launches.list_launches(session, shop.id)[:200]]


@router.post("/launches", response_model=LaunchPublic, status_code=201)
def post_launch(data: LaunchCreate, shop: ApiShop, session: SessionDep, ctx: Ctx) -> LaunchPublic:
    """The early window opens at `early_at` for the chosen segments; everyone at `public_at`."""
    launch = launches.create_launch(
        session=session,
        clock=ctx.clock,
        shop=shop,
        sku=data.sku,
        name=data.name,
        early_at=data.early_at,
        public_at=data.public_at,
        offer=data.offer,
        percent_off=data.percent_off,
        segments=data.segments,
        description=data.description,
    )
    return _launch(session, launch)


@router.get("/ambassadors", response_model=list[AmbassadorPublic])
def read_ambassadors(shop: ApiShop, session: SessionDep) -> list[AmbassadorPublic]:
    """The Diamond Members, most active first."""
    return [
        AmbassadorPublic(
            customer_id=c.external_id,
            name=c.name,
            score=a.score,
            breakdown={k: int(v) for k, v in a.breakdown.items()},
            code=a.coupon_code,
            named_at=a.named_at,
        )
        for a, c in ambassadors.list_ambassadors(session, shop.id)
    ]


@router.post("/ugc", response_model=UgcPublic)
def post_ugc(data: UgcIn, shop: ApiShop, session: SessionDep, ctx: Ctx) -> UgcPublic:
    """A photo, story or minigame entry: earns the configured points once per `entry_key`."""
    customer = get_customer(session, shop, data.customer_id)
    entry, created = ambassadors.record_ugc(
        session=session,
        clock=ctx.clock,
        shop=shop,
        customer_id=customer.id,
        kind=data.kind,
        entry_key=data.entry_key,
        url=data.url,
        note=data.note,
        source="api",
    )
    return UgcPublic(
        id=entry.id,
        customer_id=customer.external_id,
        kind=entry.kind,
        entry_key=entry.entry_key,
        points=entry.points,
        created=created,
        recorded_at=entry.recorded_at,
    )
