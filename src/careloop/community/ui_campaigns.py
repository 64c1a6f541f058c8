"""Staff pages of campaigns: the list with the audience builder, and each campaign's page
with its preview (who would receive it, be deferred or suppressed, and the 80/20 check),
sending or scheduling, editing and cancelling while it has not started."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.channels.sms_cost import cost_per_part, part_costs
from careloop.community import campaigns
from careloop.community.audience import Audience, parse_audience, resolve_audience
from careloop.community.audience_options import AudienceOptions, audience_options
from careloop.community.customer_preview import (
    CustomerPreview,
    customer_preview,
    parse_customer_id,
)
from careloop.community.models import Campaign
from careloop.community.ui_forms import Text, field_errors, parse_local, split_list
from careloop.context import AppContext
from careloop.core.errors import CareloopError, ValidationFailed
from careloop.core.ports import Rewards, port
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.deps import AgentStaff, CurrentStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
# A filter of the audience picker: ticked boxes and a "more" text field under one name.
Picks = Annotated[list[str] | None, Form()]
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
            "options": _options(session, staff),
            "errors": errors or {},
            "form": form or {"purpose": "value", "kind": "marketing"},
            "sms_costs": part_costs(cost_per_part(session, staff.shop), staff.locale),
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


def _tier_names(session: Session, shop_id: int, locale: str) -> dict[str, str]:
    return port(Rewards).tier_names(session, shop_id=shop_id, locale=locale)


def _describe(audience: Audience, locale: str, tier_names: dict[str, str] | None = None) -> str:
    """The audience in staff words: "Phân khúc RFM: Khách hàng VIP; Thẻ: hanoi"; tiers by the
    shop's names for them."""
    from careloop.web.i18n import t

    if audience.everyone and not audience.to_json().keys() - {"all"}:
        return t("community.everyone", locale)
    named = {"segments": "segment.{}.label", "tiers": "tier.{}"}
    parts = []
    for field in ("segments", "tiers", "tags", "skus", "groups", "customers"):
        values = getattr(audience, field)
        if values:
            pattern = named.get(field)
            shown = [
                (tier_names or {}).get(str(v)) or t(pattern.format(v), locale)
                if pattern
                else str(v)
                for v in values
            ]
            title = "community.group_ids" if field == "groups" else f"community.{field}"
            title = "community.customer_ids" if field == "customers" else title
            parts.append(f"{t(title, locale)}: {', '.join(shown)}")
    return "; ".join(parts)


def _options(session: Session, staff: StaffContext) -> AudienceOptions:
    from careloop.web.i18n import t

    names = _tier_names(session, staff.shop.id, staff.locale)
    return audience_options(session, staff.shop.id, lambda key: t(key, staff.locale), names)


@router.post("/community/campaigns/audience-count")
def audience_count(
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    segments: Picks = None,
    tiers: Picks = None,
    tags: Picks = None,
    skus: Picks = None,
    groups_: Annotated[list[str] | None, Form(alias="groups")] = None,
    customers: Picks = None,
    everyone: Text = "",
) -> Response:
    """The picker's live count (htmx, as staff tick): who the audience holds now."""
    form = _posted("", "", "", "", "", segments, tiers, tags, skus, groups_, customers, everyone)
    count: int | None = None
    problem = ""
    try:
        audience = parse_audience(_audience(form))
        count = len(resolve_audience(session=session, shop_id=staff.shop.id, audience=audience))
    except CareloopError as exc:
        problem = next(iter(field_errors(exc, staff.locale).values()), "")
    return render(
        request,
        "community/_audience_count.html",
        {"count": count, "problem": problem},
        staff=staff,
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
    segments: Sequence[str] | None,
    tiers: Sequence[str] | None,
    tags: Sequence[str] | None,
    skus: Sequence[str] | None,
    groups: Sequence[str] | None,
    customers: Sequence[str] | None,
    everyone: str,
) -> dict[str, str]:
    """The form as posted: each audience filter is what was ticked plus what was typed."""
    return {
        "name": name,
        "purpose": purpose,
        "kind": kind,
        "subject": subject,
        "body": body,
        "segments": _joined(segments),
        "tiers": _joined(tiers),
        "tags": _joined(tags),
        "skus": _joined(skus),
        "groups": _joined(groups),
        "customers": _joined(customers),
        "everyone": everyone,
    }


def _joined(values: Sequence[str] | None) -> str:
    return ", ".join(dict.fromkeys(v for raw in values or () for v in split_list(raw)))


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
    segments: Picks = None,
    tiers: Picks = None,
    tags: Picks = None,
    skus: Picks = None,
    groups_: Annotated[list[str] | None, Form(alias="groups")] = None,
    customers: Picks = None,
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
    customer: str = "",
) -> Response:
    campaign = campaigns.get_campaign(session, staff.shop.id, campaign_id)
    for_customer, customer_error = _for_customer(session, ctx, staff, campaign, customer)
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
            "audience": _describe(
                parse_audience(campaign.audience),
                staff.locale,
                _tier_names(session, staff.shop.id, staff.locale),
            ),
            "preview": preview,
            "progress": progress,
            "editable": campaign.status in EDITABLE,
            "errors": errors or {},
            "form": form or _form_of(campaign),
            "missing_channels": missing,
            "options": _options(session, staff) if campaign.status in EDITABLE else None,
            "confirm_unready": confirm_unready,
            "sms_costs": part_costs(cost_per_part(session, staff.shop), staff.locale),
            "picked_customer": customer.strip(),
            "for_customer": for_customer,
            "customer_error": customer_error,
        },
        staff=staff,
        status_code=422 if errors or customer_error else (409 if confirm_unready else 200),
    )


def _for_customer(
    session: Session, ctx: AppContext, staff: StaffContext, campaign: Campaign, picked: str
) -> tuple[CustomerPreview | None, str]:
    """The campaign as the picked customer would receive it, or the error naming the field."""
    if not picked.strip():
        return None, ""
    try:
        return customer_preview(
            session=session,
            clock=ctx.clock,
            shop=staff.shop,
            campaign=campaign,
            customer_id=parse_customer_id(picked, staff.locale),
            staff_locale=staff.locale,
        ), ""
    except ValidationFailed as exc:
        return None, exc.errors[0].reason


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
    campaign_id: int,
    request: Request,
    staff: CurrentStaff,
    session: SessionDep,
    ctx: Ctx,
    customer: str = "",
) -> Response:
    """The campaign; with `?customer=<id>`, what that customer would receive, exactly."""
    return _detail(request, staff, session, ctx, campaign_id, customer=customer)


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
    segments: Picks = None,
    tiers: Picks = None,
    tags: Picks = None,
    skus: Picks = None,
    groups_: Annotated[list[str] | None, Form(alias="groups")] = None,
    customers: Picks = None,
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
