"""The first-day checklist: what a new shop must do before its customers get working
messages, each step linking to the page that does it and ticked from the shop's real state
(never from a click on the checklist itself). Shown on the overview until every step is
done, and always reachable from the navigation ("Get started")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.audit.models import AuditEntry
from careloop.channels.models import ChannelSettings
from careloop.connectors.models import Connector
from careloop.journeys.models import Journey
from careloop.journeys.shipped import RECOMMENDED
from careloop.orders.models import Order
from careloop.shops.links import review_destination, store_url
from careloop.shops.models import ApiKey, Membership, Shop
from careloop.web.deps import SessionDep
from careloop.web.ui.deps import CurrentStaff
from careloop.web.ui.templating import render

router = APIRouter()

STEPS = ("store", "channel", "orders", "links", "journeys", "staff")
LINKS = {
    "store": "/settings/connectors",
    "channel": "/settings/channels",
    "orders": "/import",
    "links": "/settings",
    "journeys": "/journeys",
    "staff": "/settings/staff",
}


@dataclass(frozen=True)
class Step:
    key: str
    done: bool
    link: str
    # A line under the step that stays true after it is done (e.g. codes entered by hand).
    note: str = ""


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


def checklist(session: Session, shop: Shop) -> list[Step]:
    """The steps with their real state, read from the shop's own rows."""
    sid = shop.id
    settings = dict(shop.settings or {})
    store = _count(
        session, select(func.count()).select_from(Connector).where(Connector.shop_id == sid)
    ) + _count(
        session,
        select(func.count())
        .select_from(ApiKey)
        .where(ApiKey.shop_id == sid, ApiKey.revoked_at.is_(None)),
    )
    configured = set(
        session.scalars(select(ChannelSettings.channel).where(ChannelSettings.shop_id == sid))
    )
    tested = {
        str(target).removeprefix("channel:")
        for target in session.scalars(
            select(AuditEntry.target).where(
                AuditEntry.shop_id == sid, AuditEntry.action == "channel.test_sent"
            )
        )
    }
    orders = session.scalar(select(Order.id).where(Order.shop_id == sid).limit(1))
    active = set(
        session.scalars(
            select(Journey.key).where(Journey.shop_id == sid, Journey.status == "active")
        )
    )
    people = _count(
        session, select(func.count()).select_from(Membership).where(Membership.shop_id == sid)
    )
    state = {
        "store": store > 0,
        "channel": bool(configured & tested),
        "orders": orders is not None,
        "links": bool(store_url(settings)) and bool(review_destination(settings)),
        "journeys": set(RECOMMENDED) <= active,
        "staff": people > 1,
    }
    notes = {"store": "codes_by_hand" if _codes_by_hand(session, sid) else ""}
    return [Step(key, state[key], LINKS[key], notes.get(key, "")) for key in STEPS]


def _codes_by_hand(session: Session, shop_id: int) -> bool:
    """A store is connected by webhook but Careloop has no API access to create its coupon
    codes there: the shop must enter them by hand."""
    from careloop.connectors.discounts import PLATFORMS, credentials_of

    stores = session.scalars(
        select(Connector).where(Connector.shop_id == shop_id, Connector.platform.in_(PLATFORMS))
    ).all()
    return bool(stores) and not any(credentials_of(c.platform, c.api_credentials) for c in stores)


@router.get("/get-started", response_class=HTMLResponse)
def get_started(request: Request, staff: CurrentStaff, session: SessionDep) -> HTMLResponse:
    steps = checklist(session, staff.shop)
    return render(
        request,
        "onboarding.html",
        {"steps": steps, "done": sum(s.done for s in steps)},
        staff=staff,
    )
