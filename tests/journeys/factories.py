"""Shared helpers for tests that run shipped journeys end to end."""

from __future__ import annotations

from careloop.context import AppContext
from careloop.journeys import tasks
from careloop.journeys.loader import PLAYBOOKS
from careloop.journeys.service import activate_journey, save_journey
from careloop.shops.models import Shop


def install_playbook(ctx: AppContext, shop: Shop, name: str) -> None:
    """Load `playbooks/journeys/<name>` for the shop and activate it."""
    path = PLAYBOOKS / name
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


def run_journeys(ctx: AppContext) -> None:
    """Dispatch events and run due steps until nothing is left to do."""
    for _ in range(10):
        if tasks.dispatch_events(ctx) + tasks.run_steps(ctx) == 0:
            return
