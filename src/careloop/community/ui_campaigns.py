"""Staff pages of campaigns: the list with the audience builder, and each campaign's page
with its preview (who would receive it, be deferred or suppressed, and the 80/20 check),
sending or scheduling, editing and cancelling while it has not started."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.community import campaigns
from careloop.community.audience import parse_audience
from careloop.community.models import Campaign
from careloop.community.ui_forms import Text, field_errors, parse_local, split_list
from careloop.context import AppContext
from careloop.core.errors import CareloopError
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import AgentStaff, CurrentStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
AUDIENCE_FIELDS = ("segments", "tiers", "tags", "skus", "groups", "customers")
EDITABLE = ("draft", "scheduled")


def _form_of(campaign: Campaign) -> dict[str, str]:
    """The edit form's values, from the stored campaign."""
    audience = campaign.audience or {}
    form = {
        "name": campaign.name,
        "purpose": campaign.purpose,
        "kind": campaign.kind,
        "subject": campaign.subject,
        "body": campaign.body,
        "everyone": "1" if audience.get("all") else "",
        "sms_unaccented": "1" if campaign.sms_unaccented else "",
    }
    for name in AUDIENCE_FIELDS:
        form[name] = ", ".join(str(v) for v in audience.get(name, []))
    return form


def _audience(form: dict[str, str]) -> dict[str, Any]:
    audience: dict[str, Any] = {name: split_list(form[name]) for name in AUDIENCE_FIELDS}
    if form["everyone"]:
        audience["all"] = True
    return audience


def _list_page(
    request: Request,
    staff: StaffContext,
    session: Session,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "community/campaigns.html",
        {
            "campaigns": campaigns.list_campaigns(session, staff.shop.id),
            "errors": errors or {},
            "form": form or {"purpose": "value", "kind": "marketing"},
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.get("/community/campaigns")
def campaigns_page(request: Request, staff: CurrentStaff, session: SessionDep) -> Response:
    return _list_page(request, staff, session)


def _posted(
    name: str,
    purpose: str,
    kind: str,
    subject: str,
    body: str,
    segments: str,
    tiers: str,
    tags: str,
    skus: str,
    groups: str,
    customers: str,
    everyone: str,
) -> dict[str, str]:
    return {
        "name": name,
        "purpose": purpose,
        "kind": kind,
        "subject": subject,
        "body": body,
        "segments": segments,
        "tiers": tiers,
        "tags": tags,
        "skus": skus,
        "groups": groups,
        "customers": customers,
        "everyone": everyone,
    }


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
    sms_unaccented: Text = "",
) -> Response:
    form = _posted(
        name, purpose, kind, subject, body, segments, tiers, tags, skus, groups_, customers,
        everyone,
    )  # fmt: skip
    form["sms_unaccented"] = sms_unaccented
    try:
        with session.begin_nested():
            campaign = campaigns.create_campaign(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                name=name,
                purpose=purpose,
                kind=kind,
                audience=_audience(form),
                subject=subject,
                body=body,
                created_by=staff.user.email,
                sms_unaccented=bool(sms_unaccented),
            )
    except CareloopError as exc:
        return _list_page(request, staff, session, field_errors(exc, staff.locale), form)
    return RedirectResponse(f"/community/campaigns/{campaign.id}", status_code=303)


def _detail(
    request: Request,
    staff: StaffContext,
    session: Session,
    ctx: AppContext,
    campaign_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    confirm_unready: bool = False,
) -> Response:
    campaign = campaigns.get_campaign(session, staff.shop.id, campaign_id)
    preview = None
    missing: list[str] = []
    if campaign.status in EDITABLE:
        preview = campaigns.preview_campaign(
            session=session, clock=ctx.clock, shop=staff.shop, campaign=campaign
        )
        missing = _unready_channels(session, staff.shop.id, preview)
    progress = campaigns.campaign_progress(
        session=session, shop_id=staff.shop.id, campaign_id=campaign_id
    )
    return render(
        request,
        "community/campaign.html",
        {
            "c": campaign,
            "audience": parse_audience(campaign.audience).describe(),
            "preview": preview,
            "progress": progress,
            "editable": campaign.status in EDITABLE,
            "errors": errors or {},
            "form": form or _form_of(campaign),
            "missing_channels": missing,
            "confirm_unready": confirm_unready,
        },
        staff=staff,
        status_code=422 if errors else (409 if confirm_unready else 200),
    )


def _unready_channels(
    session: Session, shop_id: int, preview: campaigns.CampaignPreview
) -> list[str]:
    """The channels the campaign would go out on that are not set up (they would fail)."""
    from careloop.channels.readiness import NEEDS_SETTINGS, configured_channels

    configured = configured_channels(session, shop_id)
    return [
        ch
        for ch, n in preview.forecast.channels.items()
        if n and ch in NEEDS_SETTINGS and ch not in configured
    ]


@router.get("/community/campaigns/{campaign_id}")
def campaign_page(
    campaign_id: int, request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    return _detail(request, staff, session, ctx, campaign_id)


@router.post("/community/campaigns/{campaign_id}/send")
def campaign_send(
    campaign_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    send_at: Text = "",
    anyway: Text = "",
) -> Response:
    campaign = campaigns.get_campaign(session, staff.shop.id, campaign_id)
    if campaign.status in EDITABLE and not anyway:
        preview = campaigns.preview_campaign(
            session=session, clock=ctx.clock, shop=staff.shop, campaign=campaign
        )
        if _unready_channels(session, staff.shop.id, preview):
            # Warn first: sending now on a channel that is not set up only makes failures.
            return _detail(request, staff, session, ctx, campaign_id, confirm_unready=True)
    try:
        with session.begin_nested():
            campaigns.schedule_campaign(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                campaign_id=campaign_id,
                send_at=parse_local(send_at, "send_at", staff.shop.timezone, required=False),
            )
    except CareloopError as exc:
        return _detail(request, staff, session, ctx, campaign_id, field_errors(exc, staff.locale))
    return RedirectResponse(f"/community/campaigns/{campaign_id}", status_code=303)


@router.post("/community/campaigns/{campaign_id}/edit")
def campaign_edit(
    campaign_id: int,
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
    sms_unaccented: Text = "",
) -> Response:
    form = _posted(
        name, purpose, kind, subject, body, segments, tiers, tags, skus, groups_, customers,
        everyone,
    )  # fmt: skip
    form["sms_unaccented"] = sms_unaccented
    try:
        with session.begin_nested():
            campaigns.update_campaign(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                campaign_id=campaign_id,
                name=name,
                purpose=purpose,
                kind=kind,
                audience=_audience(form),
                subject=subject,
                body=body,
                sms_unaccented=bool(sms_unaccented),
            )
    except CareloopError as exc:
        return _detail(
            request, staff, session, ctx, campaign_id, field_errors(exc, staff.locale), form
        )
    return RedirectResponse(f"/community/campaigns/{campaign_id}", status_code=303)


@router.post("/community/campaigns/{campaign_id}/cancel")
def campaign_cancel(
    campaign_id: int, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    try:
        with session.begin_nested():
            campaigns.cancel_campaign(
                session=session, clock=ctx.clock, shop=staff.shop, campaign_id=campaign_id
            )
    except CareloopError as exc:
        return _detail(request, staff, session, ctx, campaign_id, field_errors(exc, staff.locale))
    return RedirectResponse(f"/community/campaigns/{campaign_id}", status_code=303)
