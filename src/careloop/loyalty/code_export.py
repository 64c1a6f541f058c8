"""The CSV of coupon codes a shop without store API access enters in its store by hand
(most platforms' admin can bulk-import or at least copy from a spreadsheet): every code that
can still be used and is not in the store. Cells pass core.csv_safe (no formulas)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from careloop.core.csv_safe import safe_writer
from careloop.core.money import to_major
from careloop.customers.models import Customer
from careloop.loyalty.models import Coupon

HEADER = (
    "code",
    "discount_type",
    "value",
    "currency",
    "minimum_order",
    "usage_limit",
    "used",
    "starts_at",
    "ends_at",
    "customer_email",
    "reason",
)
TYPES = {"percent": "percentage", "fixed": "fixed_amount", "free_shipping": "free_shipping"}


def codes_to_enter(session: Session, shop_id: int, now: datetime) -> list[tuple[Coupon, str]]:
    """Usable codes not created in the store, oldest first, with the customer's email."""
    rows = session.execute(
        select(Coupon, Customer.email)
        .outerjoin(Customer, Customer.id == Coupon.customer_id)
        .where(
            Coupon.shop_id == shop_id,
            Coupon.store_status.is_(None),
            Coupon.revoked_at.is_(None),
            or_(Coupon.expires_at.is_(None), Coupon.expires_at > now),
            or_(Coupon.max_uses.is_(None), Coupon.used_count < Coupon.max_uses),
        )
        .order_by(Coupon.id)
    ).all()
    return [(coupon, email or "") for coupon, email in rows]


def _value(coupon: Coupon) -> str:
    if coupon.kind == "percent":
        return str(coupon.percent_off or 0)
    if coupon.kind == "fixed":
        return str(to_major(coupon.amount_off_minor or 0, coupon.currency))
    return "0"


def codes_csv(rows: Iterable[tuple[Coupon, str]]) -> str:
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(HEADER)
    for coupon, email in rows:
        writer.writerow(
            (
                coupon.code,
                TYPES.get(coupon.kind, coupon.kind),
                _value(coupon),
                coupon.currency,
                str(to_major(coupon.min_order_minor or 0, coupon.currency)),
                "" if coupon.max_uses is None else coupon.max_uses,
                coupon.used_count,
                coupon.created_at.isoformat(),
                coupon.expires_at.isoformat() if coupon.expires_at else "",
                email,
                coupon.reason,
            )
        )
    return out.getvalue()
