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
from careloop.web.i18n import register_messages
from careloop.web.ui.deps import CurrentStaff
from careloop.web.ui.nav import register_nav
from careloop.web.ui.templating import render

router = APIRouter()
register_nav("get_started", "Get started", "Bắt đầu", "/get-started", "owner", 95)

STEPS = ("store", "channel", "orders", "links", "journeys", "staff")
LINKS = {
    "store": "/settings/connectors",
    "channel": "/settings/channels",
    "orders": "/import",
    "links": "/settings",
    "journeys": "/journeys",
    "staff": "/settings/staff",
}

register_messages(
    {
        "onboarding.title": {"en": "Get started", "vi": "Bắt đầu"},
        "onboarding.sub": {
            "en": "Six steps before your customers get their first messages. Each one is "
            "ticked when it is really done.",
            "vi": "Sáu bước trước khi khách hàng nhận tin đầu tiên. Mỗi bước được đánh dấu "
            "khi đã thực sự xong.",
        },
        "onboarding.progress": {"en": "{done} of {total} done", "vi": "Xong {done}/{total}"},
        "onboarding.all_done": {
            "en": "All set: your shop is live.",
            "vi": "Đã xong: cửa hàng của bạn đã sẵn sàng.",
        },
        "onboarding.done": {"en": "Done", "vi": "Xong"},
        "onboarding.todo": {"en": "To do", "vi": "Cần làm"},
        "onboarding.open": {"en": "Open", "vi": "Mở"},
        "onboarding.step.store": {"en": "Connect your store", "vi": "Kết nối cửa hàng"},
        "onboarding.hint.store": {
            "en": "Connect Haravan, Sapo, Shopify, WooCommerce or any platform by webhook, "
            "or create an API key for your own site.",
            "vi": "Kết nối Haravan, Sapo, Shopify, WooCommerce hoặc nền tảng khác qua webhook, "
            "hoặc tạo khóa API cho trang web của bạn.",
        },
        "onboarding.note.codes_by_hand": {
            "en": "Coupon codes: Careloop has no API access to your store, so the codes it "
            "sends must be entered in the store by hand (CSV on the Coupons page). Add store "
            "API access on the Connectors page to have them created automatically.",
            "vi": "Mã giảm giá: Careloop chưa có quyền API vào cửa hàng, nên các mã gửi cho "
            "khách phải được nhập vào cửa hàng bằng tay (CSV ở trang Mã giảm giá). Thêm quyền "
            "API ở trang Kết nối để mã được tạo tự động.",
        },
        "onboarding.step.channel": {
            "en": "Set up a channel and send a test",
            "vi": "Cài đặt một kênh gửi và gửi thử",
        },
        "onboarding.hint.channel": {
            "en": "Email, SMS or Zalo: done when a test message was accepted by the provider.",
            "vi": "Email, SMS hoặc Zalo: xong khi nhà cung cấp đã nhận một tin gửi thử.",
        },
        "onboarding.step.orders": {"en": "Import past orders", "vi": "Nhập đơn hàng cũ"},
        "onboarding.hint.orders": {
            "en": "Upload a CSV of past orders, or let the store connection send them.",
            "vi": "Tải lên tệp CSV đơn hàng cũ, hoặc để kết nối cửa hàng gửi về.",
        },
        "onboarding.step.links": {
            "en": "Set the store URL and review destinations",
            "vi": "Đặt địa chỉ cửa hàng và nơi nhận đánh giá",
        },
        "onboarding.hint.links": {
            "en": 'Where review, reorder and "visit us" links in messages take customers.',
            "vi": 'Nơi các liên kết đánh giá, mua lại và "ghé thăm" trong tin nhắn dẫn khách tới.',
        },
        "onboarding.step.journeys": {
            "en": "Turn on the Golden Hours and the other recommended journeys",
            "vi": "Bật Giờ vàng và các hành trình nên dùng khác",
        },
        "onboarding.hint.journeys": {
            "en": 'One click on the journeys page: "Turn on all recommended".',
            "vi": 'Một cú bấm ở trang hành trình: "Bật tất cả hành trình nên dùng".',
        },
        "onboarding.step.staff": {"en": "Invite your staff", "vi": "Mời nhân viên"},
        "onboarding.hint.staff": {
            "en": "Give each person their own sign-in and role.",
            "vi": "Mỗi người có tài khoản và vai trò riêng.",
        },
    }
)


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
