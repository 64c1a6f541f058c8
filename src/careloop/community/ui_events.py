"""Staff pages of events and workshops: the list and the new-event form, and each event's
page with who is going, the waitlist, check-in, invitations, editing and cancelling."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.community import workshops
from careloop.community.audience_options import Choice, segment_choices
from careloop.community.models import CommunityEvent
from careloop.community.tasks import link_maker
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
from careloop.core.errors import CareloopError, ValidationFailed
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import t
from careloop.web.ui.deps import AgentStaff, CurrentStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()
NEW_EVENT = {"mode": "in_shop", "language": "vi", "duration": "90", "capacity": ""}


def _form_of(event: CommunityEvent, tz: str) -> dict[str, str]:
    minutes = int((event.ends_at - event.starts_at).total_seconds() // 60)
    return {
        "title": event.title,
        "starts_at": local_input(event.starts_at, tz),
        "duration": str(minutes),
        "capacity": str(event.capacity),
        "mode": event.mode,
        "language": event.language,
        "location": event.location,
        "description": event.description,
        "segments": ", ".join(event.segments),
    }


def _read(form: dict[str, str], tz: str) -> tuple[datetime, int, int]:
    """The start, capacity and duration of the posted form; every bad one is named."""
    errors = []
    start: datetime | None = None
    capacity = duration = 0
    try:
        start = parse_local(form["starts_at"], "starts_at", tz)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    try:
        capacity = parse_int(form["capacity"], "capacity", low=1, high=workshops.MAX_CAPACITY)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    try:
        high = workshops.MAX_DURATION_MINUTES
        duration = parse_int(form["duration"], "duration", low=1, high=high)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if errors or start is None:
        raise ValidationFailed(errors)
    return start, capacity, duration


def _segment_choices(session: Session, staff: StaffContext) -> list[Choice]:
    return segment_choices(session, staff.shop.id, lambda key: t(key, staff.locale))


def _list_page(
    request: Request,
    staff: StaffContext,
    session: Session,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "community/events.html",
        {
            "events": workshops.list_events(session, staff.shop.id),
            "segment_choices": _segment_choices(session, staff),
            "errors": errors or {},
            "form": form or NEW_EVENT,
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.get("/community/events")
def events_page(request: Request, staff: CurrentStaff, session: SessionDep) -> Response:
    return _list_page(request, staff, session)


def _posted(
    title: str,
    starts_at: str,
    duration: str,
    capacity: str,
    mode: str,
    language: str,
    location: str,
    description: str,
    segments: str,
) -> dict[str, str]:
    return {
        "title": title,
        "starts_at": starts_at,
        "duration": duration,
        "capacity": capacity,
        "mode": mode,
        "language": language,
        "location": location,
        "description": description,
        "segments": segments,
    }


@router.post("/community/events")
def event_create(
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    title: Text = "",
    starts_at: Text = "",
    duration: Text = "90",
    capacity: Text = "",
    mode: Text = "in_shop",
    language: Text = "vi",
    location: Text = "",
    description: Text = "",
    segments: Picks = None,
) -> Response:
    form = _posted(
        title, starts_at, duration, capacity, mode, language, location, description,
        joined(segments),
    )  # fmt: skip
    try:
        start, seats, minutes = _read(form, staff.shop.timezone)
        with session.begin_nested():
            event = workshops.create_event(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                title=title,
                starts_at=start,
                capacity=seats,
                mode=mode,
                language=language,
                location=location[:500],
                duration_minutes=minutes,
                description=description[:5000],
                segments=split_list(form["segments"]),
            )
    except CareloopError as exc:
        return _list_page(request, staff, session, field_errors(exc, staff.locale), form)
    return RedirectResponse(f"/community/events/{event.id}", status_code=303)


def _detail(
    request: Request,
    staff: StaffContext,
    session: Session,
    ctx: AppContext,
    event_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
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
            "editable": event.status == "open" and event.starts_at > ctx.clock.now(),
            "segment_choices": _segment_choices(session, staff),
            "errors": errors or {},
            "form": form or _form_of(event, staff.shop.timezone),
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.get("/community/events/{event_id}")
def event_page(
    event_id: int, request: Request, staff: CurrentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    return _detail(request, staff, session, ctx, event_id)


@router.post("/community/events/{event_id}/checkin/{customer_id}")
def event_checkin(
    event_id: int,
    customer_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
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
def event_invite(
    event_id: int, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    try:
        with session.begin_nested():
            workshops.invite(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                event_id=event_id,
                links=link_maker(ctx),
            )
    except CareloopError as exc:
        return _detail(request, staff, session, ctx, event_id, field_errors(exc, staff.locale))
    return RedirectResponse(f"/community/events/{event_id}", status_code=303)


@router.post("/community/events/{event_id}/edit")
def event_edit(
    event_id: int,
    request: Request,
    staff: AgentStaff,
    session: SessionDep,
    ctx: Ctx,
    title: Text = "",
    starts_at: Text = "",
    duration: Text = "90",
    capacity: Text = "",
    mode: Text = "in_shop",
    language: Text = "vi",
    location: Text = "",
    description: Text = "",
    segments: Picks = None,
) -> Response:
    workshops.get_event(session, staff.shop.id, event_id)  # another shop's id: 404 first
    form = _posted(
        title, starts_at, duration, capacity, mode, language, location, description,
        joined(segments),
    )  # fmt: skip
    try:
        start, seats, minutes = _read(form, staff.shop.timezone)
        with session.begin_nested():
            workshops.update_event(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                event_id=event_id,
                title=title,
                starts_at=start,
                capacity=seats,
                mode=mode,
                language=language,
                location=location[:500],
                duration_minutes=minutes,
                description=description[:5000],
                segments=split_list(form["segments"]),
                links=link_maker(ctx),
            )
    except CareloopError as exc:
        return _detail(
            request, staff, session, ctx, event_id, field_errors(exc, staff.locale), form
        )
    return RedirectResponse(f"/community/events/{event_id}", status_code=303)


@router.post("/community/events/{event_id}/cancel")
def event_cancel(
    event_id: int, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    try:
        with session.begin_nested():
            workshops.cancel_event(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                event_id=event_id,
                links=link_maker(ctx),
            )
    except CareloopError as exc:
        return _detail(request, staff, session, ctx, event_id, field_errors(exc, staff.locale))
    return RedirectResponse(f"/community/events/{event_id}", status_code=303)
