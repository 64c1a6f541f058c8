"""The demo shop sends for real into the demo outbox: the worker renders and delivers its
messages, the Outbox page shows each as the customer would see it on a phone, and nothing
on the dashboard is a failure (issue 16, item 4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from careloop.channels.dispatch import dispatch_due
from careloop.channels.models import ChannelSettings, Message, MessageStatusHistory
from careloop.channels.render_context import sample_context
from careloop.channels.service import enqueue_message
from careloop.channels.settings import set_channel_settings
from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import Customer
from careloop.demo import extensions
from careloop.demo.service import EMAILS, load_demo
from careloop.orders.schemas import OrderIn, OrderLineIn
from careloop.orders.service import upsert_order
from careloop.shops.models import Shop
from careloop.worker import run_once
from tests.web.helpers import sign_in

OWNER = EMAILS[0]


def _demo(ctx: AppContext) -> tuple[Shop, Customer]:
    load_demo(ctx, customers=30, seed=7)
    with ctx.sessions() as s:
        shop = s.scalars(select(Shop).where(Shop.slug == "demo")).one()
        customer = s.scalars(
            select(Customer)
            .where(
                Customer.shop_id == shop.id,
                Customer.phone.is_not(None),
                Customer.email.is_not(None),
            )
            .order_by(Customer.id)
            .limit(1)
        ).one()
        s.expunge_all()
    return shop, customer


def _queue(
    ctx: AppContext, shop: Shop, customer: Customer, template_key: str, channels: list[str]
) -> int:
    with ctx.sessions() as s, s.begin():
        message = enqueue_message(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.get_one(Customer, customer.id),
            channels=channels,
            template_key=template_key,
            kind="transactional",
            context={"order": sample_context()["order"]},
            idempotency_key=f"test:{template_key}",
        )
        assert message is not None
        return message.id


def test_the_demo_shop_sends_email_sms_and_zalo_through_the_demo_outbox(ctx: AppContext) -> None:
    _demo(ctx)
    with ctx.sessions() as s:
        rows = s.scalars(select(ChannelSettings).order_by(ChannelSettings.channel)).all()
        assert [(r.channel, r.provider) for r in rows] == [
            ("email", "outbox"),
            ("sms", "outbox"),
            ("zalo", "outbox"),
        ]


def test_a_queued_golden_hours_message_is_delivered_to_the_outbox_and_shown_as_on_a_phone(
    ctx: AppContext, app_client: TestClient
) -> None:
    shop, customer = _demo(ctx)
    zalo_id = _queue(ctx, shop, customer, "golden_hours.thank_you", ["zalo", "sms"])
    email_id = _queue(ctx, shop, customer, "golden_hours.usage_guide", ["email"])

    dispatch_due(ctx)

    with ctx.sessions() as s:
        zalo, email = s.get_one(Message, zalo_id), s.get_one(Message, email_id)
        assert (zalo.status, zalo.channel, zalo.provider) == ("delivered", "zalo", "outbox")
        assert (email.status, email.channel, email.provider) == ("delivered", "email", "outbox")
        reasons = s.scalars(
            select(MessageStatusHistory.reason).where(
                MessageStatusHistory.message_id == zalo_id,
                MessageStatusHistory.status == "delivered",
            )
        ).all()
        assert reasons == ["delivered to the demo outbox"]
        zalo_data = zalo.rendered["zalo"]["data"]
        email_subject = email.rendered["email"]["subject"]
        # The demo's figures are not a wall of failures: nothing failed.
        assert s.scalars(select(Message.status).where(Message.status == "failed")).all() == []

    home = sign_in(app_client, ctx, OWNER, shop)
    assert 'href="/outbox"' in home.text
    page = app_client.get("/outbox")
    assert page.status_code == 200
    assert "Demo outbox" in page.text
    assert f'data-testid="outbox-{zalo_id}"' in page.text
    assert "outbox-zalo" in page.text and "outbox-email" in page.text
    # The Zalo ZNS card shows the template's parameters as the customer reads them.
    assert f"<dd>{zalo_data['order_code']}</dd>" in page.text
    assert f"<dd>{customer.name}</dd>" in page.text
    assert email_subject in page.text
    assert "&lt;hello@demo.example&gt;" in page.text  # the email's sender, as configured


def test_the_outbox_page_speaks_vietnamese(ctx: AppContext, app_client: TestClient) -> None:
    shop, _ = _demo(ctx)
    sign_in(app_client, ctx, OWNER, shop, locale="vi")
    page = app_client.get("/outbox")
    assert "Hộp thư demo" in page.text
    assert "Chưa có tin nào" in page.text


def test_a_shop_without_the_outbox_has_no_outbox_in_its_navigation(
    ctx: AppContext,
    app_client: TestClient,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    email = make_staff(shop, role="owner")
    home = sign_in(app_client, ctx, email, shop)
    assert 'href="/outbox"' not in home.text


@pytest.mark.parametrize("channel", ["email", "sms", "zalo"])
def test_the_outbox_provider_needs_no_account_fields(
    ctx: AppContext, shop: Shop, channel: str
) -> None:
    with ctx.sessions() as s, s.begin():
        row = set_channel_settings(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            channel=channel,
            provider="outbox",
            values={},
        )
        assert row.provider == "outbox"


def test_the_webhook_channel_refuses_the_outbox_provider(ctx: AppContext, shop: Shop) -> None:
    with ctx.sessions() as s, s.begin(), pytest.raises(ValidationFailed) as raised:
        set_channel_settings(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            channel="webhook",
            provider="outbox",
            values={"url": "https://example.com/hook", "secret": "x"},
        )
    assert [e.field for e in raised.value.errors] == ["provider"]


# Captured at import, before the package's fixture narrows the demo to its core.
ALL_DEMO_MODULES = list(extensions.DEMO_MODULES)


def test_a_new_delivered_order_in_the_full_demo_gets_its_golden_hours_thank_you_in_the_outbox(
    ctx: AppContext, app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole demo (journeys installed by its extension) and the worker's own passes: the
    Day 0 thank-you is delivered to the outbox and the dashboard lists nothing failed."""
    monkeypatch.setattr(extensions, "DEMO_MODULES", ALL_DEMO_MODULES)
    shop, _ = _demo(ctx)
    now = ctx.clock.now()
    # A first-time buyer: the Golden Hours welcome a first purchase, not a repeat order.
    with ctx.sessions() as s, s.begin():
        upsert_order(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            data=OrderIn(
                order_id="outbox-1",
                customer_id="first-time-buyer",
                customer_name="Phạm Thu Hà",
                email="thuha.first@example.vn",
                phone="+84939000111",
                placed_at=now - timedelta(days=2),
                total=Decimal(250000),
                status="delivered",
                delivered_at=now,
                lines=[
                    OrderLineIn(
                        sku="CF-500", product_name="Cà phê", quantity=2, unit_price=Decimal(125000)
                    )
                ],
            ),
        )
    for _ in range(5):
        run_once(ctx)

    with ctx.sessions() as s:
        customer = s.scalars(
            select(Customer).where(
                Customer.shop_id == shop.id, Customer.external_id == "first-time-buyer"
            )
        ).one()
        thanks = s.scalars(
            select(Message).where(
                Message.customer_id == customer.id,
                Message.template_key == "golden_hours.thank_you",
            )
        ).one()
        assert (thanks.status, thanks.provider) == ("delivered", "outbox")
        assert s.scalars(select(Message.id).where(Message.status == "failed")).all() == []

    home = sign_in(app_client, ctx, OWNER, shop)
    # The dashboard's "needs attention" has no failed-send or maybe-sent line.
    assert 'data-testid="needs-attention"' in home.text
    assert 'data-testid="attention-channels.' not in home.text
    assert f'data-testid="outbox-{thanks.id}"' in app_client.get("/outbox").text


def test_an_existing_demo_without_channels_gets_the_outbox_when_run_again(
    ctx: AppContext,
) -> None:
    shop, _ = _demo(ctx)
    with ctx.sessions() as s, s.begin():
        s.execute(delete(ChannelSettings).where(ChannelSettings.shop_id == shop.id))
    load_demo(ctx, customers=30, seed=7, if_missing=True)
    with ctx.sessions() as s:
        providers = s.scalars(
            select(ChannelSettings.provider).where(ChannelSettings.shop_id == shop.id)
        ).all()
        assert sorted(providers) == ["outbox", "outbox", "outbox"]


def test_the_channel_settings_say_the_demo_channels_deliver_only_to_the_outbox(
    ctx: AppContext, app_client: TestClient
) -> None:
    shop, _ = _demo(ctx)
    sign_in(app_client, ctx, OWNER, shop)
    page = app_client.get("/settings/channels")
    assert 'data-testid="outbox-notice"' in page.text
    assert "customers receive nothing until a provider below is set up" in page.text
