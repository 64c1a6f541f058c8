"""Exports: everything about one person (the data-subject export, driven by the same
personal-data declarations as erasure), all customers (CSV in the import format)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.csv_safe import safe_writer
from careloop.core.personal_data import Person, PersonalData
from careloop.customers.models import Consent, Customer
from careloop.customers.service import customer_public, get_customer
from careloop.shops.models import Shop

# Bookkeeping that says nothing about the person (tenancy, worker leases, search folding).
NOT_EXPORTED: Final = frozenset(
    {"shop_id", "lease_owner", "lease_until", "fence", "dedup_id", "search_key"}
)
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
    """Everything Careloop holds about one person (data-subject access request)."""
    return export_person_data(session, shop, get_customer(session, shop, external_id))


def export_person_data(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    """The person behind `customer` (all their records in the shop), one section per
    personal-data declaration: what erasure would remove is exactly what is shown."""
    from careloop.customers.erasure import find_person, person_rows
    from careloop.personal_data_registry import declarations

    person = find_person(session, shop.id, customer)
    data: dict[str, Any] = {
        "shop": shop.slug,
        "customer": customer_public(session, shop, customer).model_dump(mode="json"),
    }
    for declaration in declarations():
        if not declaration.exported:
            continue
        if declaration.export is not None:
            data[declaration.name] = declaration.export(session, person)
        else:
            data[declaration.name] = _rows(session, declaration, person, person_rows)
    return data


def _rows(
    session: Session,
    declaration: PersonalData,
    person: Person,
    where: Callable[[PersonalData, Person], Any],
) -> list[dict[str, Any]]:
    table = declaration.table
    columns = [c for c in table.columns if c.name not in NOT_EXPORTED]
    keys = list(table.primary_key.columns)
    out = []
    for row in session.execute(select(*columns).where(where(declaration, person)).order_by(*keys)):
        values = dict(row._mapping)
        if declaration.search and not any(person.mentions(values[c]) for c in declaration.search):
            continue
        out.append({name: _json(value) for name, value in values.items()})
    return out


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


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
