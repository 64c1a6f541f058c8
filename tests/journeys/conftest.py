"""Factories and a virtual-time driver for journey tests."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.clock import VirtualClock
from careloop.customers.models import Customer
from careloop.customers.schemas import CustomerIn
from careloop.customers.service import upsert_customer
from careloop.customers.timeline import record_event
from careloop.journeys import tasks
from careloop.journeys.loader import PLAYBOOKS
from careloop.journeys.models import Journey
from careloop.journeys.runner import next_due_at
from careloop.journeys.service import activate_journey, save_journey
from careloop.orders.schemas import OrderIn, OrderLineIn
from careloop.orders.service import upsert_order
from careloop.shops.models import Shop


@dataclass
class World:
    """A shop on a virtual clock, with helpers that read like the story they tell."""

    ctx: AppContext
    clock: VirtualClock
    shop: Shop

    def install(self, *names: str, text: str | None = None) -> Journey:
        with self.ctx.sessions() as s, s.begin():
            shop = s.merge(self.shop)
            journey: Journey | None = None
            sources = [(f"{n}.yaml", (PLAYBOOKS / f"{n}.yaml").read_text()) for n in names]
            if text is not None:
                sources.append(("test.yaml", text))
            for name, source in sources:
                saved = save_journey(
                    session=s, clock=self.clock, shop=shop, text=source, source_name=name
                )
                journey = activate_journey(
                    session=s, clock=self.clock, shop=shop, key=saved.key, version=saved.version
                )
            assert journey is not None
            return journey

    def customer(self, external_id: str = "c1", **fields: Any) -> Customer:
        defaults: dict[str, Any] = {
            "name": "Mai Nguyen",
            "email": f"{external_id}@example.com",
            # Each customer their own phone: customers sharing one are one person.
            "phone": f"+8490{zlib.crc32(external_id.encode()) % 10**7:07d}",
            "zalo_user_id": f"zalo-{external_id}",
            "locale": "en",
            "accepts_marketing": True,
        }
        defaults.update(fields)
        data = CustomerIn(customer_id=external_id, **defaults)
        with self.ctx.sessions() as s, s.begin():
            return upsert_customer(
                session=s, clock=self.clock, shop=s.merge(self.shop), data=data
            ).customer

    def order(
        self,
        customer: Customer,
        order_id: str = "o1",
        *,
        status: str = "delivered",
        at: datetime | None = None,
        lines: list[tuple[str, int]] | None = None,
    ) -> None:
        at = at or self.clock.now()
        data = OrderIn(
            order_id=order_id,
            customer_id=customer.external_id,
            placed_at=at - timedelta(days=2) if status == "delivered" else at,
            total=Decimal(250000),
            status=status,  # type: ignore[arg-type]
            delivered_at=at if status == "delivered" else None,
            lines=[
                OrderLineIn(sku=sku, product_name=sku, quantity=qty, unit_price=Decimal(125000))
                for sku, qty in (lines or [("CF-500", 2)])
            ],
        )
        with self.ctx.sessions() as s, s.begin():
            upsert_order(session=s, clock=self.clock, shop=s.merge(self.shop), data=data)

    def event(self, customer: Customer, type_: str, payload: dict[str, Any]) -> None:
        with self.ctx.sessions() as s, s.begin():
            record_event(
                session=s,
                clock=self.clock,
                shop_id=self.shop.id,
                customer_id=customer.id,
                type=type_,
                payload=payload,
            )

    def work(self) -> int:
        """Worker passes until there is nothing left to do at this moment."""
        total = 0
        for _ in range(100):
            done = (
                tasks.dispatch_events(self.ctx)
                + tasks.scan_dates(self.ctx)
                + tasks.run_steps(self.ctx)
            )
            total += done
            if done == 0:
                return total
        raise AssertionError("the worker never settled")

    def run_until(self, moment: datetime) -> None:
        """Move the clock to `moment`, stopping at every due step on the way."""
        while True:
            self.work()
            with self.ctx.sessions() as s:
                due = next_due_at(s)
            if due is None or due > moment or due <= self.clock.now():
                break  # (a row due now that did not run is leased by someone else)
            self.clock.set(max(due, self.clock.now()))
        if moment > self.clock.now():
            self.clock.set(moment)
        self.work()

    def days_later(self, days: float) -> None:
        self.run_until(self.clock.now() + timedelta(days=days))

    def session(self) -> Session:
        return self.ctx.sessions()


@pytest.fixture
def world(ctx: AppContext, clock: VirtualClock, shop: Shop, templates: None) -> World:
    return World(ctx=ctx, clock=clock, shop=shop)


@pytest.fixture
def templates(ctx: AppContext, shop: Shop) -> None:
    add_templates(ctx, shop)


def add_templates(ctx: AppContext, shop: Shop) -> None:
    """Shop wording for every template the shipped journeys use that has no file yet."""
    from careloop.channels.models import MessageTemplate
    from careloop.channels.templates import file_spec

    with ctx.sessions() as s, s.begin():
        for key in _template_keys(PLAYBOOKS):
            if file_spec(key) is not None:
                continue
            for channel in ("email", "sms", "zalo"):
                for locale in ("vi", "en"):
                    s.add(
                        MessageTemplate(
                            shop_id=shop.id,
                            template_key=key,
                            channel=channel,
                            locale=locale,
                            subject=f"{key} for {{{{ customer.first_name }}}}",
                            body_text=f"{key}: hello {{{{ customer.first_name }}}}",
                            body_html="",
                            data={"_template_id": "zns-test"} if channel == "zalo" else {},
                            updated_at=ctx.clock.now(),
                        )
                    )


def _template_keys(folder: Path) -> list[str]:
    from careloop.journeys.loader import load_file

    keys: set[str] = {"test.note"}
    for path in folder.glob("*.yaml"):
        keys.update(s.send.template for s in load_file(path).steps if s.send is not None)
    return sorted(keys)


def messages_of(world: World, customer: Customer) -> list[Any]:
    from careloop.channels.models import Message

    with world.session() as s:
        return list(
            s.scalars(
                select(Message)
                .where(Message.customer_id == customer.id)
                .order_by(Message.created_at, Message.id)
            )
        )


MessagesOf = Callable[[World, Customer], list[Any]]
