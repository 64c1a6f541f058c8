from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.loyalty.service import enable_program
from careloop.loyalty.tasks import daily_sweep, process_events
from careloop.shops.models import Shop
from tests.journeys.factories import install_playbook, run_journeys
from tests.loyalty.factories import make_customer, place_order


def test_a_member_is_told_once_in_their_language_before_their_points_expire(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    install_playbook(ctx, shop, "points_expiring.yaml")
    make_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@example.vn", locale="vi")
    place_order(ctx, shop, "O-1", total="1000000", status="delivered")
    process_events(ctx)
    run_journeys(ctx)
    clock.advance(timedelta(days=340))
    daily_sweep(ctx)
    run_journeys(ctx)
    clock.advance(timedelta(days=1))
    daily_sweep(ctx)
    run_journeys(ctx)
    with ctx.sessions() as s:
        messages = list(
            s.scalars(select(Message).where(Message.template_key == "loyalty.points_expiring"))
        )
    assert len(messages) == 1
    assert "sắp hết hạn" in messages[0].subject
    assert "1000 điểm" in messages[0].body_text
