"""Loyalty talks to the customer (issue 24 item 4): loyalty records `loyalty.*` events and the
shipped `loyalty_messages` journey sends them through the one contact policy.

Golden texts live in tests/loyalty/golden/; after a deliberate wording change, regenerate them
with CARELOOP_UPDATE_GOLDEN=1 and read the diff."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.models import Message
from careloop.channels.render_context import build_context
from careloop.channels.service import render_message
from careloop.context import AppContext
from careloop.core import events
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer, TimelineEvent
from careloop.loyalty.models import Coupon
from careloop.loyalty.service import enable_program, update_settings
from careloop.loyalty.tasks import daily_sweep, process_events
from careloop.shops.models import Shop
from tests.journeys.factories import install_playbook, run_journeys
from tests.loyalty.factories import make_customer, place_order, set_status
from tests.web.helpers import sign_in

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CARELOOP_UPDATE_GOLDEN") == "1"
NAMES = {
    "vi": ("Nguyễn Thị Lan", "Trần Văn Bình"),
    "en": ("Lan Nguyen", "Binh Tran"),
}
TOLD = (
    "loyalty.points_earned",
    "loyalty.repeat_discount",
    "loyalty.tier_up",
    "loyalty.referral_friend",
    "loyalty.referral_advocate",
    "loyalty.tier_down",
)


def _start(ctx: AppContext, shop: Shop, *, repeat_discounts: bool = False) -> None:
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
        if repeat_discounts:
            update_settings(
                session=s,
                clock=ctx.clock,
                shop=s.merge(shop),
                changes={"repeat_discounts": True},
                actor="test",
            )
    install_playbook(ctx, shop, "loyalty_messages.yaml")


def _settle(ctx: AppContext) -> None:
    for _ in range(5):
        process_events(ctx)
        run_journeys(ctx)


def _deliver(ctx: AppContext, shop: Shop, order_id: str, customer_id: str, **fields: str) -> None:
    place_order(ctx, shop, order_id, customer_id, total="1250000", status="delivered", **fields)


def _messages(ctx: AppContext, customer_id: str) -> list[Message]:
    with ctx.sessions() as s:
        return list(
            s.scalars(
                select(Message)
                .join(Customer, Customer.id == Message.customer_id)
                .where(Customer.external_id == customer_id, Message.template_key.like("loyalty.%"))
                .order_by(Message.id)
            )
        )


def _mask_codes(ctx: AppContext, text: str) -> str:
    """Coupon codes are drawn at random (core/ids.py human_code): written as <CODE>."""
    with ctx.sessions() as s:
        codes = s.scalars(select(Coupon.code)).all()
    for code in codes:
        text = re.sub(rf"\b{re.escape(code)}\b", "<CODE>", text)
    return text


def _as_text(message: Message) -> str:
    head = f"== {message.template_key} ({message.channel}, {message.kind}, {message.locale})"
    return f"{head}\nSubject: {message.subject}\n\n{message.body_text.strip()}\n"


def _a_year_of_membership(ctx: AppContext, shop: Shop, clock: VirtualClock, lang: str) -> None:
    """Lan buys three times (points each time, a next-order discount, Gold on the third),
    refers Bình (both sides rewarded), then stops buying and drops back to Silver."""
    advocate, friend = NAMES[lang]
    _start(ctx, shop, repeat_discounts=True)
    lan = make_customer(ctx, shop, "C-1", name=advocate, email="lan@example.vn", locale=lang)
    make_customer(ctx, shop, "F-1", name=friend, email="binh@example.vn", locale=lang)
    for n in (1, 2, 3):
        _deliver(ctx, shop, f"O-{n}", "C-1")
        _settle(ctx)
        clock.advance(timedelta(days=3))
    place_order(ctx, shop, "F-O-1", "F-1", total="800000", discount_codes=[lan.referral_code])
    _settle(ctx)
    set_status(ctx, shop, "F-O-1", "delivered")
    _settle(ctx)
    # No order for a year: past the 12-month tier window, then past the 30-day grace.
    for days in (365, 31):
        clock.advance(timedelta(days=days))
        daily_sweep(ctx)
        _settle(ctx)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_loyalty_message_reads_as_the_golden_text_in_the_customers_language(
    ctx: AppContext, shop: Shop, clock: VirtualClock, lang: str
) -> None:
    _a_year_of_membership(ctx, shop, clock, lang)
    firsts: dict[str, Message] = {}
    for message in _messages(ctx, "C-1") + _messages(ctx, "F-1"):
        if message.channel is not None:  # rendered for a channel (not dropped by a cap)
            firsts.setdefault(message.template_key, message)
    assert set(TOLD) <= set(firsts), sorted(firsts)
    text = _mask_codes(ctx, "\n".join(_as_text(firsts[key]) for key in TOLD))
    golden = GOLDEN / f"loyalty_messages.{lang}.txt"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def _template_for(event: TimelineEvent) -> str:
    payload = event.payload or {}
    if event.type == events.LOYALTY_TIER_CHANGED:
        return "loyalty.tier_up" if payload.get("direction") == "up" else "loyalty.tier_down"
    if event.type == events.LOYALTY_REFERRAL_REWARDED:
        return f"loyalty.referral_{payload.get('side')}"
    return event.type


def _sms_and_zalo(ctx: AppContext, shop: Shop) -> str:
    """The SMS text and the Zalo ZNS data each loyalty event renders to, as the journey renders
    them (the event's payload is the template's `trigger`)."""
    firsts: dict[str, TimelineEvent] = {}
    with ctx.sessions() as s:
        rows = s.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.type.like("loyalty.%"))
            .order_by(TimelineEvent.id)
        )
        for event in rows:
            firsts.setdefault(_template_for(event), event)
        out = []
        for key in TOLD:
            event = firsts[key]
            customer = s.get(Customer, event.customer_id)
            assert customer is not None
            trigger = {**(event.payload or {}), "type": event.type}
            context = build_context(
                session=s, shop=shop, customer=customer, extra={"trigger": trigger}
            )
            locale = customer.locale or "vi"
            sms = render_message(
                session=s,
                shop=shop,
                template_key=key,
                channel="sms",
                locale=locale,
                context=context,
            )
            zalo = render_message(
                session=s,
                shop=shop,
                template_key=key,
                channel="zalo",
                locale=locale,
                context=context,
            )
            data = {k: v for k, v in zalo.data.items() if not k.startswith("_")}
            out.append(
                f"== {key} ({locale})\nSMS: {sms.text.strip()}\n"
                f"Zalo: {json.dumps(data, ensure_ascii=False, sort_keys=True)}\n"
            )
    return _mask_codes(ctx, "\n".join(out))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_loyalty_message_has_sms_and_zalo_variants_read_as_the_golden_text(
    ctx: AppContext, shop: Shop, clock: VirtualClock, lang: str
) -> None:
    _a_year_of_membership(ctx, shop, clock, lang)
    text = _sms_and_zalo(ctx, shop)
    golden = GOLDEN / f"loyalty_messages_sms_zalo.{lang}.txt"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_points_earned_are_told_once_per_order_even_when_the_order_webhook_repeats(
    ctx: AppContext, shop: Shop
) -> None:
    _start(ctx, shop)
    make_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@example.vn", locale="vi")
    for _ in range(3):  # the platform re-sends the same order, and its status again
        _deliver(ctx, shop, "O-1", "C-1")
        set_status(ctx, shop, "O-1", "delivered")
        _settle(ctx)
    told = [m for m in _messages(ctx, "C-1") if m.template_key == "loyalty.points_earned"]
    with ctx.sessions() as s:
        recorded = s.scalars(
            select(TimelineEvent).where(TimelineEvent.type == events.LOYALTY_POINTS_EARNED)
        ).all()
    assert len(told) == 1 and len(recorded) == 1
    assert "1250 điểm" in told[0].body_text and "#O-1" in told[0].body_text


def test_reaching_gold_sends_a_tier_up_message_and_the_first_purchase_does_not(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    _start(ctx, shop)
    make_customer(ctx, shop, "C-1", name="Lan Nguyen", email="lan@example.vn", locale="en")
    for n in (1, 2, 3):
        _deliver(ctx, shop, f"O-{n}", "C-1")
        _settle(ctx)
        clock.advance(timedelta(days=2))
    tier_news = [m for m in _messages(ctx, "C-1") if m.template_key.startswith("loyalty.tier")]
    assert [(m.template_key, m.kind) for m in tier_news] == [("loyalty.tier_up", "service")]
    assert tier_news[0].subject == "Congratulations Lan! You are now Gold"


def test_a_customer_who_opted_out_gets_no_discount_offer_and_the_reason_is_kept(
    ctx: AppContext, shop: Shop
) -> None:
    """Offers go through the contact policy (channels/policy.py), not around it."""
    _start(ctx, shop, repeat_discounts=True)
    make_customer(
        ctx,
        shop,
        "C-1",
        name="Nguyễn Thị Lan",
        email="lan@example.vn",
        locale="vi",
        accepts_marketing=False,
    )
    _deliver(ctx, shop, "O-1", "C-1")
    _settle(ctx)
    offers = [m for m in _messages(ctx, "C-1") if m.template_key == "loyalty.repeat_discount"]
    assert [(m.status, m.reason) for m in offers] == [("suppressed", "no_consent")]


def test_a_discount_offer_on_the_day_of_the_points_message_waits_for_the_daily_cap(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    """Seeds' cap (1 non-transactional message a day): the offer is deferred, not lost."""
    _start(ctx, shop, repeat_discounts=True)
    make_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@example.vn", locale="vi")
    _deliver(ctx, shop, "O-1", "C-1")
    _settle(ctx)
    first = {m.template_key: (m.status, m.reason) for m in _messages(ctx, "C-1")}
    clock.advance(timedelta(days=1))
    _settle(ctx)
    later = {m.template_key: m.status for m in _messages(ctx, "C-1")}
    assert first == {
        "loyalty.points_earned": ("queued", None),
        "loyalty.repeat_discount": ("deferred", "daily_cap"),
    }
    assert later["loyalty.repeat_discount"] != "deferred"


def test_the_customers_timeline_lists_the_loyalty_news_and_the_messages_sent(
    ctx: AppContext,
    shop: Shop,
    app_client: TestClient,
    make_staff: Callable[..., str],
) -> None:
    _start(ctx, shop, repeat_discounts=True)
    lan = make_customer(ctx, shop, "C-1", name="Lan", email="lan@example.vn", locale="en")
    _deliver(ctx, shop, "O-1", "C-1")
    _settle(ctx)
    sign_in(app_client, ctx, make_staff(shop), shop)
    page = app_client.get(f"/customers/{lan.id}").text
    assert "Points earned on an order (news for the customer)" in page
    assert "Discount offered for the next order" in page
    assert "Message queued" in page or "Message sent" in page
