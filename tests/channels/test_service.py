from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from careloop.channels.models import Message, MessageStatusHistory, MessageTemplate
from careloop.channels.service import (
    enqueue_message,
    marketing_sends_since,
    preview,
    record_suppressed,
    validate_template,
)
from careloop.channels.templates import TemplateError
from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.customers.models import TimelineEvent
from careloop.shops.models import Shop
from tests.channels.factories import make_customer


def _enqueue(ctx: AppContext, shop: Shop, customer_id: int, **overrides: object) -> Message | None:
    args: dict[str, object] = {
        "channels": ["email", "sms"],
        "template_key": "thank_you",
        "kind": "transactional",
        "context": {},
        "idempotency_key": "enr:1:thanks",
    }
    args.update(overrides)
    with ctx.sessions() as s, s.begin():
        from careloop.customers.models import Customer

        return enqueue_message(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.get_one(Customer, customer_id),
            **args,  # type: ignore[arg-type]
        )


def test_enqueue_renders_the_customers_language_and_logs_queued(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    message = _enqueue(ctx, shop, customer.id)
    assert message is not None
    assert message.status == "queued" and message.channel == "email"
    assert message.subject == "Cảm ơn Mai đã mua hàng tại Acme Coffee"
    assert "DH-C1" in message.body_text and "405.000 ₫" in message.body_text
    assert "Cà phê Arabica 500g x2, Phin nhôm" in message.body_html
    assert set(message.rendered) == {"email", "sms"}
    assert message.next_attempt_at == ctx.clock.now()
    with ctx.sessions() as s:
        events = s.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "message.queued")
        ).all()
        assert len(events) == 1
        assert events[0].payload["message_id"] == message.id
        assert events[0].payload["template_key"] == "thank_you"
        history = s.scalars(select(MessageStatusHistory)).all()
        assert [h.status for h in history] == ["queued"]


def test_enqueue_twice_with_the_same_key_stores_one_message(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    assert _enqueue(ctx, shop, customer.id) is not None
    assert _enqueue(ctx, shop, customer.id) is None
    with ctx.sessions() as s:
        assert len(s.scalars(select(Message)).all()) == 1


def test_english_customer_gets_english_wording(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop, name="Mai Nguyen", locale="en")
    message = _enqueue(ctx, shop, customer.id)
    assert message is not None
    assert message.subject == "Thank you for your order, Mai"


def test_template_with_unknown_field_raises_and_stores_nothing(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        s.add(
            MessageTemplate(
                shop_id=shop.id,
                template_key="thank_you",
                channel="sms",
                locale="vi",
                body_text="Chào {{ customer.nickname }}",
                updated_at=ctx.clock.now(),
            )
        )
    with pytest.raises(TemplateError, match="nickname"):
        _enqueue(ctx, shop, customer.id)
    with ctx.sessions() as s:
        assert s.scalars(select(Message)).all() == []


def test_unknown_channel_and_kind_are_named(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    with pytest.raises(ValidationFailed) as info:
        _enqueue(ctx, shop, customer.id, channels=["pigeon"], kind="spam")
    assert "pigeon" in str(info.value) and "spam" in str(info.value)


def test_record_suppressed_is_idempotent_and_on_the_timeline(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    for _ in range(2):
        with ctx.sessions() as s, s.begin():
            from careloop.customers.models import Customer

            record_suppressed(
                session=s,
                clock=ctx.clock,
                shop=s.merge(shop),
                customer=s.get_one(Customer, customer.id),
                channel="email",
                template_key="thank_you",
                kind="marketing",
                reason="frequency_cap",
                idempotency_key="enr:9:s1",
            )
    with ctx.sessions() as s:
        messages = s.scalars(select(Message)).all()
        assert [(m.status, m.reason) for m in messages] == [("suppressed", "frequency_cap")]
        events = s.scalars(
            select(TimelineEvent).where(TimelineEvent.type == "message.suppressed")
        ).all()
        assert len(events) == 1 and events[0].payload["reason"] == "frequency_cap"


def test_a_deferred_step_becomes_the_message_when_it_comes_due(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    later = ctx.clock.now() + timedelta(hours=9)
    with ctx.sessions() as s, s.begin():
        from careloop.customers.models import Customer

        deferred = record_suppressed(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            customer=s.get_one(Customer, customer.id),
            channel="email",
            template_key="thank_you",
            kind="service",
            reason="quiet_hours",
            idempotency_key="enr:1:thanks",
            deferred_until=later,
        )
        assert deferred is not None and deferred.status == "deferred"
    message = _enqueue(ctx, shop, customer.id, kind="service")
    assert message is not None and message.status == "queued" and message.id == deferred.id


def test_marketing_sends_since_counts_marketing_and_service_only(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    _enqueue(ctx, shop, customer.id, kind="marketing", idempotency_key="a")
    _enqueue(ctx, shop, customer.id, kind="transactional", idempotency_key="b")
    ctx.clock.advance(timedelta(days=1))
    _enqueue(ctx, shop, customer.id, kind="service", idempotency_key="c")
    with ctx.sessions() as s:
        sends = marketing_sends_since(
            session=s,
            shop_id=shop.id,
            customer_id=customer.id,
            since=ctx.clock.now() - timedelta(days=30),
        )
        recent = marketing_sends_since(
            session=s, shop_id=shop.id, customer_id=customer.id, since=ctx.clock.now()
        )
    assert [kind for _, kind in sends] == ["marketing", "service"]
    assert [kind for _, kind in recent] == ["service"]


def test_preview_uses_sample_data_or_a_real_customer(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop, name="Trần Văn Bình")
    with ctx.sessions() as s:
        sample = preview(session=s, shop=shop, template_key="thank_you", channel="email")
        real = preview(
            session=s, shop=shop, template_key="thank_you", channel="sms", customer=customer
        )
    assert "DH-20481" in sample.text
    # The shipped SMS is "unaccented": the whole text, the customer's name included.
    assert "Bình" not in real.text and "Binh" in real.text and "DH-C1" in real.text


def test_validate_template_reports_unknown_fields_and_missing_templates(
    ctx: AppContext, shop: Shop
) -> None:
    with ctx.sessions() as s:
        assert (
            validate_template(
                session=s,
                shop=shop,
                template_key="thank_you",
                channels=["email", "sms", "zalo", "task"],
            )
            == []
        )
        missing = validate_template(session=s, shop=shop, template_key="nope", channels=["sms"])
        assert missing and "does not exist" in missing[0]
    with ctx.sessions() as s, s.begin():
        s.add(
            MessageTemplate(
                shop_id=shop.id,
                template_key="thank_you",
                channel="email",
                locale="en",
                subject="Hi {{ customer.first_name }}",
                body_text="{{ vouchr.code }}",
                updated_at=ctx.clock.now(),
            )
        )
    with ctx.sessions() as s:
        problems = validate_template(
            session=s, shop=shop, template_key="thank_you", channels=["email"]
        )
    assert len(problems) == 1 and "vouchr" in problems[0] and "(email, en)" in problems[0]
