"""The Community page: the shop's groups (add one, send its invite link to its segments)
and the Diamond Members (the rule runs nightly; the owner may run it now)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from careloop.community import ambassadors, groups
from careloop.community.audience_options import segment_choices
from careloop.community.ui_forms import Picks, Text, field_errors, joined, split_list
from careloop.core.errors import CareloopError
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import t
from careloop.web.ui.deps import AgentStaff, CurrentStaff, OwnerStaff, StaffContext
from careloop.web.ui.templating import render

router = APIRouter()


def _page(
    request: Request,
    staff: StaffContext,
    session: Session,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "community/community.html",
        {
            "groups": groups.list_groups(session, staff.shop.id),
            "ambassadors": ambassadors.list_ambassadors(session, staff.shop.id),
            "segment_choices": segment_choices(
                session, staff.shop.id, lambda key: t(key, staff.locale)
            ),
            "errors": errors or {},
            "form": form or {"platform": "zalo"},
        },
        staff=staff,
        status_code=422 if errors else 200,
    )


@router.get("/community")
def community_page(request: Request, staff: CurrentStaff, session: SessionDep) -> Response:
    return _page(request, staff, session)


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
    segments: Picks = None,
) -> Response:
    form = {
        "platform": platform,
        "name": name,
        "invite_url": invite_url,
        "purpose": purpose,
        "segments": joined(segments),
    }
    try:
        with session.begin_nested():
            groups.create_group(
                session=session,
                clock=ctx.clock,
                shop=staff.shop,
                platform=platform,
                name=name[:200],
                invite_url=invite_url[:500],
                purpose=purpose[:200],
                segments=split_list(form["segments"]),
            )
    except CareloopError as exc:
        return _page(request, staff, session, field_errors(exc, staff.locale), form)
    return RedirectResponse("/community", status_code=303)


@router.post("/community/groups/{group_id}/invite")
def group_invite(
    group_id: int, request: Request, staff: AgentStaff, session: SessionDep, ctx: Ctx
) -> Response:
    groups.get_group(session, staff.shop.id, group_id)
    try:
        with session.begin_nested():
            groups.invite_to_group(
                session=session, clock=ctx.clock, shop=staff.shop, group_id=group_id
            )
    except CareloopError as exc:
        return _page(
            request, staff, session, {"form": next(iter(field_errors(exc, staff.locale).values()))}
        )
    return RedirectResponse("/community", status_code=303)


@router.post("/community/ambassadors/refresh")
def ambassadors_refresh(staff: OwnerStaff, session: SessionDep, ctx: Ctx) -> Response:
    ambassadors.refresh_ambassadors(session=session, clock=ctx.clock, shop=staff.shop)
    return RedirectResponse("/community", status_code=303)
