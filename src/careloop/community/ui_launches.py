"""Staff pages of early-access launches: the list with each launch's funnel (invited,
opened, claimed, bought) and the new-launch form, and each launch's page to edit or cancel
it before it goes public."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.community import launches
from careloop.community.audience_options import Choice, segment_choices
from careloop.community.models import Launch
from careloop.community.ui_forms import (
    Picks,
    Text,
    field_errors,
    joined,
    local_input,
    parse_int,
    parse_local,
    split_list,
)
from careloop.context import AppContext
from careloop.core.errors import CareloopError, FieldError, ValidationFailed
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import t
from careloop.web.ui.deps import AgentStaff, CurrentStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
NEW_LAUNCH = {"offer": "free", "segments": "champions, loyal"}


def _form_of(launch: Launch, tz: str) -> dict[str, str]:
    return {
        "sku": launch.sku,
        "name": launch.name,
        "description": launch.description,
        "early_at": local_input(launch.early_at, tz),
        "public_at": local_input(launch.public_at, tz),
        "offer": launch.offer,
        "percent_off": str(launch.percent_off or ""),
        "segments": ", ".join(launch.segments),
    }


def _read(form: dict[str, str], tz: str) -> tuple[datetime, datetime, int | None]:
    errors: list[FieldError] = []
    moments: list[datetime] = []
    for field in ("early_at", "public_at"):
        try:
            moment = parse_local(form[field], field, tz)
            assert moment is not None
            moments.append(moment)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    percent = None
    if form["percent_off"].strip():
        try:
            percent = parse_int(form["percent_off"], "percent_off", low=1, high=100)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return moments[0], moments[1], percent


def _segment_choices(session: Session, staff: StaffContext) -> list[Choice]:
    return segment_choices(session, staff.shop.id, lambda key: t(key, staff.locale))


def _list_page(
    request: Request,
    staff: StaffContext,
    session: Session,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    rows = [
        (launch, launches.funnel(session=session, launch=launch))
        for launch in launches.list_launches(session, staff.shop.id)
    ]
    return render(
        request,
        "community/launches.html",
        {
            "rows": rows,
            "errors": errors or {},
            "form": form or NEW_LAUNCH,
            "segment_choices": _segment_choices(session, staff),
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.get("/community/launches")
def launches_page(request: Request, staff: CurrentStaff, session: SessionDep) -> Response:
    return _list_page(request, staff, session)


def _posted(
    sku: str,
    name: str,
    description: str,
    early_at: str,
    public_at: str,
    offer: str,
    percent_off: str,
    segments: str,
) -> dict[str, str]:
    return {
        "sku": sku,
        "name": name,
        "description": description,
        "early_at": early_at,
        "public_at": public_at,
        "offer": offer,
        "percent_off": percent_off,
        "segments": segments,
    }


@router.post("/community/launches")
def launch_create(
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    sku: Text = "",
    name: Text = "",
    description: Text = "",
    early_at: Text = "",
    public_at: Text = "",
    offer: Text = "free",
    percent_off: Text = "",
    segments: Picks = None,
) -> Response:
    form = _posted(
        sku, name, description, early_at, public_at, offer, percent_off, joined(segments)
    )
    try:
        early, public, percent = _read(form, staff.shop.timezone)
        with session.begin_nested():
            launches.create_launch(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                sku=sku[:128],
                name=name[:300],
                description=description[:5000],
                early_at=early,
                public_at=public,
                offer=offer,
                percent_off=percent,
                segments=split_list(form["segments"]),
            )
    except CareloopError as exc:
        return _list_page(request, staff, session, field_errors(exc, staff.locale), form)
    return RedirectResponse("/community/launches", status_code=303)


def _detail(
    request: Request,
    staff: StaffContext,
    session: Session,
    ctx: AppContext,
    launch_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    launch = launches.get_launch(session, staff.shop.id, launch_id)
    return render(
        request,
        "community/launch.html",
        {
            "l": launch,
            "f": launches.funnel(session=session, launch=launch),
            "editable": launch.cancelled_at is None and launch.public_at > ctx.clock.now(),
            "segment_choices": _segment_choices(session, staff),
            "errors": errors or {},
            "form": form or _form_of(launch, staff.shop.timezone),
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.get("/community/launches/{launch_id}")
def launch_page(
    launch_id: int, request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    return _detail(request, staff, session, ctx, launch_id)


@router.post("/community/launches/{launch_id}/edit")
def launch_edit(
    launch_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    sku: Text = "",
    name: Text = "",
    description: Text = "",
    early_at: Text = "",
    public_at: Text = "",
    offer: Text = "free",
    percent_off: Text = "",
    segments: Picks = None,
) -> Response:
    launches.get_launch(session, staff.shop.id, launch_id)  # another shop's id: 404 first
    form = _posted(
        sku, name, description, early_at, public_at, offer, percent_off, joined(segments)
    )
    try:
        early, public, percent = _read(form, staff.shop.timezone)
        with session.begin_nested():
            launches.update_launch(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                launch_id=launch_id,
                sku=sku[:128],
                name=name[:300],
                description=description[:5000],
                early_at=early,
                public_at=public,
                offer=offer,
                percent_off=percent,
                segments=split_list(form["segments"]),
            )
    except CareloopError as exc:
        return _detail(
            request, staff, session, ctx, launch_id, field_errors(exc, staff.locale), form
        )
    return RedirectResponse(f"/community/launches/{launch_id}", status_code=303)


@router.post("/community/launches/{launch_id}/cancel")
def launch_cancel(
    launch_id: int, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    try:
        with session.begin_nested():
            launches.cancel_launch(
                session=session, clock=ctx.clock, shop=staff.shop, launch_id=launch_id
            )
    except CareloopError as exc:
        return _detail(request, staff, session, ctx, launch_id, field_errors(exc, staff.locale))
    return RedirectResponse(f"/community/launches/{launch_id}", status_code=303)
