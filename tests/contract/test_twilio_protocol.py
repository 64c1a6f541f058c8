"""Twilio's Messages API as documented (twilio.com/docs/messaging/api/message-resource,
the REST error dictionary) and as the official twilio-python SDK reads it
(twilio/base/exceptions.py: TwilioRestException from the JSON body's code/message), replayed
through a local server speaking it. Samples: tests/fixtures/twilio/."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select

from careloop.channels.models import ChannelThrottle, Suppression
from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.channels.conftest import FakeProviders
from tests.channels.factories import make_customer
from tests.channels.helpers import configure, dispatch, enqueue, history, message

FIXTURES = Path(__file__).parent.parent / "fixtures" / "twilio"
MESSAGES = f"/2010-04-01/Accounts/{FakeProviders.TWILIO_SID}/Messages.json"


def _error(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def _twilio(ctx: AppContext, shop: Shop, base: str) -> None:
    configure(
        ctx,
        shop,
        "sms",
        "twilio",
        account_sid=FakeProviders.TWILIO_SID,
        auth_token=FakeProviders.TWILIO_TOKEN,
        from_number="+15005550006",
        base_url=base,
        allow_private=True,
    )


def test_twilio_21612_fails_the_sms_and_never_suppresses_the_customers_number(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """twilio.com/docs/api/errors/21612: "The 'To' phone number is not currently reachable
    using the 'From' phone number via SMS" - a pairing problem of our sender (country,
    number type), not a bad customer number: the message falls back / fails, the number
    is not suppressed and the next SMS to it is tried again."""
    fake, base = providers
    _twilio(ctx, shop, base)
    fake.script[MESSAGES] = [(400, _error("error_21612.json"))]
    configure(ctx, shop, "webhook", url=f"{base}/hook", secret="wh", allow_private=True)
    customer = make_customer(ctx, shop)
    first = enqueue(ctx, shop, customer.id, channels=["sms", "webhook"], kind="service")
    dispatch(ctx)
    dispatch(ctx)
    assert message(ctx, first).channel == "webhook"
    assert "21612" in str(history(ctx, first)[1][2])
    with ctx.sessions() as s:
        assert s.scalars(select(Suppression)).all() == []
    second = enqueue(ctx, shop, customer.id, channels=["sms"], kind="service", key="k2")
    dispatch(ctx)
    assert message(ctx, second).status == "sent" and message(ctx, second).channel == "sms"


def test_twilio_429_with_retry_after_holds_the_shops_sms_for_that_long(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """twilio.com/docs/api/errors/20429 ("Too Many Requests", HTTP 429) and RFC 9110
    section 10.2.3 (Retry-After: delay-seconds): nothing is failed or fallen back; the
    shop's SMS wait exactly the asked delay, then go out."""
    fake, base = providers
    _twilio(ctx, shop, base)
    fake.script[MESSAGES] = [(429, _error("error_20429.json"))]
    fake.headers[MESSAGES] = [{"Retry-After": "120"}]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms", "email"], kind="service")
    dispatch(ctx)
    held = message(ctx, message_id)
    assert held.status == "queued" and held.channel == "sms" and held.attempts == 0
    with ctx.sessions() as s:
        hold = s.scalars(select(ChannelThrottle)).one()
        assert hold.not_before == ctx.clock.now() + timedelta(seconds=120)
    ctx.clock.advance(timedelta(seconds=119))
    assert dispatch(ctx) == 0 and len(fake.requests) == 1
    ctx.clock.advance(timedelta(seconds=1))
    dispatch(ctx)
    assert message(ctx, message_id).status == "sent"
    form = {k: v[0] for k, v in parse_qs(fake.requests[-1].body.decode()).items()}
    assert form["To"] == "+84901234567" and form["From"] == "+15005550006"


def test_a_503_with_an_http_date_retry_after_holds_until_that_moment(
    ctx: AppContext, shop: Shop, providers: tuple[FakeProviders, str]
) -> None:
    """RFC 9110 section 10.2.3: Retry-After may be an HTTP-date; section 15.6.4: a 503 was
    not handled, so nothing was sent. The hold ends at that date, read on our clock."""
    from email.utils import format_datetime

    fake, base = providers
    _twilio(ctx, shop, base)
    until = ctx.clock.now() + timedelta(minutes=10)
    fake.script[MESSAGES] = [(503, {})]
    fake.headers[MESSAGES] = [{"Retry-After": format_datetime(until, usegmt=True)}]
    customer = make_customer(ctx, shop)
    message_id = enqueue(ctx, shop, customer.id, channels=["sms"], kind="service")
    dispatch(ctx)
    assert message(ctx, message_id).next_attempt_at == until.replace(microsecond=0)
    ctx.clock.advance(timedelta(minutes=10))
    dispatch(ctx)
    assert message(ctx, message_id).status == "sent"
