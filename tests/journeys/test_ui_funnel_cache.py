"""The journeys' funnel is cached per shop (90 days of message events are slow to read for a
busy shop), yet a new message event shows on the next view, and the pages say when the
figures were computed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop
from tests.journeys.test_ui import load_golden_hours
from tests.web.helpers import sign_in


def message_sent(
    ctx: AppContext, clock: VirtualClock, shop: Shop, customer_id: int, message_id: int
) -> None:
    with ctx.sessions() as s, s.begin():
        record_event(
            session=s,
            clock=ctx.clock,
            shop_id=shop.id,
            customer_id=customer_id,
            type="message.sent",
            payload={
                "journey_key": "golden_hours",
                "step_key": "thank_you",
                "message_id": message_id,
            },
            event_key=f"message:{message_id}:sent",
        )
    clock.advance(timedelta(minutes=1))  # the funnel's window ends just before "now"


def sent_on_thank_you(page: str) -> int:
    # The row names the step ("Cảm ơn" …) with its id beside it, then its kind, then counts.
    found = re.search(
        r"<code class=\"muted small\">thank_you</code></td><td[^>]*>[^<]*</td>"
        r"<td class=\"num\">(\d+)</td>",
        page,
    )
    assert found is not None, "no funnel row for thank_you"
    return int(found.group(1))


def test_the_funnel_counts_a_new_message_at_once_and_says_when_it_was_computed(
    api: TestClient,
    app_client: TestClient,
    ctx: AppContext,
    clock: VirtualClock,
    shop: Shop,
    make_staff: Callable[..., str],
) -> None:
    api.post("/api/v1/customers", json={"customer_id": "C-1"})
    with ctx.sessions() as s:
        customer_id = s.query(Customer.id).filter(Customer.shop_id == shop.id).scalar()
    assert customer_id is not None
    load_golden_hours(ctx, shop)
    message_sent(ctx, clock, shop, customer_id, 1)
    del app_client.headers["Authorization"]
    sign_in(app_client, ctx, make_staff(shop), shop)

    listing = app_client.get("/journeys").text
    assert 'data-testid="computed-at"' in listing
    page = app_client.get("/journeys/golden_hours").text
    assert 'data-testid="computed-at"' in page
    assert sent_on_thank_you(page) == 1
    assert sent_on_thank_you(app_client.get("/journeys/golden_hours").text) == 1

    message_sent(ctx, clock, shop, customer_id, 2)
    assert sent_on_thank_you(app_client.get("/journeys/golden_hours").text) == 2
