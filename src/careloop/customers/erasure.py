"""Erasing a customer (the right to be forgotten): the person's data is removed everywhere
Careloop holds it, anonymous aggregates stay (orders, totals, scores), and the erasure
itself is logged without the erased data.

What is erased is not a list kept here: every capability declares its personal data
(`careloop.core.personal_data.PersonalData`, gathered in `careloop.personal_data_registry`),
and this module walks the declarations. Erasing one customer record erases the person:
every record of the shop that shares their email, phone or Zalo id goes with it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Text,
    and_,
    cast,
    delete,
    false,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from careloop.audit.service import audit
from careloop.core.clock import Clock
from careloop.core.personal_data import Person, PersonalData, random_key, unique_terms
from careloop.customers.identity import customer_by_id
from careloop.customers.models import Customer, CustomerIdentity
from careloop.customers.service import get_customer
from careloop.orders.models import Order
from careloop.shops.models import Shop

log = logging.getLogger("careloop.erasure")


@dataclass
class ErasureReport:
    customer_id: str
    scrubbed: dict[str, int] = field(default_factory=dict)
    records: int = 1  # customer records of the person that were erased

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {n}" for name, n in sorted(self.scrubbed.items()) if n)
        return f"customer {self.customer_id} erased" + (f" ({parts})" if parts else "")


def erase_customer(
    *, session: Session, clock: Clock, shop: Shop, external_id: str, actor: str, origin: str = ""
) -> ErasureReport:
    """Remove the person's personal data (this record and every duplicate of them in the
    shop); orders and scores stay, unattributable. Audited. The caller commits, then may
    call `overwrite_freed_pages` so no copy is left in the database file."""
    customer = get_customer(session, shop, external_id)
    return erase_record(
        session=session, clock=clock, shop=shop, customer=customer, actor=actor, origin=origin
    )


def erase_matching(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    external_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    actor: str,
    origin: str = "",
) -> ErasureReport | None:
    """Erase the person a platform names (Shopify `customers/redact` sends its customer id,
    email and phone): found by external id, else by email, else by phone. None when the
    shop holds no such person (nothing to erase is not an error for a platform)."""
    customer = None
    if external_id:
        customer = customer_by_id(session, shop.id, external_id)
    for column, value in ((Customer.email, email), (Customer.phone, phone)):
        if customer is None and value:
            customer = session.scalar(
                select(Customer)
                .where(Customer.shop_id == shop.id, column == value, Customer.erased_at.is_(None))
                .order_by(Customer.id)
                .limit(1)
            )
    if customer is None:
        return None
    return erase_record(
        session=session, clock=clock, shop=shop, customer=customer, actor=actor, origin=origin
    )


def erase_record(
    *, session: Session, clock: Clock, shop: Shop, customer: Customer, actor: str, origin: str = ""
) -> ErasureReport:
    """Erase the person behind one customer record (see `erase_customer`)."""
    from careloop.personal_data_registry import declarations

    report = ErasureReport(customer_id=customer.external_id)
    if customer.erased_at is not None:
        return report
    person = find_person(session, shop.id, customer)
    report.records = len(person.customer_ids)
    report.scrubbed = erase_person(
        session=session, now=clock.now(), person=person, registry=declarations()
    )
    audit(
        session=session,
        clock=clock,
        shop_id=shop.id,
        actor=actor,
        action="customer.erased",
        target=f"customer:{customer.id}",
        # Internal ids and counts only: never the erased data itself.
        detail={"customers": list(person.customer_ids), "scrubbed": report.scrubbed},
        origin=origin,
    )
    return report


def find_person(session: Session, shop_id: int, customer: Customer) -> Person:
    """Every record of the shop that is this person (shared email, phone or Zalo id,
    followed transitively) and every identifier they are known by."""
    records = {customer.id: customer}
    frontier: list[Customer] = [customer]
    while frontier:
        emails = unique_terms(c.email for c in frontier)
        phones = unique_terms(c.phone for c in frontier)
        zalos = unique_terms(c.zalo_user_id for c in frontier)
        matches = [
            *([Customer.email.in_(emails + tuple(e.lower() for e in emails))] if emails else []),
            *([Customer.phone.in_(phones)] if phones else []),
            *([Customer.zalo_user_id.in_(zalos)] if zalos else []),
        ]
        if not matches:
            break
        found = session.scalars(
            select(Customer).where(
                Customer.shop_id == shop_id, Customer.erased_at.is_(None), or_(*matches)
            )
        )
        frontier = [c for c in found if c.id not in records]
        records.update((c.id, c) for c in frontier)
    people = list(records.values())
    ids = tuple(sorted(records))
    addresses = session.scalars(
        select(Order.shipping_address)
        .where(Order.shop_id == shop_id, Order.customer_id.in_(ids))
        .distinct()
    )
    return Person(
        shop_id=shop_id,
        customer_ids=ids,
        external_ids=unique_terms(
            [c.external_id for c in people]
            + list(
                session.scalars(
                    select(CustomerIdentity.external_id).where(
                        CustomerIdentity.customer_id.in_(ids)
                    )
                )
            )
        ),
        names=unique_terms(c.name for c in people),
        emails=unique_terms(e for c in people for e in (c.email, (c.email or "").lower())),
        phones=unique_terms(c.phone for c in people),
        zalo_ids=unique_terms(c.zalo_user_id for c in people),
        streets=_streets(a for a in addresses if a),
    )


def _streets(addresses: Iterable[str]) -> tuple[str, ...]:
    """The address lines and their street part ("12 Phố Hàng Bạc" of "12 Phố Hàng Bạc,
    Hoàn Kiếm, Hà Nội"): a message may quote either."""
    out: set[str] = set()
    for line in addresses:
        out.add(line.strip())
        street = line.split(",")[0].strip()
        if any(ch.isdigit() for ch in street):
            out.add(street)
    return unique_terms(out)


def erase_person(
    *, session: Session, now: datetime, person: Person, registry: Iterable[PersonalData]
) -> dict[str, int]:
    """Apply every declaration to the person's rows; how many rows each changed."""
    session.flush()
    counts = {d.name: _erase_rows(session, d, person, now) for d in registry}
    for declaration in registry:
        if declaration.custom_erase is not None:
            declaration.custom_erase(session, person, now)
    # The ORM's copies of the rows changed above are stale now.
    session.expire_all()
    return counts


def person_rows(declaration: PersonalData, person: Person) -> ColumnElement[bool]:
    """The WHERE clause for the person's rows of the declaration's table (a candidate set
    for `search` declarations, confirmed row by row with `Person.mentions`)."""
    table = declaration.table
    scope = [table.c.shop_id == person.shop_id] if "shop_id" in table.c else []
    if declaration.rows is not None:
        return and_(declaration.rows(person), *scope)
    terms = like_terms(person)
    if not terms:
        return false()
    matches = [
        cast(table.c[column], Text).ilike(f"%{_escape_like(term)}%", escape="\\")
        for column in declaration.search
        for term in terms
    ]
    return and_(or_(*matches), *scope)


def like_terms(person: Person) -> tuple[str, ...]:
    """The identifiers as a database may have stored them: as written, and as JSON
    escapes them (SQLite keeps JSON with \\u escapes for non-ASCII letters)."""
    out: dict[str, None] = {}
    for term in person.literal_terms:
        out[term] = None
        out[json.dumps(term)[1:-1]] = None
    return tuple(out)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _erase_rows(session: Session, declaration: PersonalData, person: Person, now: datetime) -> int:
    table = declaration.table
    where = person_rows(declaration, person)
    if declaration.delete and declaration.rows is not None:
        return int(session.execute(delete(table).where(where)).rowcount or 0)  # type: ignore[attr-defined]
    keys = list(table.primary_key.columns)
    columns = [table.c[name] for name in declaration.personal()]
    count = 0
    for row in session.execute(select(*keys, *columns).where(where)).all():
        values = row._mapping
        if declaration.search and not any(person.mentions(values[c]) for c in declaration.search):
            continue
        match = [key == values[key.name] for key in keys]
        if declaration.delete:
            session.execute(delete(table).where(*match))
            count += 1
            continue
        changes = _changes(declaration, person, values, now)
        if changes:
            session.execute(update(table).where(*match).values(changes))
            count += 1
    return count


def _changes(declaration: PersonalData, person: Person, row: Any, now: datetime) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in declaration.blank.items():
        new = value(row, now) if callable(value) else value
        if new != row[name]:
            changes[name] = new
    for name in declaration.scrub:
        old = row[name]
        if name in changes or old is None:
            continue
        new = person.scrub_text(old) if isinstance(old, str) else person.scrub_json(old)
        if new != old:
            changes[name] = new
    for name in declaration.rekey:
        if person.mentions_in_key(row[name]):
            changes[name] = random_key()
    return changes


def overwrite_freed_pages(engine: Engine) -> None:
    """After an erasure commits on SQLite: copy the WAL into the database file and empty
    it, so the old page images (with the erased data) are gone from both files;
    `secure_delete` (db/engine.py) already zeroed the freed space. Best effort: with a
    reader still open the checkpoint stops early and the next one finishes it."""
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    except Exception as exc:  # the erasure itself is committed; this only tidies the file
        log.warning("checkpoint after erasure failed: %s", exc)
