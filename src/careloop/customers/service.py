"""Use cases of customers: upsert, consent changes, look-ups and search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import NotFound
from careloop.core.ids import human_code
from careloop.core.money import to_major
from careloop.customers import identity, search
from careloop.customers.models import Consent, Customer
from careloop.customers.schemas import ConsentPublic, CustomerIn, CustomerPublic
from careloop.customers.timeline import record_event
from careloop.shops.models import Shop

MARKETING_CHANNELS = ("email", "sms", "zalo")
PROFILE_FIELDS = (
    "name",
    "email",
    "phone",
    "birthday",
    "locale",
    "timezone",
    "preferred_channel",
    "gender",
    "zalo_user_id",
    "tags",
)


@dataclass(frozen=True)
class UpsertResult:
    customer: Customer
    created: bool
    changed: bool


def get_customer(session: Session, shop: Shop, external_id: str) -> Customer:
    """By the customer's own id or any id linked to them (customers/identity.py)."""
    customer = identity.customer_by_id(session, shop.id, external_id)
    if customer is None:
        raise NotFound("customer", external_id)
    return customer


def get_customer_by_id(session: Session, shop: Shop, customer_id: int) -> Customer:
    """By internal id, still scoped to the shop: another shop's id is simply not found."""
    customer = session.scalar(
        select(Customer).where(Customer.shop_id == shop.id, Customer.id == customer_id)
    )
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def upsert_customer(
    *, session: Session, clock: Clock, shop: Shop, data: CustomerIn, source: str = "api"
) -> UpsertResult:
    """Create the customer or update the fields that `data` carries; idempotent. A new id
    that is a known person (same phone and name, or same email: customers/identity.py) is
    linked to that customer, and only fills in what the customer's record lacks."""
    existing = identity.customer_by_id(session, shop.id, data.customer_id, source)
    if existing is None:
        customer, created = _resolve_or_insert(session, clock, shop, data, source)
        changed = created or _apply_profile(
            session, clock, shop, customer, data, source, only_blank=True
        )
    else:
        customer, created = existing, False
        own_id = existing.external_id == data.customer_id
        changed = _apply_profile(
            session, clock, shop, customer, data, source, only_blank=not own_id
        )
    changed |= _apply_consents(session, clock, shop, customer, data, source)
    return UpsertResult(customer=customer, created=created, changed=changed)


def _resolve_or_insert(
    session: Session, clock: Clock, shop: Shop, data: CustomerIn, source: str
) -> tuple[Customer, bool]:
    """The person these details belong to (their new id linked), else a new customer."""
    match = identity.find_person(
        session, shop.id, name=data.name, email=data.email, phone=data.phone
    )
    if match is None:
        return _insert_customer(session, clock, shop, data, source)
    identity.link_identity(
        session=session,
        now=clock.now(),
        shop_id=shop.id,
        customer_id=match.customer_id,
        source=source,
        external_id=data.customer_id,
        matched_on=match.matched_on,
    )
    customer = session.get_one(Customer, match.customer_id)
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer.id,
        type=events.CUSTOMER_UPDATED,
        source=source,
        event_key=f"customer:{source}:{data.customer_id}:linked",
        payload={"linked_id": data.customer_id, "source": source, "matched_on": match.matched_on},
        summary=f"{source} {data.customer_id} ({match.matched_on})",
    )
    return customer, False


def _insert_customer(
    session: Session, clock: Clock, shop: Shop, data: CustomerIn, source: str
) -> tuple[Customer, bool]:
    now = clock.now()
    values: dict[str, Any] = {f: getattr(data, f) for f in PROFILE_FIELDS}
    values["name"] = values["name"] or ""
    values["tags"] = values["tags"] or []
    for _attempt in range(5):
        customer = Customer(
            shop_id=shop.id,
            external_id=data.customer_id,
            referral_code=human_code(8),
            created_at=now,
            updated_at=now,
            **values,
        )
        try:
            # A savepoint, so a concurrent insert of the same id (or a referral-code
            # collision) only undoes this row, not the caller's transaction.
            with session.begin_nested():
                session.add(customer)
        except IntegrityError:
            found = session.scalar(
                select(Customer).where(
                    Customer.shop_id == shop.id, Customer.external_id == data.customer_id
                )
            )
            if found is not None:
                _apply_profile(session, clock, shop, found, data, source)
                return found, False
            continue  # referral code collided; draw another
        record_event(
            session=session,
            clock=clock,
            shop_id=shop.id,
            customer_id=customer.id,
            type=events.CUSTOMER_CREATED,
            source=source,
            event_key=f"customer:{customer.external_id}:created",
            summary=customer.name,
        )
        return customer, True
    raise RuntimeError("could not allocate a unique referral code")


def _apply_profile(
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    data: CustomerIn,
    source: str,
    *,
    only_blank: bool = False,
) -> bool:
    """Store what `data` changes; `only_blank` (data under a linked id) fills gaps only, so
    a second source never overwrites what the customer's own record says."""
    changes: dict[str, list[Any]] = {}
    for field in PROFILE_FIELDS:
        if field not in data.model_fields_set:
            continue
        new = getattr(data, field)
        if new is None:
            continue  # absent or blank: keep what we know
        old = getattr(customer, field)
        if only_blank and old:
            continue
        if new != old:
            setattr(customer, field, new)
            changes[field] = [_jsonable(old), _jsonable(new)]
    if not changes:
        return False
    customer.updated_at = clock.now()
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer.id,
        type=events.CUSTOMER_UPDATED,
        source=source,
        payload={"changes": changes},
        summary=", ".join(sorted(changes)),
    )
    return True


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _apply_consents(
    session: Session, clock: Clock, shop: Shop, customer: Customer, data: CustomerIn, source: str
) -> bool:
    wanted: dict[str, str] = {}
    if data.accepts_marketing is not None:
        state = "granted" if data.accepts_marketing else "denied"
        wanted = {channel: state for channel in MARKETING_CHANNELS}
    if data.consents:
        wanted.update({str(k): str(v) for k, v in data.consents.items()})
    changed = False
    for channel, state in wanted.items():
        changed |= set_consent(
            session=session,
            clock=clock,
            shop=shop,
            customer=customer,
            channel=channel,
            state=state,
            source=source,
        )
    return changed


def set_consent(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    customer: Customer,
    channel: str,
    state: str,
    source: str,
) -> bool:
    """Record a marketing-consent change with its time and source; no-op if unchanged."""
    current = session.scalar(
        select(Consent).where(Consent.customer_id == customer.id, Consent.channel == channel)
    )
    if current is not None and current.state == state:
        return False
    now = clock.now()
    old_state = current.state if current is not None else "unknown"
    if current is None:
        session.add(
            Consent(
                shop_id=shop.id,
                customer_id=customer.id,
                channel=channel,
                state=state,
                changed_at=now,
                source=source,
            )
        )
    else:
        current.state, current.changed_at, current.source = state, now, source
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=customer.id,
        type=events.CONSENT_CHANGED,
        source=source,
        payload={"channel": channel, "from": old_state, "to": state},
        summary=f"{channel}: {old_state} → {state}",
    )
    session.flush()
    return True


def consents_of(session: Session, customer: Customer) -> list[Consent]:
    return list(
        session.scalars(
            select(Consent).where(Consent.customer_id == customer.id).order_by(Consent.channel)
        )
    )


def customer_public(session: Session, shop: Shop, customer: Customer) -> CustomerPublic:
    from careloop.orders.models import Order  # orders depend on customers, not the reverse

    count, spent = session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.total_minor), 0)).where(
            Order.customer_id == customer.id, Order.status.not_in(("cancelled", "returned"))
        )
    ).one()
    return CustomerPublic(
        customer_id=customer.external_id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        zalo_user_id=customer.zalo_user_id,
        birthday=customer.birthday,
        locale=customer.locale,
        timezone=customer.timezone,
        preferred_channel=customer.preferred_channel,
        gender=customer.gender,
        tags=list(customer.tags or []),
        referral_code=customer.referral_code,
        consents=[
            ConsentPublic(
                channel=c.channel, state=c.state, changed_at=c.changed_at, source=c.source
            )
            for c in consents_of(session, customer)
        ],
        orders_count=int(count),
        total_spent=str(to_major(int(spent), shop.currency)),
        currency=shop.currency,
        created_at=customer.created_at,
    )


def search_customers(
    session: Session, shop: Shop, query: str = "", *, limit: int = 50, offset: int = 0
) -> tuple[list[Customer], int]:
    """Customers whose name, email, phone or id matches `query`, newest first, with how
    many match (counted up to search.COUNT_CAP)."""
    found = search.search_customers(session, shop.id, query, limit=limit, offset=offset)
    return found.customers, found.total
