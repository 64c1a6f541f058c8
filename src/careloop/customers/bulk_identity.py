"""Who the customers of a batch of orders are, found in a few statements (the inbox's
batched apply, docs/decisions/0029-batched-apply.md).

The rules are customers/identity.py's, unchanged; this module only asks them for many
customers at once. It settles the cases whose outcome needs no judgement, and hands back
every other one for `customers.service.upsert_customer`, one at a time:
- the customer's own id, or an id linked to them, is known (the repeat buyer): the stored
  customer; a name, email or phone changed under the own id is written as `upsert_customer`
  writes it, with its `customer.updated` event;
- the id is unknown and no live customer shares the phone or the email (the new buyer):
  created here, with its `customer.created` event, as `upsert_customer` would.
Everything else (a phone or email that may link a new id to a person, a change under a
linked id, a marketing consent that changes anything or is a new customer's, tags, a second
id of a person another id in the call changes) goes the one-at-a-time way, which also
writes the events that case needs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.ids import human_code
from careloop.customers import identity
from careloop.customers.models import Consent, Customer, CustomerIdentity
from careloop.customers.schemas import CustomerIn
from careloop.customers.search_key import customer_search_key
from careloop.customers.service import MARKETING_CHANNELS, PROFILE_FIELDS
from careloop.customers.timeline import event_row, record_events

CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
REFERRAL_CODE_LENGTH = 8
# Fields an order may say about its customer (orders.service._ensure_customer).
ORDER_FIELDS = ("name", "email", "phone")
# A platform order's marketing consent (connectors.bulk): settled here when it is unchanged.
CONSENT_FIELDS = ("accepts_marketing", "consents")


@dataclass(frozen=True)
class Resolved:
    """External id -> customer id for the settled customers; `undecided` need the
    one-at-a-time upsert (their ids, in the order they were asked)."""

    ids: dict[str, int]
    created: set[str]
    undecided: list[str]


def settled_only(data: CustomerIn) -> bool:
    """Only the fields an order carries and a marketing consent: tags and the rest go one
    at a time."""
    return data.model_fields_set <= {"customer_id", *ORDER_FIELDS, *CONSENT_FIELDS}


def wanted_consents(data: CustomerIn) -> dict[str, str]:
    """Channel -> state the data asks for (customers.service._apply_consents)."""
    wanted: dict[str, str] = {}
    if data.accepts_marketing is not None:
        state = "granted" if data.accepts_marketing else "denied"
        wanted = dict.fromkeys(MARKETING_CHANNELS, state)
    if data.consents:
        wanted.update({str(k): str(v) for k, v in data.consents.items()})
    return wanted


def resolve_customers(
    session: Session,
    *,
    now: datetime,
    shop_id: int,
    wanted: Sequence[CustomerIn],
    source: str,
    creatable: Collection[str] | None = None,
) -> Resolved:
    """Settle the customers of `wanted` (distinct ids, phones and emails: the caller keeps
    two orders of one person out of one call) and create the new ones; with `creatable`,
    only those ids may be created (an unknown other id is left undecided)."""
    by_id = {d.customer_id: d for d in wanted}
    undecided = [d.customer_id for d in wanted if not settled_only(d)]
    asked = [d for d in wanted if d.customer_id not in set(undecided)]
    known = _known(session, shop_id, [d.customer_id for d in asked], source)
    consenting = [d for d in asked if wanted_consents(d)]
    stored_consents = _consents(
        session, {known[d.customer_id][0] for d in consenting if d.customer_id in known}
    )
    for data in consenting:
        # A consent that changes anything (or a new customer's) is written one at a time,
        # with its consent.changed event; an unchanged one is a no-op there too.
        found = known.get(data.customer_id)
        if found is None or any(
            stored_consents.get((found[0], channel)) != state
            for channel, state in wanted_consents(data).items()
        ):
            undecided.append(data.customer_id)
    asked = [d for d in asked if d.customer_id not in set(undecided)]
    ids: dict[str, int] = {}
    updates: list[tuple[int, dict[str, Any], dict[str, list[Any]]]] = []
    seen: dict[int, bool] = {}  # customer id -> whether an earlier id of theirs changes them
    for data in asked:
        found = known.get(data.customer_id)
        if found is None:
            continue
        customer_id, own, stored = found
        changes = _changes(data, stored, only_blank=not own)
        if (changes and not own) or (customer_id in seen and (changes or seen[customer_id])):
            # A change through a linked id (it fills blanks the own id may fill first), or
            # two ids of one person, one changing them: weighed one at a time. So a bulk
            # write changes a customer's row only through its own id (inbox_bulk.hold_keys).
            undecided.append(data.customer_id)
            continue
        seen[customer_id] = bool(changes)
        if changes:
            updates.append((customer_id, stored, changes))
        ids[data.customer_id] = customer_id
    _update_profiles(session, now=now, shop_id=shop_id, updates=updates, source=source)
    unknown = [d for d in asked if d.customer_id not in known]
    if creatable is not None:
        undecided += [d.customer_id for d in unknown if d.customer_id not in creatable]
        unknown = [d for d in unknown if d.customer_id in creatable]
    by_phone, by_email = identity.candidates(
        session,
        shop_id,
        phones=[d.phone for d in unknown if d.phone],
        emails=[d.email for d in unknown if d.email],
    )
    phones = {c.phone for c in by_phone}
    emails = {(c.email or "").lower() for c in by_email}
    new: list[CustomerIn] = []
    for data in unknown:
        # A shared phone or email may be this person under another id: the rules decide,
        # one at a time (and write the link and its event).
        if (data.phone and data.phone in phones) or (data.email and data.email.lower() in emails):
            undecided.append(data.customer_id)
        else:
            new.append(data)
    ids.update(_insert(session, now=now, shop_id=shop_id, new=new, source=source))
    order = {ext: i for i, ext in enumerate(by_id)}
    return Resolved(
        ids=ids,
        created={d.customer_id for d in new},
        undecided=sorted(set(undecided), key=order.__getitem__),
    )


def _consents(session: Session, customer_ids: set[int]) -> dict[tuple[int, str], str]:
    """(customer id, channel) -> stored consent state."""
    if not customer_ids:
        return {}
    found = session.execute(
        select(Consent.customer_id, Consent.channel, Consent.state).where(
            Consent.customer_id.in_(customer_ids)
        )
    )
    return {(customer_id, channel): state for customer_id, channel, state in found}


def _known(
    session: Session, shop_id: int, external_ids: list[str], source: str
) -> dict[str, tuple[int, bool, dict[str, Any]]]:
    """External id -> (customer id, is it their own id, stored order fields), as
    `identity.customer_by_id` finds them: the own id first, else a linked id (one linked
    from `source` first, then the oldest)."""
    if not external_ids:
        return {}
    columns = [CUSTOMERS.c.id, CUSTOMERS.c.external_id, *(CUSTOMERS.c[f] for f in ORDER_FIELDS)]
    found: dict[str, tuple[int, bool, dict[str, Any]]] = {}
    for row in session.execute(
        select(*columns).where(
            CUSTOMERS.c.shop_id == shop_id, CUSTOMERS.c.external_id.in_(external_ids)
        )
    ):
        found[row.external_id] = (row.id, True, _stored(row))
    rest = [e for e in external_ids if e not in found]
    if not rest:
        return found
    links: dict[str, tuple[int, int, int]] = {}  # external id -> (rank, link id, customer)
    for external, customer_id, link_source, link_id in session.execute(
        select(
            CustomerIdentity.external_id,
            CustomerIdentity.customer_id,
            CustomerIdentity.source,
            CustomerIdentity.id,
        ).where(CustomerIdentity.shop_id == shop_id, CustomerIdentity.external_id.in_(rest))
    ):
        candidate = (0 if link_source == source else 1, link_id, customer_id)
        if external not in links or candidate < links[external]:
            links[external] = candidate
    if links:
        stored = {
            row.id: _stored(row)
            for row in session.execute(
                select(*columns).where(CUSTOMERS.c.id.in_({c for _, _, c in links.values()}))
            )
        }
        for external, (_rank, _link, customer_id) in links.items():
            found[external] = (customer_id, False, stored[customer_id])
    return found


def _stored(row: Any) -> dict[str, Any]:
    return {f: row._mapping[f] for f in ("external_id", *ORDER_FIELDS)}


def _changes(data: CustomerIn, stored: dict[str, Any], *, only_blank: bool) -> dict[str, list[Any]]:
    """What `upsert_customer` would change in this stored customer (its `_apply_profile`):
    field -> [old, new]."""
    changes: dict[str, list[Any]] = {}
    for field in ORDER_FIELDS:
        if field not in data.model_fields_set:
            continue
        new, old = getattr(data, field), stored[field]
        if new is None or (only_blank and old):
            continue
        if new != old:
            changes[field] = [old, new]
    return changes


def _update_profiles(
    session: Session,
    *,
    now: datetime,
    shop_id: int,
    updates: list[tuple[int, dict[str, Any], dict[str, list[Any]]]],
    source: str,
) -> None:
    """Changed names, emails and phones (under the customers' own ids) in one statement,
    each with the `customer.updated` event `upsert_customer` records
    (customers.service._apply_profile), the search key refreshed as the ORM listener
    refreshes it."""
    if not updates:
        return
    updates = sorted(updates, key=lambda update_: update_[0])  # one lock order (inbox_bulk)
    rows = []
    for customer_id, stored, changes in updates:
        values = {**{f: stored[f] for f in ORDER_FIELDS}, **{f: c[1] for f, c in changes.items()}}
        key = customer_search_key(
            name=values["name"],
            email=values["email"],
            phone=values["phone"],
            external_id=stored["external_id"],
        )
        rows.append({"_id": customer_id, **values, "search_key": key, "updated_at": now})
    session.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == bindparam("_id")), rows)
    record_events(
        session,
        [
            event_row(
                now=now,
                shop_id=shop_id,
                customer_id=customer_id,
                type=events.CUSTOMER_UPDATED,
                source=source,
                payload={"changes": changes},
                summary=", ".join(sorted(changes)),
            )
            for customer_id, _stored, changes in updates
        ],
    )
    # Customers this session loaded before (an earlier row applied one at a time) must be
    # read again, not taken from the identity map.
    for customer_id, *_ in updates:
        loaded = session.identity_map.get(session.identity_key(Customer, customer_id))
        if loaded is not None:
            session.expire(loaded)


def _insert(
    session: Session, *, now: datetime, shop_id: int, new: list[CustomerIn], source: str
) -> dict[str, int]:
    """New customers in one statement, each with its `customer.created` event."""
    if not new:
        return {}
    codes = _referral_codes(session, shop_id, len(new))
    rows = [
        {
            "shop_id": shop_id,
            "external_id": data.customer_id,
            **{f: getattr(data, f) for f in PROFILE_FIELDS},
            "name": data.name or "",
            "tags": [],
            "referral_code": code,
            "created_at": now,
            "updated_at": now,
        }
        for data, code in zip(new, codes, strict=True)
    ]
    inserted = session.execute(
        insert(CUSTOMERS).returning(CUSTOMERS.c.id, CUSTOMERS.c.external_id), rows
    )
    ids = {external: customer_id for customer_id, external in inserted}
    record_events(
        session,
        [
            event_row(
                now=now,
                shop_id=shop_id,
                customer_id=ids[row["external_id"]],
                type=events.CUSTOMER_CREATED,
                source=source,
                event_key=f"customer:{row['external_id']}:created",
                summary=row["name"],
            )
            for row in rows
        ],
    )
    return ids


def _referral_codes(session: Session, shop_id: int, count: int) -> list[str]:
    """Fresh codes, unique in the shop (collisions are rare, not impossible)."""
    codes = [human_code(REFERRAL_CODE_LENGTH) for _ in range(count)]
    while True:
        taken = set(
            session.scalars(
                select(CUSTOMERS.c.referral_code).where(
                    CUSTOMERS.c.shop_id == shop_id, CUSTOMERS.c.referral_code.in_(codes)
                )
            )
        )
        seen: set[str] = set()
        clashes = 0
        for i, code in enumerate(codes):
            if code in taken or code in seen:
                codes[i] = human_code(REFERRAL_CODE_LENGTH)
                clashes += 1
            seen.add(codes[i])
        if not clashes:
            return codes
