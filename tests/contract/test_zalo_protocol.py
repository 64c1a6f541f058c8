"""Zalo ZNS and Official Account APIs as documented (developers.zalo.me: "Gửi thông báo
ZNS", OA API "Gửi tin tư vấn dạng văn bản", "Làm mới Access Token"; error table at
zalo.cloud/zns/guidelines/handle-error-code), replayed through a local server speaking
them. Samples: tests/fixtures/zalo/."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from careloop.channels.dispatch import DbTokenStore
from careloop.channels.models import ChannelSettings, ChannelThrottle, Suppression
from careloop.channels.zalo import VN_TZ, ZaloProvider, next_daytime
from careloop.context import AppContext
from careloop.core.events import MESSAGE_REPLIED
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop
from tests.channels.conftest import FakeProviders
from tests.channels.factories import make_customer
from tests.channels.helpers import (
    configure,
    dispatch,
    enqueue,
    history,
    message,
    timeline_types,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "zalo"
ERRORS: dict[str, dict[str, Any]] = json.loads((FIXTURES / "zns_errors.json").read_text())
ZNS = "/message/template"
TOKEN = "/v4/oa/access_token"


def _zalo(ctx: AppContext, shop: Shop, base: str, **more: object) -> None:
    configure(
        ctx,
        shop,
        "zalo",
        app_id="app1",
        app_secret="app-secret",
        oa_secret_key="oa-secret",
        refresh_token="rt-1",
        base_url=base,
        oa_base_url=base,
        oauth_base_url=base,
        allow_private=True,
        template_ids={"thank_you": "231001", "support.reply": "231002"},
        **more,
    )


def test_an_ambiguous_zns_send_is_never_resent_and_goes_to_staff_as_maybe_sent(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """ "Gửi thông báo ZNS" documents tracking_id as the partner's reference, not a
    duplicate guard: after an answer that leaves the outcome open (a 5xx after the request
    left), a resend could deliver and charge twice. The message stays maybe_sent, on the
    timeline for staff, and no second request is made."""
    fake, base = providers
    _zalo(ctx, shop, base)
    fake.script[ZNS] = [(502, {})]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["zalo", "sms"], kind="transactional")
    dispatch(ctx)
    ctx.clock.advance(timedelta(days=1))
    dispatch(ctx)
    assert [r.path for r in fake.requests].count(ZNS) == 1
    flagged = message(ctx, message_id)
    assert flagged.status == "maybe_sent" and flagged.next_attempt_at is None
    assert "message.maybe_sent" in timeline_types(ctx, customer.id)


def test_the_single_use_refresh_token_is_spent_once_by_two_workers(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """ "Làm mới Access Token": each refresh returns a new refresh token and the old one
    stops working. Two workers holding the same stored token: the first refreshes under the
    settings row lock, the second finds the stored token replaced and takes the new pair
    instead of spending the old token (one call to the token endpoint)."""
    fake, base = providers
    _zalo(ctx, shop, base)
    with ctx.sessions() as s:
        row = s.scalars(select(ChannelSettings).where(ChannelSettings.channel == "zalo")).one()
        config, settings_id = dict(row.config), row.id
    first = ZaloProvider(config, clock=ctx.clock, token_store=DbTokenStore(ctx, settings_id))
    second = ZaloProvider(config, clock=ctx.clock, token_store=DbTokenStore(ctx, settings_id))
    try:
        first.refresh()
        second.refresh()
    finally:
        first.close()
        second.close()
    assert [r.path for r in fake.requests] == [TOKEN]
    assert first.config["access_token"] == second.config["access_token"] == fake.zalo_token
    assert second.config["refresh_token"] == "rt-next"


def test_a_refused_token_refresh_alerts_the_owner_and_falls_back(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """ "Làm mới Access Token": a refused refresh (error answer, no access_token) means the
    OA is disconnected; the owner gets a task to reconnect it and the message moves on."""
    from careloop.support.models import StaffTask

    fake, base = providers
    _zalo(ctx, shop, base)
    fake.script[TOKEN] = [(400, {"error": -14014, "error_description": "invalid refresh"})]
    configure(ctx, shop, "webhook", url=f"{base}/hook", secret="wh", allow_private=True)
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["zalo", "webhook"], kind="service")
    dispatch(ctx)
    assert message(ctx, message_id).channel == "webhook"
    with ctx.sessions() as s:
        tasks = s.scalars(select(StaffTask).where(StaffTask.source == "channels.zalo")).all()
        assert len(tasks) == 1 and "Zalo OA" in tasks[0].title


@pytest.mark.parametrize("code", ["-117", "-131"])
def test_template_permission_and_approval_errors_fall_back_without_suppressing(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str], code: str
) -> None:
    """zalo.cloud error table: -117 (the OA/app may not use this template) and -131 (template
    not approved) are the shop's template problems: the message moves to the next channel,
    the customer's phone is not suppressed."""
    fake, base = providers
    _zalo(ctx, shop, base)
    fake.script[ZNS] = [(200, ERRORS[code])]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["zalo", "sms"], kind="transactional")
    dispatch(ctx)
    assert message(ctx, message_id).channel == "sms"
    assert code in str(history(ctx, message_id)[1][2])
    with ctx.sessions() as s:
        assert s.scalars(select(Suppression)).all() == []


def test_zns_balance_error_holds_the_shops_zalo_sends_without_failing(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """zalo.cloud error table: -115 "Out of quota" (the ZNS account's balance): the shop must
    top up; its Zalo messages wait (per-shop Zalo hold), are not failed, do not fall back."""
    fake, base = providers
    _zalo(ctx, shop, base)
    fake.script[ZNS] = [(200, ERRORS["-115"])]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["zalo", "sms"], kind="transactional")
    dispatch(ctx)
    held = message(ctx, message_id)
    assert held.status == "queued" and held.channel == "zalo" and held.attempts == 0
    with ctx.sessions() as s:
        assert s.scalars(select(ChannelThrottle.channel)).all() == ["zalo"]


def test_zns_night_ban_defers_to_six_in_the_morning_vietnam_time(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """zalo.cloud error table: -133, ZNS may not be sent at night: the message waits until
    06:00 Asia/Ho_Chi_Minh and then goes out on Zalo (no fallback, not failed)."""
    fake, base = providers
    _zalo(ctx, shop, base)
    fake.script[ZNS] = [(200, ERRORS["-133"])]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["zalo", "sms"], kind="transactional")
    dispatch(ctx)
    held = message(ctx, message_id)
    morning = next_daytime(ctx.clock.now())
    assert held.status == "queued" and held.next_attempt_at == morning
    assert morning.astimezone(VN_TZ).hour == 6 and morning > ctx.clock.now()
    ctx.clock.advance(morning - ctx.clock.now())
    dispatch(ctx)
    assert message(ctx, message_id).status == "sent"
    assert message(ctx, message_id).channel == "zalo"


def _wrote_to_the_oa(ctx: AppContext, shop: Shop, customer_id: int) -> None:
    with ctx.sessions() as s, s.begin():
        record_event(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=customer_id,
            type=MESSAGE_REPLIED,
            source="channel:zalo",
            event_key="zalo:inbound:test",
        )


@pytest.mark.parametrize(("hours_ago", "path"), [(2, "/v3.0/oa/message/cs"), (49, ZNS)])
def test_a_support_reply_to_someone_who_wrote_the_oa_goes_as_an_oa_cs_message_in_window(
    ctx: AppContext,
    shop: Shop,
    providers: tuple[FakeProviders, str],
    hours_ago: int,
    path: str,
) -> None:
    """OA API "Gửi tin tư vấn dạng văn bản": POST /v3.0/oa/message/cs with
    {"recipient": {"user_id"}, "message": {"text"}}, for a person who wrote to the OA
    recently (Zalo's 48-hour reply window); outside it, the ZNS template goes by phone."""
    fake, base = providers
    _zalo(ctx, shop, base)
    customer = make_customer(ctx, shop, zalo_user_id="2468458835296117922")
    _wrote_to_the_oa(ctx, shop, customer.id)
    ctx.clock.advance(timedelta(hours=hours_ago))
    message_id = enqueue(
        ctx,
        shop,
        customer.id,
        channels=["zalo"],
        kind="transactional",
        template_key="support.reply",
        context={"reply_text": "Chào chị, đơn đã được gửi lại."},
    )
    dispatch(ctx)
    sent = [r for r in fake.requests if r.path != TOKEN]
    assert [r.path for r in sent] == [path]
    body = json.loads(sent[0].body)
    if path == ZNS:
        assert body["phone"] == "84901234567"
    else:
        assert body["recipient"] == {"user_id": "2468458835296117922"}
        assert body["message"]["text"]
    assert message(ctx, message_id).status == "sent"
