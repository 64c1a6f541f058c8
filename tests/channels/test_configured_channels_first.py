"""A real shop's first day: the contact policy builds the chain from the channels the shop has
set up (decision 0031). An email-only shop that turns on Golden Hours gets its Day 0 thank-you
(asked for on [zalo, sms]) by email, in Vietnamese, saying why; a shop with SMS set up still
sends SMS; a shop with nothing set up keeps the failure, named, in Needs attention.

Email goes to a real SMTP server (aiosmtpd's Controller, its documented test harness; SMTP per
RFC 5321). SMS goes to the local eSMS server of tests/channels/conftest.py, which answers as
eSMS's published SendMultipleMessage_V4_post_json API does (the same server the eSMS tests use).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from careloop.channels.models import Message, MessageStatusHistory
from careloop.channels.policy import ContactPolicy, Recipient, channel_chain, decide
from careloop.channels.reason_text import reason_text
from careloop.context import AppContext
from careloop.journeys.shipped import install_shipped
from careloop.shops.models import Shop
from careloop.worker import run_once
from tests.channels.conftest import FakeProviders, Inbox
from tests.channels.helpers import configure
from tests.web.helpers import sign_in

ANYONE = Recipient(
    timezone="Asia/Ho_Chi_Minh",
    reachable=frozenset({"email", "sms", "zalo"}),
)

ORDER = {
    "order_id": "A-1001",
    "customer_id": "C-1",
    "customer_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "email": "lan@example.vn",
    "status": "paid",
    "total": "450000",
    "currency": "VND",
    "lines": [
        {
            "sku": "CF-ARABICA",
            "product_name": "Arabica Cầu Đất 500g",
            "quantity": 2,
            "unit_price": "225000",
        }
    ],
}


def policy(*configured: str, order: tuple[str, ...] = ("zalo", "sms", "email")) -> ContactPolicy:
    return ContactPolicy(configured=frozenset(configured), channel_order=order)


# -- the chain (pure) -------------------------------------------------------------------------


def test_requested_channels_the_shop_has_not_set_up_are_left_out_of_the_chain() -> None:
    assert channel_chain(["zalo", "sms", "email"], ANYONE, policy("sms", "email")) == [
        "sms",
        "email",
    ]


def test_when_no_requested_channel_is_set_up_the_shops_set_up_channels_stand_in() -> None:
    assert channel_chain(["zalo", "sms"], ANYONE, policy("email")) == ["email"]
    assert channel_chain(["zalo"], ANYONE, policy("email", "sms")) == ["sms", "email"]


def test_the_customers_preferred_set_up_channel_comes_first_among_the_stand_ins() -> None:
    prefers_email = Recipient(
        timezone="Asia/Ho_Chi_Minh",
        preferred_channel="email",
        reachable=frozenset({"email", "sms"}),
    )
    assert channel_chain(["zalo"], prefers_email, policy("email", "sms")) == ["email", "sms"]


def test_with_nothing_set_up_or_not_known_the_chain_stays_as_requested() -> None:
    assert channel_chain(["zalo", "sms"], ANYONE, policy()) == ["zalo", "sms"]
    assert channel_chain(["zalo", "sms"], ANYONE, ContactPolicy()) == ["zalo", "sms"]


def test_a_staff_task_and_the_webhook_are_kept_as_asked() -> None:
    assert channel_chain(["task"], ANYONE, policy("email")) == ["task"]
    assert channel_chain(["webhook"], ANYONE, policy("email")) == ["webhook"]
    assert channel_chain(["zalo", "task"], ANYONE, policy("email")) == ["task"]


def test_the_decision_names_the_requested_channels_that_are_not_set_up() -> None:
    from datetime import UTC, datetime

    noon = datetime(2026, 10, 1, 5, 0, tzinfo=UTC)  # 12:00 in Ho Chi Minh City
    decision = decide(
        kind="transactional",
        requested=["zalo", "sms"],
        recipient=ANYONE,
        history=[],
        policy=policy("email"),
        now=noon,
    )
    assert decision.action == "send" and decision.channels == ("email",)
    assert decision.not_set_up == ("zalo", "sms")
    preferred = decide(
        kind="transactional",
        requested=["preferred"],
        recipient=ANYONE,
        history=[],
        policy=policy("email"),
        now=noon,
    )
    assert preferred.channels == ("email",) and preferred.not_set_up == ()


def test_consent_still_holds_for_the_stand_in_channel() -> None:
    from datetime import UTC, datetime

    no_email = Recipient(
        timezone="Asia/Ho_Chi_Minh",
        reachable=frozenset({"email", "sms"}),
        consents={"email": "denied"},
    )
    decision = decide(
        kind="service",
        requested=["zalo"],
        recipient=no_email,
        history=[],
        policy=policy("email"),
        now=datetime(2026, 10, 1, 5, 0, tzinfo=UTC),
    )
    assert decision.action == "suppress" and decision.rule == "no_consent"


@given(
    requested=st.lists(st.sampled_from(["zalo", "sms", "email", "task", "webhook"]), min_size=1),
    configured=st.sets(st.sampled_from(["zalo", "sms", "email", "webhook"]), min_size=1),
)
def test_a_chain_never_holds_a_messaging_channel_not_set_up_while_one_is(
    requested: list[str], configured: set[str]
) -> None:
    chain = channel_chain(requested, ANYONE, policy(*configured))
    messaging_set_up = configured & {"zalo", "sms", "email"}
    if messaging_set_up:
        assert all(c in configured for c in chain if c in {"zalo", "sms", "email"})
    assert chain, "a chain is never empty"
    assert {c for c in requested if c in ("task", "webhook")} <= set(chain)


def test_turning_a_journey_on_warns_only_when_no_messaging_channel_can_stand_in() -> None:
    from careloop.channels.readiness import unusable

    assert unusable([["zalo", "sms"], "email"], {"email"}) == []
    assert unusable([["zalo", "sms"]], set()) == ["zalo", "sms"]
    assert unusable(["webhook"], {"email"}) == ["webhook"]


def test_the_reason_reads_in_vietnamese_and_english() -> None:
    stored = "zalo, sms not set up for this shop: sent by email instead"
    assert reason_text(stored, "vi") == (
        "cửa hàng chưa cài đặt Zalo, SMS: tin được gửi qua thư điện tử"
    )
    assert reason_text(stored, "en").startswith("Zalo, SMS not set up for this shop")
    one = "zalo not set up for this shop: sent by sms instead"
    assert reason_text(one, "vi") == "cửa hàng chưa cài đặt Zalo: tin được gửi qua SMS"


# -- the first day, end to end --------------------------------------------------------------


def _golden_hours_on(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin():
        install_shipped(session=s, clock=ctx.clock, shop=s.merge(shop), key="golden_hours")


def _order_and_work(api: TestClient, ctx: AppContext) -> None:
    # Paid just now: a journey turned on enrols what happens from then on.
    now = ctx.clock.now().isoformat()
    response = api.post("/api/v1/orders", json=ORDER | {"placed_at": now, "paid_at": now})
    assert response.status_code == 200, response.text
    # Worker passes until nothing is left to do (the thank-you is transactional: no quiet
    # hours hold it), as `careloop worker` runs them.
    for _ in range(6):
        if run_once(ctx) == 0:
            break


def _thank_you(ctx: AppContext) -> Message:
    with ctx.sessions() as s:
        return s.scalars(
            select(Message).where(Message.template_key == "golden_hours.thank_you")
        ).one()


def test_an_email_only_shop_sends_the_golden_hours_thank_you_by_email_in_vietnamese(
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    smtp_server: tuple[Inbox, int],
    make_staff: Callable[..., str],
) -> None:
    mailbox, port = smtp_server
    configure(
        ctx, shop, "email", host="127.0.0.1", port=port, security="none",
        from_address="hello@acme.test", from_name="Acme Coffee",
    )  # fmt: skip
    _golden_hours_on(ctx, shop)

    _order_and_work(api, ctx)

    [mail] = mailbox.messages
    assert mail["To"] == "lan@example.vn"
    assert mail["Subject"] == "Acme Coffee cảm ơn Lan!"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "Cảm ơn bạn đã tin chọn Acme Coffee" in body.get_content()
    message = _thank_you(ctx)
    assert message.status == "sent" and message.channel == "email"
    assert message.channel_chain == ["email"]
    assert message.reason == "zalo, sms not set up for this shop: sent by email instead"
    with ctx.sessions() as s:
        statuses = list(
            s.scalars(
                select(MessageStatusHistory.status).where(
                    MessageStatusHistory.message_id == message.id
                )
            )
        )
    assert "fallback" not in statuses and "failed" not in statuses

    sign_in(api, ctx, make_staff(shop), shop, locale="vi")
    page = api.get(f"/messages/{message.id}")
    assert "cửa hàng chưa cài đặt Zalo, SMS: tin được gửi qua thư điện tử" in page.text


def test_a_shop_with_sms_set_up_still_sends_the_thank_you_by_sms(
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    smtp_server: tuple[Inbox, int],
    providers: tuple[FakeProviders, str],
) -> None:
    mailbox, port = smtp_server
    fake, base = providers
    configure(
        ctx, shop, "email", host="127.0.0.1", port=port, security="none",
        from_address="hello@acme.test",
    )  # fmt: skip
    configure(
        ctx, shop, "sms", "esms", api_key="ek", secret_key="es", brandname="ACME", base_url=base,
        allow_private=True,
    )  # fmt: skip
    _golden_hours_on(ctx, shop)

    _order_and_work(api, ctx)

    message = _thank_you(ctx)
    assert message.channel_chain == ["sms"] and message.channel == "sms"
    assert message.status == "sent"
    # Its first choice was Zalo: the record says so.
    assert message.reason == "zalo not set up for this shop: sent by sms instead"
    assert [r.path for r in fake.requests] == [
        "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    ]
    assert mailbox.messages == []


def test_a_shop_with_nothing_set_up_shows_the_not_configured_failure_in_needs_attention(
    api: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    _golden_hours_on(ctx, shop)

    _order_and_work(api, ctx)

    message = _thank_you(ctx)
    assert message.channel_chain == ["zalo", "sms"]
    assert message.status == "failed"
    assert message.reason == "sms is not configured for this shop"
    sign_in(api, ctx, make_staff(shop), shop, locale="vi")
    home = api.get("/")
    assert 'data-testid="attention-channels.failed:sms:not_configured"' in home.text
    assert "chưa được thiết lập" in home.text
