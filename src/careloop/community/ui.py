"""Staff pages of the community capability: campaigns (audience builder, preview, send),
launches (early-access funnel), events (RSVPs, waitlist, check-in), the community (groups
and Diamond Members), and a panel on each customer's page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.community import ambassadors, campaigns, groups, launches, workshops
from careloop.community.models import CommunityEvent, Launch, LaunchInvite, Rsvp
from careloop.community.tasks import link_maker
from careloop.core.errors import CareloopError, ValidationFailed
from careloop.customers.models import Customer
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.customers import register_customer_panel
from careloop.web.ui.deps import AgentStaff, CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.nav import register_nav
from careloop.web.ui.templating import render

router = APIRouter()
register_nav("campaigns", "Campaigns", "Chiến dịch", "/community/campaigns", "viewer", 50)
register_nav("events", "Events", "Sự kiện", "/community/events", "viewer", 51)
register_nav("launches", "Launches", "Ra mắt sớm", "/community/launches", "viewer", 52)
register_nav("community", "Community", "Cộng đồng", "/community", "viewer", 53)

Text = Annotated[str, Form()]


def _error(exc: CareloopError) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(str(e) for e in exc.errors)
    return str(exc)


def _list(raw: str) -> list[str]:
    return [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]


def _when(raw: str, staff: StaffContext) -> datetime | None:
    """A datetime-local field, in the shop's time zone."""
    from careloop.journeys.policy import zone

    if not raw.strip():
        return None
    try:
        local = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed([]) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(staff.shop.timezone))
    return local


# -- campaigns ----------------------------------------------------------------------------


def _campaigns_page(
    request: Request, staff: StaffContext, session: Session, error: str = "", form: Any = None
) -> Response:
    return render(
        request,
        "community/campaigns.html",
        {
            "campaigns": campaigns.list_campaigns(session, staff.shop.id),
            "error": error,
            "form": form or {},
        },
        staff=staff,
        status_code=422 if error else 200,
    )


@router.get("/community/campaigns")
def campaigns_page(request: Request, staff: CurrentStaff, session: SessionDep) -> Response:
    return _campaigns_page(request, staff, session)


@router.post("/community/campaigns")
def campaign_create(
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    name: Text = "",
    purpose: Text = "value",
    kind: Text = "marketing",
    subject: Text = "",
    body: Text = "",
    segments: Text = "",
    tiers: Text = "",
    tags: Text = "",
    skus: Text = "",
    groups_: Annotated[str, Form(alias="groups")] = "",
    customers: Text = "",
    everyone: Text = "",
) -> Response:
    audience: dict[str, Any] = {
        "segments": _list(segments),
        "tiers": _list(tiers),
        "tags": _list(tags),
        "skus": _list(skus),
        "groups": _list(groups_),
        "customers": _list(customers),
    }
    if everyone:
        audience["all"] = True
    try:
        with session.begin_nested():
            campaign = campaigns.create_campaign(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                name=name,
                purpose=purpose,
                kind=kind,
                audience=audience,
                subject=subject,
                body=body,
                created_by=staff.user.email,
            )
    except CareloopError as exc:
        form = {"name": name, "subject": subject, "body": body, "segments": segments}
        return _campaigns_page(request, staff, session, _error(exc), form)
    return RedirectResponse(f"/community/campaigns/{campaign.id}", status_code=303)


def _campaign_detail(
    request: Request, staff: StaffContext, session: Session, ctx: Any, cid: int, error: str = ""
) -> Response:
    campaign = campaigns.get_campaign(session, staff.shop.id, cid)
    preview = None
    if campaign.status in ("draft", "scheduled"):
        preview = campaigns.preview_campaign(
            session=session, clock=ctx.clock, shop=staff.shop, campaign=campaign
        )
    progress = campaigns.campaign_progress(session=session, shop_id=staff.shop.id, campaign_id=cid)
    return render(
        request,
        "community/campaign.html",
        {"c": campaign, "preview": preview, "progress": progress, "error": error},
        staff=staff,
        status_code=422 if error else 200,
    )


@router.get("/community/campaigns/{campaign_id}")
def campaign_page(
    campaign_id: int, request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    return _campaign_detail(request, staff, session, ctx, campaign_id)


@router.post("/community/campaigns/{campaign_id}/send")
def campaign_send(
    campaign_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    send_at: Text = "",
) -> Response:
    try:
        with session.begin_nested():
            campaigns.schedule_campaign(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                campaign_id=campaign_id,
                send_at=_when(send_at, staff),
            )
    except CareloopError as exc:
        return _campaign_detail(request, staff, session, ctx, campaign_id, _error(exc) or "send_at")
    return RedirectResponse(f"/community/campaigns/{campaign_id}", status_code=303)


# -- events -------------------------------------------------------------------------------


@router.get("/community/events")
def events_page(request: Request, staff: CurrentStaff, session: SessionDep) -> Response:
    return _events_page(request, staff, session)


def _events_page(
    request: Request, staff: StaffContext, session: Session, error: str = ""
) -> Response:
    return render(
        request,
        "community/events.html",
        {"events": workshops.list_events(session, staff.shop.id), "error": error},
        staff=staff,
        status_code=422 if error else 200,
    )


@router.post("/community/events")
def event_create(
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    title: Text = "",
    starts_at: Text = "",
    capacity: Text = "0",
    mode: Text = "in_shop",
    language: Text = "vi",
    location: Text = "",
    segments: Text = "",
) -> Response:
    try:
        when = _when(starts_at, staff)
        if when is None or not capacity.isdigit():
            raise ValidationFailed([])
        with session.begin_nested():
            event = workshops.create_event(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                title=title,
                starts_at=when,
                capacity=int(capacity),
                mode=mode,
                language=language,
                location=location,
                segments=_list(segments),
            )
    except CareloopError as exc:
        return _events_page(request, staff, session, _error(exc) or "starts_at, capacity: required")
    return RedirectResponse(f"/community/events/{event.id}", status_code=303)


@router.get("/community/events/{event_id}")
def event_page(
    event_id: int, request: Request, staff: CurrentStaff, session: SessionDep
) -> Response:
    event = workshops.get_event(session, staff.shop.id, event_id)
    rows = workshops.rsvps_of(session, staff.shop.id, event_id)
    return render(
        request,
        "community/event.html",
        {
            "event": event,
            "going": [(r, c) for r, c in rows if r.status == "going"],
            "waitlist": [(r, c) for r, c in rows if r.status == "waitlist"],
            "cancelled": [(r, c) for r, c in rows if r.status == "cancelled"],
        },
        staff=staff,
    )


@router.post("/community/events/{event_id}/checkin/{customer_id}")
def event_checkin(
    event_id: int, customer_id: int, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    workshops.check_in(
        session=session,
        clock=ctx.clock,
        shop=staff.shop,
        event_id=event_id,
        customer_id=customer_id,
    )
    return RedirectResponse(f"/community/events/{event_id}", status_code=303)


@router.post("/community/events/{event_id}/invite")
def event_invite(event_id: int, staff: AgentStaff, session: SessionDep, ctx: Ctx) -> Response:
    workshops.invite(
        session=session, clock=ctx.clock, shop=staff.shop, event_id=event_id, links=link_maker(ctx)
    )
    return RedirectResponse(f"/community/events/{event_id}", status_code=303)


# -- launches -----------------------------------------------------------------------------


@router.get("/community/launches")
def launches_page(request: Request, staff: CurrentStaff, session: SessionDep) -> Response:
    return _launches_page(request, staff, session)


def _launches_page(
    request: Request, staff: StaffContext, session: Session, error: str = ""
) -> Response:
    rows = [
        (launch, launches.funnel(session=session, launch=launch))
        for launch in launches.list_launches(session, staff.shop.id)
    ]
    return render(
        request,
        "community/launches.html",
        {"rows": rows, "error": error},
        staff=staff,
        status_code=422 if error else 200,
    )


@router.post("/community/launches")
def launch_create(
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    sku: Text = "",
    name: Text = "",
    early_at: Text = "",
    public_at: Text = "",
    offer: Text = "free",
    percent_off: Text = "",
    segments: Text = "champions, loyal",
) -> Response:
    try:
        early, public = _when(early_at, staff), _when(public_at, staff)
        if early is None or public is None:
            raise ValidationFailed([])
        with session.begin_nested():
            launches.create_launch(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                sku=sku,
                name=name,
                early_at=early,
                public_at=public,
                offer=offer,
                percent_off=int(percent_off) if percent_off.isdigit() else None,
                segments=_list(segments),
            )
    except CareloopError as exc:
        return _launches_page(request, staff, session, _error(exc) or "dates: required")
    return RedirectResponse("/community/launches", status_code=303)


# -- community: groups and ambassadors ----------------------------------------------------


@router.get("/community")
def community_page(request: Request, staff: CurrentStaff, session: SessionDep) -> Response:
    return _community_page(request, staff, session)


def _community_page(
    request: Request, staff: StaffContext, session: Session, error: str = ""
) -> Response:
    return render(
        request,
        "community/community.html",
        {
            "groups": groups.list_groups(session, staff.shop.id),
            "ambassadors": ambassadors.list_ambassadors(session, staff.shop.id),
            "error": error,
        },
        staff=staff,
        status_code=422 if error else 200,
    )


@router.post("/community/groups")
def group_create(
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    platform: Text = "zalo",
    name: Text = "",
    invite_url: Text = "",
    purpose: Text = "",
    segments: Text = "",
) -> Response:
    try:
        with session.begin_nested():
            groups.create_group(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                platform=platform,
                name=name,
                invite_url=invite_url,
                purpose=purpose,
                segments=_list(segments),
            )
    except CareloopError as exc:
        return _community_page(request, staff, session, _error(exc))
    return RedirectResponse("/community", status_code=303)


@router.post("/community/groups/{group_id}/invite")
def group_invite(
    group_id: int, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    try:
        with session.begin_nested():
            groups.invite_to_group(
                session=session, clock=ctx.clock, shop=staff.shop, group_id=group_id
            )
    except ValidationFailed as exc:
        return _community_page(request, staff, session, _error(exc))
    return RedirectResponse("/community", status_code=303)


@router.post("/community/ambassadors/refresh")
def ambassadors_refresh(staff: OwnerStaff, session: SessionDep, ctx: Ctx) -> Response:
    ambassadors.refresh_ambassadors(session=session, clock=ctx.clock, shop=staff.shop)
    return RedirectResponse("/community", status_code=303)


# -- the customer's page ------------------------------------------------------------------


def customer_panel(session: Session, staff: StaffContext, customer: Customer) -> Mapping[str, Any]:
    shop_id = staff.shop.id
    rsvps = session.execute(
        select(Rsvp, CommunityEvent)
        .join(CommunityEvent, CommunityEvent.id == Rsvp.event_id)
        .where(Rsvp.shop_id == shop_id, Rsvp.customer_id == customer.id)
        .order_by(CommunityEvent.starts_at.desc())
    ).all()
    invites = session.execute(
        select(LaunchInvite, Launch)
        .join(Launch, Launch.id == LaunchInvite.launch_id)
        .where(LaunchInvite.shop_id == shop_id, LaunchInvite.customer_id == customer.id)
    ).all()
    return {
        "events": [(r, e) for r, e in rsvps],
        "groups": groups.groups_of(session, shop_id, customer.id),
        "ambassador": ambassadors.ambassador_of(session, shop_id, customer.id),
        "launches": [(i, launch) for i, launch in invites],
    }


register_customer_panel("community", "community/_customer_panel.html", customer_panel, order=60)
