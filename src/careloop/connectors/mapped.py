"""What a platform payload means for Careloop, before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from careloop.customers.schemas import CustomerIn
from careloop.orders.schemas import OrderIn
from careloop.products.schemas import ProductIn


@dataclass(frozen=True)
class StatusChange:
    order_id: str
    status: str
    at: datetime | None  # None: when the delivery is processed


@dataclass
class Mapped:
    customers: list[CustomerIn] = field(default_factory=list)
    orders: list[OrderIn] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    # Catalogue rows with care data from a products/* topic (careloop/products/platform.py).
    products: list[ProductIn] = field(default_factory=list)
    ignored: str | None = None  # a topic Careloop has no use for, answered 200

    def describe(self) -> str:
        if self.ignored:
            return f"ignored: {self.ignored}"
        parts = [
            f"{len(self.customers)} customer(s)" if self.customers else "",
            ", ".join(f"order {o.order_id} ({o.status})" for o in self.orders),
            ", ".join(f"order {c.order_id} -> {c.status}" for c in self.status_changes),
            f"{len(self.products)} product(s)" if self.products else "",
        ]
        return "; ".join(p for p in parts if p) or "nothing to do"
