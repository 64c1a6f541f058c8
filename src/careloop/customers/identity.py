"""Identity resolution: one person is one customer per shop.

Every source that brings a customer (the REST API, CSV imports, each platform connector,
inbound email) asks this module who the person is before a record is created, in this
order:

1. the id itself: the customer's own `external_id`, or an id already linked to a customer
   (`customer_identities`, which remembers each id with its source; like the customers'
   own ids, which the REST API has always shared across sources, a linked id names one
   person in the shop, so the API accepts any of them);
2. the phone, normalised to E.164 (0909 998 877, 0909998877, 84909998877 and +84909998877
   are one number, `core/phone.py`), when the names are compatible;
3. the email, case-insensitive, when the phones do not disagree.

A match links the new id to the existing customer instead of creating another one.

What is linked without asking staff, and why:
- the same platform id: the platform says it is one person;
- the same phone AND a compatible name (either side has no name, or every word of one name
  is in the other, without diacritics and in any order: "Lan" and "Nguyễn Thị Lan", "Lan
  Nguyen" and "Nguyễn Thị Lan"). In Vietnam a family often shares one phone, so the same
  phone with different names ("Nguyễn Văn An" and "Nguyễn Thị Lan") is NOT merged;
- the same email AND phones that do not disagree (either side has no phone, or the same
  one): an email address is personal, but the same email with two different phones may be
  a shop assistant's address typed for walk-in buyers.
What is not linked becomes its own customer and is listed for staff as a possible duplicate
(`possible_duplicates`); staff merge it (customers/merge.py) or leave it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from careloop.customers.models import Customer, CustomerIdentity
from careloop.customers.search_key import fold

MATCHED_ON_PHONE = "phone"
MATCHED_ON_EMAIL = "email"
MATCHED_ON_MERGE = "merge"
DUPLICATES_LIMIT = 200


@dataclass(frozen=True)
class Candidate:
    """What the rules need to know about a stored customer."""

    id: int
    name: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class Match:
    customer_id: int
    matched_on: str


def names_compatible(a: str | None, b: str | None) -> bool:
    """Either name missing, or every word of one is a word of the other (folded)."""
    words_a, words_b = set(fold(a or "").split()), set(fold(b or "").split())
    if not words_a or not words_b:
        return True
    return words_a <= words_b or words_b <= words_a


def phones_compatible(a: str | None, b: str | None) -> bool:
    """Either phone missing, or the same E.164 number."""
    return not a or not b or a == b


def choose_match(
    *,
    name: str | None,
    email: str | None,
    phone: str | None,
    by_phone: Sequence[Candidate],
    by_email: Sequence[Candidate],
) -> Match | None:
    """The pure rule: the oldest customer sharing the phone with a compatible name, else
    the oldest sharing the email whose phone does not disagree; None means a new customer."""
    if phone:
        for candidate in sorted(by_phone, key=lambda c: c.id):
            if candidate.phone == phone and names_compatible(candidate.name, name):
                return Match(candidate.id, MATCHED_ON_PHONE)
    if email:
        for candidate in sorted(by_email, key=lambda c: c.id):
            same = (candidate.email or "").lower() == email.lower()
            if same and phones_compatible(candidate.phone, phone):
                return Match(candidate.id, MATCHED_ON_EMAIL)
    return None


def customer_by_id(
    session: Session, shop_id: int, external_id: str, source: str | None = None
) -> Customer | None:
    """The customer known by `external_id`: their own id, else an id linked to them (one
    linked from `source` first, then from any source: the REST API takes any linked id)."""
    own = session.scalar(
        select(Customer).where(Customer.shop_id == shop_id, Customer.external_id == external_id)
    )
    if own is not None:
        return own
    order = [CustomerIdentity.id]
    if source is not None:
        order.insert(0, case((CustomerIdentity.source == source, 0), else_=1))  # type: ignore[arg-type]
    return session.scalar(
        select(Customer)
        .join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id)
        .where(CustomerIdentity.shop_id == shop_id, CustomerIdentity.external_id == external_id)
        .order_by(*order)
        .limit(1)
    )


def linked_ids(
    session: Session, shop_id: int, external_ids: Iterable[str], *, source: str | None = None
) -> dict[str, int]:
    """Linked id -> customer id, for the ids of `external_ids` that are linked ones."""
    keys = list(set(external_ids))
    if not keys:
        return {}
    query = (
        select(CustomerIdentity.external_id, CustomerIdentity.customer_id)
        .where(CustomerIdentity.shop_id == shop_id, CustomerIdentity.external_id.in_(keys))
        .order_by(CustomerIdentity.id.desc())
    )
    if source is not None:
        query = query.where(CustomerIdentity.source == source)
    rows = session.execute(query)
    return {external: customer for external, customer in rows}


def candidates(
    session: Session, shop_id: int, *, phones: Iterable[str], emails: Iterable[str]
) -> tuple[list[Candidate], list[Candidate]]:
    """Live customers of the shop with one of the phones, and with one of the emails."""
    out: list[list[Candidate]] = []
    for column, raw in ((Customer.phone, phones), (Customer.email, emails)):
        values = sorted({v for value in raw if value for v in (value, value.lower())})
        if not values:
            out.append([])
            continue
        rows = session.execute(
            select(Customer.id, Customer.name, Customer.email, Customer.phone)
            .where(Customer.shop_id == shop_id, Customer.erased_at.is_(None), column.in_(values))
            .order_by(Customer.id)
        )
        out.append([Candidate(r.id, r.name, r.email, r.phone) for r in rows])
    return out[0], out[1]


def find_person(
    session: Session, shop_id: int, *, name: str | None, email: str | None, phone: str | None
) -> Match | None:
    """The existing customer these details belong to, by the rules above (phone, email)."""
    by_phone, by_email = candidates(
        session, shop_id, phones=[phone] if phone else [], emails=[email] if email else []
    )
    return choose_match(name=name, email=email, phone=phone, by_phone=by_phone, by_email=by_email)


def link_identity(
    *,
    session: Session,
    now: datetime,
    shop_id: int,
    customer_id: int,
    source: str,
    external_id: str,
    matched_on: str,
) -> None:
    """Remember that `external_id` (from `source`) is this customer; already linked is fine."""
    try:
        with session.begin_nested():
            session.add(
                CustomerIdentity(
                    shop_id=shop_id,
                    customer_id=customer_id,
                    source=source[:64],
                    external_id=external_id,
                    matched_on=matched_on,
                    created_at=now,
                )
            )
    except IntegrityError:
        pass  # a concurrent arrival of the same id linked it first


def identities_of(session: Session, customer_id: int) -> list[CustomerIdentity]:
    return list(
        session.scalars(
            select(CustomerIdentity)
            .where(CustomerIdentity.customer_id == customer_id)
            .order_by(CustomerIdentity.id)
        )
    )


@dataclass(frozen=True)
class PossibleDuplicate:
    """Two live customers that may be one person, and why staff should look."""

    first: Customer
    second: Customer
    reason: str  # "phone" (same phone, different names) or "email" (same email, two phones)


def possible_duplicates(
    session: Session, shop_id: int, *, limit: int = DUPLICATES_LIMIT
) -> list[PossibleDuplicate]:
    """Pairs the rules would not link on their own: the same phone with different names,
    or the same email with different phones. Oldest pair first."""
    a, b = aliased(Customer), aliased(Customer)
    live = and_(
        a.shop_id == shop_id,
        b.shop_id == shop_id,
        a.id < b.id,
        a.erased_at.is_(None),
        b.erased_at.is_(None),
    )
    found: dict[tuple[int, int], PossibleDuplicate] = {}
    for reason, same in (
        ("phone", and_(a.phone.is_not(None), a.phone == b.phone)),
        ("email", and_(a.email.is_not(None), a.email == b.email)),
    ):
        rows = session.execute(select(a, b).where(live, same).order_by(a.id, b.id).limit(limit))
        for first, second in rows:
            found.setdefault((first.id, second.id), PossibleDuplicate(first, second, reason))
    return sorted(found.values(), key=lambda d: (d.first.id, d.second.id))[:limit]


def duplicates_of(
    session: Session, customer: Customer, *, limit: int = DUPLICATES_LIMIT
) -> list[tuple[Customer, str]]:
    """Other live customers of the shop sharing this one's phone or email, with the reason
    (one indexed look-up each, for the customer page)."""
    found: dict[int, tuple[Customer, str]] = {}
    for reason, column, value in (
        ("phone", Customer.phone, customer.phone),
        ("email", Customer.email, customer.email),
    ):
        if not value:
            continue
        others = session.scalars(
            select(Customer)
            .where(
                Customer.shop_id == customer.shop_id,
                column == value,
                Customer.id != customer.id,
                Customer.erased_at.is_(None),
            )
            .order_by(Customer.id)
            .limit(limit)
        )
        for other in others:
            found.setdefault(other.id, (other, reason))
    return list(found.values())[:limit]
