"""Exports: everything about one customer (JSON), all customers (CSV in the import format)."""

from __future__ import annotations

from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.csv_safe import safe_writer
from careloop.customers.models import Consent, Customer
from careloop.customers.service import customer_public, get_customer
from careloop.customers.timeline import timeline_for
from careloop.shops.models import Shop

CUSTOMER_COLUMNS = (
    "customer_id",
    "name",
    "email",
    "phone",
    "birthday",
    "locale",
    "timezone",
    "preferred_channel",
    "zalo_user_id",
    "accepts_marketing",
)


def export_customer_data(session: Session, shop: Shop, external_id: str) -> dict[str, Any]:
    """Everything Careloop holds about one customer (data-subject access request)."""
    from careloop.orders.service import order_public, orders_of_customer

    customer = get_customer(session, shop, external_id)
    return {
        "shop": shop.slug,
        "customer": customer_public(session, shop, customer).model_dump(mode="json"),
        "orders": [
            order_public(session, o).model_dump(mode="json")
            for o in orders_of_customer(session, shop, customer.id)
        ],
        "timeline": [
            {
                "type": e.type,
                "occurred_at": e.occurred_at.isoformat(),
                "source": e.source,
                "payload": e.payload,
            }
            for e in timeline_for(session, shop_id=shop.id, customer_id=customer.id, limit=100_000)
        ],
    }


def write_customers_csv(session: Session, shop: Shop, out: TextIO) -> int:
    marketing = {
        cid: state
        for cid, state in session.execute(
            select(Consent.customer_id, Consent.state).where(
                Consent.shop_id == shop.id, Consent.channel == "email"
            )
        )
    }
    writer = safe_writer(out)  # formula cells neutralised (core/csv_safe.py)
    writer.writerow(CUSTOMER_COLUMNS)
    count = 0
    rows = session.scalars(
        select(Customer)
        .where(Customer.shop_id == shop.id, Customer.erased_at.is_(None))
        .order_by(Customer.id)
        .execution_options(yield_per=5000)
    )
    for c in rows:
        state = marketing.get(c.id)
        writer.writerow(
            (
                c.external_id,
                c.name,
                c.email or "",
                c.phone or "",
                c.birthday.isoformat() if c.birthday else "",
                c.locale or "",
                c.timezone or "",
                c.preferred_channel or "",
                c.zalo_user_id or "",
                {"granted": "true", "denied": "false"}.get(state or "", ""),
            )
        )
        count += 1
    return count
