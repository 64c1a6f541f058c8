from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from careloop.channels.models import Message
from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.journeys import tasks
from careloop.journeys.loader import PLAYBOOKS
from careloop.journeys.service import activate_journey, save_journey
from careloop.loyalty.service import enable_program
from careloop.loyalty.tasks import daily_sweep, process_events
from careloop.shops.models import Shop
from tests.loyalty.factories import make_customer, place_order


def _install_expiry_journey(ctx: AppContext, shop: Shop) -> None:
    path = PLAYBOOKS / "points_expiring.yaml"
    with ctx.sessions() as s, s.begin():
        journey = save_journey(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            text=path.read_text(encoding="utf-8"),
            source_name=f"playbooks/journeys/{path.name}",
        )
        activate_journey(
            session=s, clock=ctx.clock, shop=s.merge(shop), key=journey.key, version=journey.version
        )


def _run_journeys(ctx: AppContext) -> None:
    for _ in range(10):
        if tasks.dispatch_events(ctx) + tasks.run_steps(ctx) == 0:
            return


def test_a_member_is_told_once_in_their_language_before_their_points_expire(
    ctx: AppContext, shop: Shop, clock: VirtualClock
) -> None:
    with ctx.sessions() as s, s.begin():
        enable_program(session=s, clock=ctx.clock, shop=s.merge(shop))
    _install_expiry_journey(ctx, shop)
    make_customer(ctx, shop, "C-1", name="Nguyễn Thị Lan", email="lan@example.vn", locale="vi")
    place_order(ctx, shop, "O-1", total="1000000", status="delivered")
    process_events(ctx)
    _run_journeys(ctx)
    clock.advance(timedelta(days=340))
    daily_sweep(ctx)
    _run_journeys(ctx)
    clock.advance(timedelta(days=1))
    daily_sweep(ctx)
    _run_journeys(ctx)
    with ctx.sessions() as s:
        messages = list(
            s.scalars(select(Message).where(Message.template_key == "loyalty.points_expiring"))
        )
    assert len(messages) == 1
    assert "sắp hết hạn" in messages[0].subject
    assert "1000 điểm" in messages[0].body_text
