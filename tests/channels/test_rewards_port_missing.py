"""A message that needs the customer's points asks the `Rewards` port; an installation with
no Rewards provider fails loudly (MissingPort) instead of telling the customer "0 points"
(issue 22: reaches that failed soft)."""

from __future__ import annotations

import pytest

from careloop.channels.render_context import build_context
from careloop.channels.service import render_message
from careloop.context import AppContext
from careloop.core import ports
from careloop.core.ports import MissingPort, Rewards
from careloop.customers.models import Customer
from careloop.shops.models import Shop
from tests.channels.factories import make_customer


def _invitation_sms(ctx: AppContext, shop: Shop, customer_id: int) -> str:
    with ctx.sessions() as s:
        shop = s.merge(shop)
        found = s.get(Customer, customer_id)
        assert found is not None
        values = build_context(session=s, shop=shop, customer=found, now=ctx.clock.now())
        return render_message(
            session=s,
            shop=shop,
            template_key="loyalty.invitation",
            channel="sms",
            locale="vi",
            context=values,
        ).text


def test_the_invitation_tells_the_points_rewards_holds(ctx: AppContext, shop: Shop) -> None:
    customer = make_customer(ctx, shop)
    with ctx.sessions() as s, s.begin():
        ports.port(Rewards).add_points(
            s,
            ctx.clock,
            shop_id=shop.id,
            customer_id=customer.id,
            points=150,
            reason="welcome",
            idempotency_key="welcome:C1",
        )
    assert "Ban co 150 diem" in _invitation_sms(ctx, shop, customer.id)


def test_the_invitation_with_no_rewards_provider_fails_instead_of_saying_zero_points(
    ctx: AppContext, shop: Shop
) -> None:
    customer = make_customer(ctx, shop)
    ports.withdraw(Rewards)
    with pytest.raises(MissingPort, match="Rewards") as caught:
        _invitation_sms(ctx, shop, customer.id)
    assert "careloop.channels.render_context" in str(caught.value)
