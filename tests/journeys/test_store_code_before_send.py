"""A journey's code step and its message: with store API access, the message carrying the
code goes out only once the code exists in the store (WooCommerce REST v3 "Create a coupon",
woocommerce-rest-api-docs wp-api-v3/_coupons.md, answered with its published sample)."""

from __future__ import annotations

from datetime import timedelta

from careloop.channels.dispatch import dispatch_due
from careloop.loyalty.store_codes import sync_due
from tests.channels.helpers import configure
from tests.journeys.conftest import World, messages_of
from tests.loyalty.stores import FakeStores, stores
from tests.loyalty.test_store_codes import connect_store

__all__ = ["stores"]

THANKS = """
key: store_code_thanks
name: Thanks with a code
trigger:
  event: order.delivered
steps:
  - id: code
    issue_coupon: {percent_off: 10, valid_days: 30, reason: thanks}
  - id: thanks
    send:
      channels: [email]
      template: anniversary.thank_you
      kind: service
"""


def test_journey_message_with_a_code_waits_for_the_store_then_goes_out(
    world: World, stores: tuple[FakeStores, str]
) -> None:
    fake, url = stores
    connect_store(world.ctx, world.shop, "woocommerce", url)
    configure(world.ctx, world.shop, "email", provider="outbox")
    world.install(text=THANKS)
    mai = world.customer("c1")
    fake.refuse = [(500, {"code": "internal_server_error", "message": "Internal error"})]

    world.order(mai)
    world.work()
    sync_due(world.ctx.sessions, world.clock)
    dispatch_due(world.ctx)

    [message] = messages_of(world, mai)
    assert message.status == "queued"
    assert "waiting for code" in str(message.reason)
    code = str(message.reason).split("waiting for code ")[1].split(" ")[0]
    assert code not in fake.codes

    world.clock.advance(timedelta(minutes=2))
    sync_due(world.ctx.sessions, world.clock)
    assert code in fake.codes
    world.clock.advance(timedelta(minutes=2))
    dispatch_due(world.ctx)
    [message] = messages_of(world, mai)
    assert message.status == "delivered"
    assert code in message.body_text
