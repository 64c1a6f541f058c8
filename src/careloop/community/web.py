"""The customer's pages behind the private links: an early-access invitation (claim, then
rate the product) and an event RSVP (take a seat or the waitlist, or cancel).

GET never changes anything but the "opened" mark (link scanners fetch links too); claiming,
RSVPs and feedback are form POSTs with the page's CSRF token.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels.policy import zone
from careloop.community import launches, workshops
from careloop.community.links import LAUNCH, RSVP, BadLink, LinkMaker, read_token
from careloop.community.models import CommunityEvent, Launch, Rsvp
from careloop.context import AppContext
from careloop.core.catalogue import catalogue_texts
from careloop.core.errors import CareloopError, NotFound
from careloop.core.ports import Rewards, port
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from careloop.web.deps import Ctx, SessionDep
from careloop.web.ui.templating import render

router = APIRouter()

TEXTS = catalogue_texts("community.web.texts")


def _texts(customer: Customer, shop: Shop) -> dict[str, str]:
    locale = (customer.locale or shop.locale or "vi")[:2]
    return TEXTS["vi" if locale == "vi" else "en"]


def _verified(ctx: AppContext, purpose: str, token: str) -> dict[str, int]:
    try:
        return read_token(ctx.secret_key, purpose, token)
    except BadLink:
        raise NotFound("link", "") from None


def _launch_parts(session: Session, ctx: AppContext, token: str) -> tuple[Launch, Customer, Shop]:
    ids = _verified(ctx, LAUNCH, token)
    launch = session.get(Launch, ids.get("l"))
    customer = session.get(Customer, ids.get("c"))
    if launch is None or customer is None or customer.shop_id != launch.shop_id:
        raise NotFound("launch", ids.get("l"))
    shop = session.get(Shop, launch.shop_id)
    assert shop is not None
    return launch, customer, shop


def _local_date(shop: Shop, moment: object) -> str:
    from datetime import datetime

    assert isinstance(moment, datetime)
    return moment.astimezone(zone(shop.timezone)).strftime("%d/%m/%Y %H:%M")


@router.get("/early/{token}")
def early_page(
    token: str, request: Request, ctx: Ctx, session: SessionDep, note: str = ""
) -> Response:
    launch, customer, shop = _launch_parts(session, ctx, token)
    launches.record_open(
        session=session, clock=ctx.clock, shop=shop, launch=launch, customer_id=customer.id
    )
    invite = launches._invite(session, launch, customer.id)
    now = ctx.clock.now()
    # The same rule as the claim itself, so the page never offers what the claim refuses
    # (or hides what an early-access privilege holder may take).
    privileged = "early_access" in port(Rewards).entitlements(
        session, shop_id=shop.id, customer_id=customer.id, now=now
    )
    check = launches.may_claim(
        now=now,
        early_at=launch.early_at,
        public_at=launch.public_at,
        invited=invite is not None and invite.via == "invite",
        early_privilege=privileged,
    )
    t = _texts(customer, shop)
    return render(
        request,
        "community/early.html",
        {
            "t": t,
            "launch": launch,
            "shop_name": shop.name,
            "invite": invite,
            "check": check,
            "token": token,
            "note": note,
            "opens": t["opens"].format(date=_local_date(shop, launch.early_at)),
            "public": t["public"].format(date=_local_date(shop, launch.public_at)),
            "invite_only": t["invite_only"].format(date=_local_date(shop, launch.public_at)),
        },
        staff=None,
    )


@router.post("/early/{token}/claim")
def early_claim(token: str, ctx: Ctx, session: SessionDep) -> Response:
    launch, customer, shop = _launch_parts(session, ctx, token)
    note = ""
    try:
        with session.begin_nested():
            launches.claim(
                session=session,
                clock=ctx.clock,
                shop=shop,
                launch_id=launch.id,
                customer_id=customer.id,
            )
    except CareloopError:
        # The customer reads a sentence in their language, never the internal reason; the
        # note is a key, so a crafted link cannot put arbitrary text on the shop's page.
        note = "not_now"
    return RedirectResponse(
        f"/early/{token}" + (f"?note={quote(note)}" if note else ""), status_code=303
    )


@router.post("/early/{token}/feedback")
def early_feedback(
    token: str,
    ctx: Ctx,
    session: SessionDep,
    score: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    launch, customer, shop = _launch_parts(session, ctx, token)
    launches.record_tester_feedback(
        session=session,
        clock=ctx.clock,
        shop=shop,
        launch_id=launch.id,
        customer_id=customer.id,
        score=score,
        comment=comment,
    )
    return RedirectResponse(f"/early/{token}?note=thanks", status_code=303)


def _rsvp_parts(
    session: Session, ctx: AppContext, token: str
) -> tuple[CommunityEvent, Customer, Shop]:
    ids = _verified(ctx, RSVP, token)
    event = session.get(CommunityEvent, ids.get("e"))
    customer = session.get(Customer, ids.get("c"))
    if event is None or customer is None or customer.shop_id != event.shop_id:
        raise NotFound("event", ids.get("e"))
    shop = session.get(Shop, event.shop_id)
    assert shop is not None
    return event, customer, shop


@router.get("/rsvp/{token}")
def rsvp_page(
    token: str, request: Request, ctx: Ctx, session: SessionDep, note: str = ""
) -> Response:
    event, customer, shop = _rsvp_parts(session, ctx, token)
    row = session.scalar(
        select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.customer_id == customer.id)
    )
    return render(
        request,
        "community/rsvp.html",
        {
            "t": _texts(customer, shop),
            "event": event,
            "when": _local_date(shop, event.starts_at),
            "shop_name": shop.name,
            "row": row,
            "open": event.status == "open" and ctx.clock.now() < event.starts_at,
            "token": token,
            "note": note,
        },
        staff=None,
    )


@router.post("/rsvp/{token}")
def rsvp_post(
    token: str, ctx: Ctx, session: SessionDep, action: Annotated[str, Form()] = "join"
) -> Response:
    event, customer, shop = _rsvp_parts(session, ctx, token)
    note = ""
    try:
        with session.begin_nested():
            _rsvp_action(ctx, session, shop, event, customer, action)
    except CareloopError:
        note = "rsvp_refused"
    return RedirectResponse(
        f"/rsvp/{token}" + (f"?note={quote(note)}" if note else ""), status_code=303
    )


def _rsvp_action(
    ctx: AppContext,
    session: Session,
    shop: Shop,
    event: CommunityEvent,
    customer: Customer,
    action: str,
) -> None:
    if action == "cancel":
        workshops.cancel_rsvp(
            session=session,
            clock=ctx.clock,
            shop=shop,
            event_id=event.id,
            customer_id=customer.id,
            links=LinkMaker(ctx.settings.base_url, ctx.secret_key),
        )
    else:
        workshops.rsvp(
            session=session, clock=ctx.clock, shop=shop, event_id=event.id, customer_id=customer.id
        )
