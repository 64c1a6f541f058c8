"""What a journey step does to the world, behind one port.

`LiveEffects` contacts the customer through channels' Outreach port and asks the `Rewards`,
`StaffTasks` and `SupportDesk` ports inside the step's transaction (their own side effects
run after commit, in their workers); a port nobody provides is a loud MissingPort.
`DryRunEffects` decides with the same contact policy, records what would have happened and
touches nothing: `careloop simulate` and the benchmark use it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from sqlalchemy.orm import Session

from careloop.channels.contact_facts import load_history
from careloop.channels.outreach import ChannelsOutreach, ContactRequest, Outreach
from careloop.channels.policy import ContactPolicy, Sent
from careloop.core.clock import Clock
from careloop.core.money import format_money
from careloop.core.ports import Rewards, StaffTasks, SupportDesk, port
from careloop.customers.models import Customer
from careloop.journeys.engagement import ChannelRates, default_rates, point
from careloop.shops.models import Shop

log = logging.getLogger("careloop.journeys")


class Effects(Protocol):
    @property
    def writes(self) -> bool:
        """Whether the effects write to the database (a failed one needs a savepoint)."""
        ...

    def outreach(
        self,
        session: Session,
        clock: Clock,
        *,
        rules: ContactPolicy,
        consents: Mapping[int, Mapping[str, str]] | None = None,
    ) -> Outreach:
        """How this step contacts the customer (the contact policy decides either way)."""
        ...

    def action(
        self,
        session: Session,
        clock: Clock,
        name: str,
        shop: Shop,
        customer: Customer,
        params: Mapping[str, Any],
        idempotency_key: str,
    ) -> dict[str, Any]:
        """Run an action step (issue_coupon, add_points, create_task, open_ticket)."""
        ...

    def note(self, journey_key: str, step_id: str, outcome: str, detail: str = "") -> None:
        """Observe a step's outcome (the simulator tabulates these)."""
        ...

    def engagement(self, message_id: int, event_type: str, key: str) -> bool | None:
        """For a message that exists only in a dry run: whether the customer would open
        (click) it. None: a real message, whose events are on the timeline."""
        ...


class LiveEffects:
    """The real thing: messages rows, coupons, points, staff tasks, tickets."""

    writes = True

    def engagement(self, message_id: int, event_type: str, key: str) -> bool | None:
        return None  # real messages: the timeline says whether they were opened

    def outreach(
        self,
        session: Session,
        clock: Clock,
        *,
        rules: ContactPolicy,
        consents: Mapping[int, Mapping[str, str]] | None = None,
    ) -> Outreach:
        return ChannelsOutreach(session, clock, consents=consents, rules=rules)

    def action(
        self,
        session: Session,
        clock: Clock,
        name: str,
        shop: Shop,
        customer: Customer,
        params: Mapping[str, Any],
        idempotency_key: str,
    ) -> dict[str, Any]:
        ids: dict[str, Any] = {"shop_id": shop.id, "customer_id": customer.id}
        if name == "issue_coupon":
            rewards = port(Rewards)
            params = dict(params)
            if params.get("percent_off"):
                # Every percent code has a cap and a minimum order: the programme's unless
                # the step sets its own.
                cap, floor = rewards.percent_code_terms(session, shop_id=shop.id)
                params.setdefault("max_discount_minor", cap)
                params.setdefault("min_order_minor", floor)
            coupon = rewards.issue_coupon(
                session, clock, **ids, idempotency_key=idempotency_key, **params
            )
            return {
                "code": coupon.code,
                "expires_at": coupon.expires_at.isoformat() if coupon.expires_at else "",
                "percent_off": params.get("percent_off"),
                "amount_off_minor": params.get("amount_off_minor"),
                "max_discount_minor": coupon.max_discount_minor,
                "max_discount": format_money(coupon.max_discount_minor, coupon.currency)
                if coupon.max_discount_minor
                else "",
                "min_order_minor": coupon.min_order_minor,
                "free_shipping": coupon.free_shipping,
                "applies_to": ", ".join([*coupon.product_skus, *coupon.categories]),
            }
        if name == "add_points":
            port(Rewards).add_points(
                session, clock, **ids, idempotency_key=idempotency_key, **params
            )
            return {"points": params["points"]}
        if name == "create_task":
            task_id = port(StaffTasks).create_task(
                session, clock, **ids, idempotency_key=idempotency_key, **params
            )
            return {"task_id": task_id}
        if name == "open_ticket":
            ticket_id = port(SupportDesk).open_ticket(
                session, clock, **ids, source_event_key=idempotency_key, **params
            )
            return {"ticket_id": ticket_id}
        raise ValueError(f"unknown action {name!r}")

    def note(self, journey_key: str, step_id: str, outcome: str, detail: str = "") -> None:
        return None


@dataclass
class DryRunEffects:
    """Sends nothing and changes nothing outside the journey tables; counts every outcome.

    `history` keeps the simulated sends so the caps see them; `real_history` adds the
    customer's real messages (off for the benchmark)."""

    writes: ClassVar[bool] = False
    real_history: bool = True
    outcomes: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    sent: dict[tuple[int, int], list[tuple[datetime, str]]] = field(default_factory=dict)
    keys: set[tuple[int, str]] = field(default_factory=set)
    # The open/click rates assumed per channel (engagement.py); the first channel of each
    # simulated message, by its (negative) id.
    rates: dict[str, ChannelRates] = field(default_factory=dict)
    channel_of: dict[int, str] = field(default_factory=dict)
    _next_id: int = 0

    def outreach(
        self,
        session: Session,
        clock: Clock,
        *,
        rules: ContactPolicy,
        consents: Mapping[int, Mapping[str, str]] | None = None,
    ) -> Outreach:
        return DryRunOutreach(self, session, clock, consents=consents, rules=rules)

    def send(self, clock: Clock, request: ContactRequest, channels: Sequence[str]) -> int | None:
        key = (request.shop.id, request.idempotency_key)
        if key in self.keys:
            return None
        self.keys.add(key)
        if request.kind != "transactional":
            self.sent.setdefault((request.shop.id, request.customer.id), []).append(
                (clock.now(), request.kind)
            )
        self._next_id -= 1
        if channels:
            self.channel_of[self._next_id] = channels[0]
        return self._next_id  # negative: a message that exists only in this dry run

    def engagement(self, message_id: int, event_type: str, key: str) -> bool | None:
        channel = self.channel_of.get(message_id)
        if channel is None:
            return None
        rates = self.rates.get(channel) or default_rates(channel)
        rate = rates.of(event_type)
        return None if rate is None else point(key) < rate

    def sends_since(
        self, session: Session, shop_id: int, customer_id: int, since: datetime
    ) -> list[Sent]:
        simulated = [
            Sent(at, kind) for at, kind in self.sent.get((shop_id, customer_id), []) if at >= since
        ]
        if not self.real_history:
            return simulated
        real = load_history(session, shop_id, [customer_id], since).get(customer_id, [])
        return sorted(real + simulated, key=lambda s: s.at)

    def action(
        self,
        session: Session,
        clock: Clock,
        name: str,
        shop: Shop,
        customer: Customer,
        params: Mapping[str, Any],
        idempotency_key: str,
    ) -> dict[str, Any]:
        if name == "issue_coupon":
            return {"code": "SIMULATED", "expires_at": "", **params}
        return {"simulated": True}

    def note(self, journey_key: str, step_id: str, outcome: str, detail: str = "") -> None:
        self.outcomes[(journey_key, step_id, outcome, detail)] += 1


class DryRunOutreach(ChannelsOutreach):
    """The contact policy's real decision, carried out in memory: nothing is written."""

    def __init__(
        self,
        effects: DryRunEffects,
        session: Session,
        clock: Clock,
        *,
        consents: Mapping[int, Mapping[str, str]] | None = None,
        rules: ContactPolicy | None = None,
    ) -> None:
        super().__init__(session, clock, consents=consents, rules=rules)
        self.effects = effects

    def enqueue(
        self, request: ContactRequest, channels: Sequence[str], scheduled_for: datetime | None
    ) -> int | None:
        return self.effects.send(self.clock, request, channels)

    def record(
        self, request: ContactRequest, channel: str | None, reason: str, until: datetime | None
    ) -> None:
        return None

    def already_sent(self, request: ContactRequest) -> bool:
        return (request.shop.id, request.idempotency_key) in self.effects.keys

    def history(self, shop_id: int, customer_id: int, since: datetime) -> list[Sent]:
        return self.effects.sends_since(self.session, shop_id, customer_id, since)
