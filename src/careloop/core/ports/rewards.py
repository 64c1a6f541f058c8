"""The `Rewards` port: what other capabilities read from and ask of the loyalty programme
(points, tier, membership, entitlements and warranty privileges, coupons, bonus points).

Defined from its callers: journeys (facts, coupon/points steps, warranty dates), channels
(points and tier in a message), support (entitlements, compensation coupons) and community
(early-access privileges, launch and ambassador coupons, ambassador points).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from careloop.core.clock import Clock


@dataclass(frozen=True)
class IssuedCoupon:
    """A coupon as its issuer hands it back (the code goes into a message)."""

    id: int
    code: str
    currency: str
    expires_at: datetime | None = None
    max_discount_minor: int | None = None
    min_order_minor: int = 0
    free_shipping: bool = False
    product_skus: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


class Rewards(Protocol):
    """The loyalty programme as other capabilities see it."""

    def points_balance(self, session: Session, *, shop_id: int, customer_id: int) -> int:
        """The customer's points: the sum of their ledger entries."""
        ...

    def tier(self, session: Session, *, shop_id: int, customer_id: int) -> str | None:
        """silver, gold, platinum, or None for a customer who has not bought yet."""
        ...

    def is_active_member(self, session: Session, *, shop_id: int, customer_id: int) -> bool:
        """Redeemed points or climbed above the entry tier."""
        ...

    def tier_names(self, session: Session, *, shop_id: int, locale: str) -> dict[str, str]:
        """{tier key: the shop's name for it in `locale`}, for pages that show a tier."""
        ...

    def program_on(self, session: Session, *, shop_id: int) -> bool:
        """Whether the shop's programme is running."""
        ...

    def entitlements(
        self, session: Session, *, shop_id: int, customer_id: int, now: datetime
    ) -> set[str]:
        """The customer's privileges held at `now` (e.g. priority_support, early_access)."""
        ...

    def warranty_privileges(
        self,
        session: Session,
        *,
        shop_id: int,
        customer_id: int,
        bought_at: datetime,
        now: datetime,
    ) -> set[str]:
        """The warranty privileges the customer held when they bought."""
        ...

    def warranty_ends(self, *, start: date, warranty_days: int, privileges: set[str]) -> date:
        """The day a product's warranty ends, given the privileges held at purchase."""
        ...

    def percent_code_terms(self, session: Session, *, shop_id: int) -> tuple[int | None, int]:
        """The programme's cap and minimum order for a percent code, in minor units."""
        ...

    def issue_coupon(
        self,
        session: Session,
        clock: Clock,
        *,
        shop_id: int,
        customer_id: int | None,
        reason: str,
        idempotency_key: str,
        percent_off: int | None = None,
        amount_off_minor: int | None = None,
        valid_days: int = 30,
        free_shipping: bool = False,
        max_uses: int | None = 1,
        min_order_minor: int = 0,
        source: str = "journey",
        max_discount_minor: int | None = None,
        product_skus: Sequence[str] | None = None,
        categories: Sequence[str] | None = None,
        gift_card_minor: int | None = None,
    ) -> IssuedCoupon:
        """Issue a coupon once per idempotency key."""
        ...

    def find_coupon(
        self, session: Session, *, shop_id: int, idempotency_key: str
    ) -> IssuedCoupon | None:
        """The coupon issued under this key, if any (to show a customer their code again)."""
        ...

    def add_points(
        self,
        session: Session,
        clock: Clock,
        *,
        shop_id: int,
        customer_id: int,
        points: int,
        reason: str,
        idempotency_key: str,
    ) -> None:
        """Credit bonus points once per idempotency key."""
        ...
