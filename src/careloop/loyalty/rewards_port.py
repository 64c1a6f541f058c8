"""The loyalty programme's implementation of the `Rewards` port, and an in-memory one for
callers' unit tests (no database: balances, tiers and privileges set by the test)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.ports import IssuedCoupon
from careloop.customers.models import Customer
from careloop.loyalty import coupons, entitlements, membership, points, service
from careloop.loyalty.models import Coupon
from careloop.shops.models import Shop


def issued(coupon: Coupon) -> IssuedCoupon:
    return IssuedCoupon(
        id=coupon.id,
        code=coupon.code,
        currency=coupon.currency,
        expires_at=coupon.expires_at,
        max_discount_minor=coupon.max_discount_minor,
        min_order_minor=coupon.min_order_minor or 0,
        free_shipping=bool(coupon.free_shipping),
        product_skus=tuple(coupon.product_skus or ()),
        categories=tuple(coupon.categories or ()),
    )


def _shop(session: Session, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)  # the caller's object, from the identity map
    if shop is None:
        raise LookupError(f"no shop {shop_id}")
    return shop


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise LookupError(f"no customer {customer_id}")
    return customer


class LoyaltyRewards:
    """Rewards from the loyalty tables (ledger, members, entitlements, coupons)."""

    def points_balance(self, session: Session, *, shop_id: int, customer_id: int) -> int:
        return points.points_balance(session=session, shop_id=shop_id, customer_id=customer_id)

    def tier(self, session: Session, *, shop_id: int, customer_id: int) -> str | None:
        return membership.current_tier(session=session, shop_id=shop_id, customer_id=customer_id)

    def tier_names(self, session: Session, *, shop_id: int, locale: str) -> dict[str, str]:
        from careloop.loyalty.tier_names import shop_tier_labels

        return shop_tier_labels(session, shop_id, locale)

    def is_active_member(self, session: Session, *, shop_id: int, customer_id: int) -> bool:
        return membership.is_active_member(
            session=session, shop_id=shop_id, customer_id=customer_id
        )

    def program_on(self, session: Session, *, shop_id: int) -> bool:
        return membership.program_on(session=session, shop_id=shop_id, customer_id=0)

    def entitlements(
        self, session: Session, *, shop_id: int, customer_id: int, now: datetime
    ) -> set[str]:
        return entitlements.active_entitlements(
            session=session, shop_id=shop_id, customer_id=customer_id, now=now
        )

    def warranty_privileges(
        self,
        session: Session,
        *,
        shop_id: int,
        customer_id: int,
        bought_at: datetime,
        now: datetime,
    ) -> set[str]:
        return entitlements.warranty_privileges(
            session=session, shop_id=shop_id, customer_id=customer_id, bought_at=bought_at, now=now
        )

    def warranty_ends(self, *, start: date, warranty_days: int, privileges: set[str]) -> date:
        return entitlements.warranty_ends(
            start=start, warranty_days=warranty_days, privileges=privileges
        )

    def percent_code_terms(self, session: Session, *, shop_id: int) -> tuple[int | None, int]:
        return service.percent_code_terms(session=session, shop=_shop(session, shop_id))

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
        coupon = coupons.issue_coupon(
            session=session,
            clock=clock,
            shop=_shop(session, shop_id),
            customer=None if customer_id is None else _customer(session, customer_id),
            reason=reason,
            idempotency_key=idempotency_key,
            percent_off=percent_off,
            amount_off_minor=amount_off_minor,
            valid_days=valid_days,
            free_shipping=free_shipping,
            max_uses=max_uses,
            min_order_minor=min_order_minor,
            source=source,
            max_discount_minor=max_discount_minor,
            product_skus=product_skus,
            categories=categories,
            gift_card_minor=gift_card_minor,
        )
        return issued(coupon)

    def find_coupon(
        self, session: Session, *, shop_id: int, idempotency_key: str
    ) -> IssuedCoupon | None:
        coupon = session.scalar(
            select(Coupon).where(
                Coupon.shop_id == shop_id, Coupon.idempotency_key == idempotency_key
            )
        )
        return None if coupon is None else issued(coupon)

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
        service.add_points(
            session=session,
            clock=clock,
            shop=_shop(session, shop_id),
            customer=_customer(session, customer_id),
            points=points,
            reason=reason,
            idempotency_key=idempotency_key,
        )


@dataclass
class FakeRewards:
    """In memory: balances, tiers and privileges as the test sets them; coupons and points
    recorded once per idempotency key, like the real ledger."""

    balances: dict[int, int] = field(default_factory=dict)
    tiers: dict[int, str] = field(default_factory=dict)
    active_members: set[int] = field(default_factory=set)
    running: bool = True
    privileges: dict[int, set[str]] = field(default_factory=dict)
    terms: tuple[int | None, int] = (None, 0)
    coupons: dict[str, IssuedCoupon] = field(default_factory=dict)
    coupon_requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    credited: dict[str, tuple[int, int, str]] = field(default_factory=dict)

    def points_balance(self, session: Session, *, shop_id: int, customer_id: int) -> int:
        return self.balances.get(customer_id, 0)

    def tier(self, session: Session, *, shop_id: int, customer_id: int) -> str | None:
        return self.tiers.get(customer_id)

    def is_active_member(self, session: Session, *, shop_id: int, customer_id: int) -> bool:
        return customer_id in self.active_members

    def tier_names(self, session: Session, *, shop_id: int, locale: str) -> dict[str, str]:
        return {}

    def program_on(self, session: Session, *, shop_id: int) -> bool:
        return self.running

    def entitlements(
        self, session: Session, *, shop_id: int, customer_id: int, now: datetime
    ) -> set[str]:
        return set(self.privileges.get(customer_id, set()))

    def warranty_privileges(
        self,
        session: Session,
        *,
        shop_id: int,
        customer_id: int,
        bought_at: datetime,
        now: datetime,
    ) -> set[str]:
        return set(self.privileges.get(customer_id, set()))

    def warranty_ends(self, *, start: date, warranty_days: int, privileges: set[str]) -> date:
        return entitlements.warranty_ends(
            start=start, warranty_days=warranty_days, privileges=privileges
        )

    def percent_code_terms(self, session: Session, *, shop_id: int) -> tuple[int | None, int]:
        return self.terms

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
        if idempotency_key not in self.coupons:
            self.coupon_requests[idempotency_key] = {
                "customer_id": customer_id,
                "reason": reason,
                "percent_off": percent_off,
                "amount_off_minor": amount_off_minor,
                "max_discount_minor": max_discount_minor,
                "min_order_minor": min_order_minor,
            }
            self.coupons[idempotency_key] = IssuedCoupon(
                id=len(self.coupons) + 1,
                code=f"FAKE{len(self.coupons) + 1}",
                currency="VND",
                expires_at=clock.now() + timedelta(days=valid_days),
                max_discount_minor=max_discount_minor,
                min_order_minor=min_order_minor,
                free_shipping=free_shipping,
                product_skus=tuple(product_skus or ()),
                categories=tuple(categories or ()),
            )
        return self.coupons[idempotency_key]

    def find_coupon(
        self, session: Session, *, shop_id: int, idempotency_key: str
    ) -> IssuedCoupon | None:
        return self.coupons.get(idempotency_key)

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
        if idempotency_key not in self.credited:
            self.credited[idempotency_key] = (customer_id, points, reason)
            self.balances[customer_id] = self.balances.get(customer_id, 0) + points
