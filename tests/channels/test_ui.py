from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from careloop.channels.models import Message, MessageTemplate
from careloop.channels.service import enqueue_message
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.shops.models import Shop
from tests.channels.factories import make_customer
from tests.web.helpers import csrf_from, sign_in

KEY = "golden_hours.usage_guide"


def queue_message(ctx: AppContext, shop: Shop, journey_key: str = "golden_hours") -> int:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        message = enqueue_message(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.merge(customer),
            channels=["email"],
            template_key=KEY,
            kind="service",
            context={},
            idempotency_key="m-1",
            journey_key=journey_key,
            step_key="usage_guide",
        )
        assert message is not None
        return message.id


def test_the_template_list_and_editor_show_the_shipped_wording_with_a_preview(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    listing = app_client.get("/templates")
    assert f'data-testid="template-{KEY}"' in listing.text
    page = app_client.get(f"/templates/{KEY}?channel=email&locale=vi")
    assert page.status_code == 200
    assert 'data-testid="preview-text"' in page.text


def test_the_live_preview_renders_a_draft_for_a_real_customer_and_shows_errors(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    make_customer(ctx, shop, "C-9", name="Trần Văn Minh")
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get(f"/templates/{KEY}"))
    form = {"channel": "sms", "locale": "vi", "csrf_token": token}
    good = app_client.post(
        f"/templates/{KEY}/preview",
        data={**form, "text": "Chào {{ customer.first_name }}!", "customer": "C-9"},
    )
    assert "Chào Minh!" in good.text
    bad = app_client.post(
        f"/templates/{KEY}/preview", data={**form, "text": "Chào {{ khach.ten }}"}
    )
    assert 'data-testid="preview-error"' in bad.text and "unknown field" in bad.text


def test_a_preview_for_a_real_customer_counts_their_real_days_since_the_last_order(
    app_client: TestClient,
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    make_customer(ctx, shop, "C-9")  # ordered today
    clock.advance(timedelta(days=40))
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get(f"/templates/{KEY}"))
    shown = app_client.post(
        f"/templates/{KEY}/preview",
        data={
            "channel": "sms",
            "locale": "vi",
            "csrf_token": token,
            "text": "{{ days_inactive }} ngày",
            "customer": "C-9",
        },
    )
    assert "40 ngày" in shown.text  # never the sample 63


def test_the_owner_saves_an_override_and_a_broken_one_is_refused(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get(f"/templates/{KEY}"))
    form = {"channel": "sms", "locale": "vi", "csrf_token": token}
    refused = app_client.post(f"/templates/{KEY}", data={**form, "text": "{{ nope }}"})
    assert refused.status_code == 422 and "unknown variable(s): nope" in refused.text
    saved = app_client.post(
        f"/templates/{KEY}", data={**form, "text": "Cảm ơn {{ customer.first_name }}"}
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    with ctx.sessions() as s:
        rows = s.scalars(select(MessageTemplate)).all()
    assert [(r.template_key, r.channel, r.locale, r.body_text) for r in rows] == [
        (KEY, "sms", "vi", "Cảm ơn {{ customer.first_name }}")
    ]


def test_a_test_send_names_the_missing_channel_setup(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop), shop)
    token = csrf_from(app_client.get(f"/templates/{KEY}"))
    answer = app_client.post(
        f"/templates/{KEY}/test",
        data={
            "channel": "email",
            "locale": "vi",
            "subject": "Hi",
            "text": "Hello",
            "address": "me@example.vn",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 422
    assert "The email channel is not set up" in answer.text


def test_agents_cannot_save_templates(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    sign_in(app_client, ctx, make_staff(shop, email="a@acme.test", role="agent"), shop)
    page = app_client.get(f"/templates/{KEY}")
    assert 'data-testid="save-template"' not in page.text
    answer = app_client.post(
        f"/templates/{KEY}",
        data={"channel": "sms", "locale": "vi", "text": "x", "csrf_token": csrf_from(page)},
    )
    assert answer.status_code == 403


def test_the_message_log_filters_and_shows_the_status_history(
    app_client: TestClient, ctx: AppContext, shop: Shop, make_staff: Callable[..., str]
) -> None:
    message_id = queue_message(ctx, shop)
    sign_in(app_client, ctx, make_staff(shop, email="v@acme.test", role="viewer"), shop)
    log = app_client.get("/messages?journey=golden_hours&channel=email")
    assert f'data-testid="message-{message_id}"' in log.text
    assert "Nguyễn Thị Mai" in log.text
    assert 'data-testid="message-' not in app_client.get("/messages?status=failed").text
    detail = app_client.get(f"/messages/{message_id}")
    assert 'data-testid="history"' in detail.text and "Queued" in detail.text


def test_another_shops_message_and_custom_template_are_not_found(
    app_client: TestClient,
    ctx: AppContext,
    shop: Shop,
    make_shop: Callable[..., Shop],
    make_staff: Callable[..., str],
) -> None:
    message_id = queue_message(ctx, shop)
    with ctx.sessions() as s, s.begin():
        s.add(
            MessageTemplate(
                shop_id=shop.id,
                template_key="acme.secret_offer",
                channel="sms",
                locale="vi",
                body_text="x",
                data={},
                updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    other = make_shop("other")
    sign_in(app_client, ctx, make_staff(other, email="owner@other.test"), other)
    assert app_client.get(f"/messages/{message_id}").status_code == 404
    assert "acme.secret_offer" not in app_client.get("/templates").text
    assert app_client.get("/templates/acme.secret_offer").status_code == 404
    with ctx.sessions() as s:
        assert s.scalars(select(Message.shop_id)).all() == [shop.id]
