"""Creating and updating a batch of customers in a few statements, with the same effects
as customers.service.upsert_customer: a `customer.created` event once per customer, a
`customer.updated` event listing changed fields, consents with time and source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Table, and_, bindparam, select, update
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.customers import identity
from careloop.customers.models import Consent, Customer
from careloop.customers.service import MARKETING_CHANNELS
from careloop.imports.bulk import insert_rows
from careloop.imports.fast_values import referral_codes, search_key
from careloop.imports.timeline_rows import event_row, insert_events

CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
CONSENTS: Table = Consent.__table__  # type: ignore[assignment]
# The profile fields an import may set (tags are managed in Careloop, not imported).
IMPORTED_FIELDS: Final = (
    "name",
    "email",
    "phone",
    "birthday",
    "locale",
    "timezone",
    "preferred_channel",
    "zalo_user_id",
    "gender",
)


@dataclass
class CustomerData:
    """What a file says about one customer: only the fields it fills in."""

    external_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    accepts_marketing: bool | None = None
    # When they became a customer (their first order), for the `customer.created` event.
    first_seen: datetime | None = None


@dataclass
class CustomerWrite:
    ids: dict[str, int]
    created: int
    updated: int


@dataclass(frozen=True)
class CustomerWriter:
    session: Session
    shop_id: int
    now: datetime
    source: str
    # True for a customer file: it lists who already is a customer, so `customer.created`
    # is stored dispatched (no journey greets the whole list). False for an orders file:
    # it happened at the first order, and the backfill window decides.
    history: bool

    def write(self, batch: Mapping[str, CustomerData]) -> CustomerWrite:
        stored = self._stored(batch)
        linked = self._linked([data for ext, data in batch.items() if ext not in stored])
        new = [data for ext, data in batch.items() if ext not in stored and ext not in linked]
        ids = {ext: row["id"] for ext, row in stored.items()}
        ids.update(linked)
        ids.update(self._insert(new))
        updated = self._update(batch, stored)
        consent_changed = self._apply_consents(batch, ids)
        updated |= {ext for ext in consent_changed if ext in stored}
        return CustomerWrite(ids=ids, created=len(new), updated=len(updated))

    def _stored(self, batch: Mapping[str, CustomerData]) -> dict[str, dict[str, Any]]:
        columns = [CUSTOMERS.c.id, CUSTOMERS.c.external_id] + [
            CUSTOMERS.c[name] for name in IMPORTED_FIELDS
        ]
        rows = self.session.execute(
            select(*columns).where(
                CUSTOMERS.c.shop_id == self.shop_id, CUSTOMERS.c.external_id.in_(list(batch))
            )
        )
        return {row.external_id: dict(row._mapping) for row in rows}

    def _linked(self, unknown: list[CustomerData]) -> dict[str, int]:
        """Rows whose id is new but whose person is known (an id linked before, or the
        same phone and name, or the same email: customers/identity.py): linked, not added."""
        if not unknown:
            return {}
        found = identity.linked_ids(
            self.session, self.shop_id, [d.external_id for d in unknown], source=self.source
        )
        rest = [d for d in unknown if d.external_id not in found]
        by_phone, by_email = identity.candidates(
            self.session,
            self.shop_id,
            phones=[d.fields.get("phone") or "" for d in rest],
            emails=[d.fields.get("email") or "" for d in rest],
        )
        for data in rest:
            phone, email = data.fields.get("phone"), data.fields.get("email")
            match = identity.choose_match(
                name=data.fields.get("name"),
                email=email,
                phone=phone,
                by_phone=[c for c in by_phone if c.phone == phone],
                by_email=[c for c in by_email if (c.email or "").lower() == (email or "").lower()],
            )
            if match is None:
                continue
            identity.link_identity(
                session=self.session,
                now=self.now,
                shop_id=self.shop_id,
                customer_id=match.customer_id,
                source=self.source,
                external_id=data.external_id,
                matched_on=match.matched_on,
            )
            found[data.external_id] = match.customer_id
        return found

    def _insert(self, new: list[CustomerData]) -> dict[str, int]:
        if not new:
            return {}
        codes = self._referral_codes(len(new))
        rows: list[dict[str, Any]] = []
        for data, code in zip(new, codes, strict=True):
            values = {name: data.fields.get(name) for name in IMPORTED_FIELDS}
            values["name"] = values["name"] or ""
            rows.append(
                {
                    "shop_id": self.shop_id,
                    "external_id": data.external_id,
                    **values,
                    "search_key": _search_key(values, data.external_id),
                    "tags": [],
                    "referral_code": code,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
        insert_rows(self.session, CUSTOMERS, rows, conflict_on=("shop_id", "external_id"))
        ids = {
            ext: cid
            for ext, cid in self.session.execute(
                select(CUSTOMERS.c.external_id, CUSTOMERS.c.id).where(
                    CUSTOMERS.c.shop_id == self.shop_id,
                    CUSTOMERS.c.external_id.in_([d.external_id for d in new]),
                )
            )
        }
        insert_events(
            self.session,
            [
                event_row(
                    shop_id=self.shop_id,
                    customer_id=ids[data.external_id],
                    type=events.CUSTOMER_CREATED,
                    occurred_at=data.first_seen or self.now,
                    now=self.now,
                    source=self.source,
                    event_key=f"customer:{data.external_id}:created",
                    summary=row["name"],
                    history=self.history,
                )
                for data, row in zip(new, rows, strict=True)
            ],
        )
        return ids

    def _referral_codes(self, count: int) -> list[str]:
        """Fresh codes unique in the shop (8 characters: collisions are rare, not impossible)."""
        codes = referral_codes(count)
        while True:
            taken = set(
                self.session.scalars(
                    select(CUSTOMERS.c.referral_code).where(
                        CUSTOMERS.c.shop_id == self.shop_id, CUSTOMERS.c.referral_code.in_(codes)
                    )
                )
            )
            seen: set[str] = set()
            clashes = 0
            for i, code in enumerate(codes):
                if code in taken or code in seen:
                    codes[i] = referral_codes(1)[0]
                    clashes += 1
                seen.add(codes[i])
            if not clashes:
                return codes

    def _update(
        self, batch: Mapping[str, CustomerData], stored: Mapping[str, dict[str, Any]]
    ) -> set[str]:
        rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []
        changed: set[str] = set()
        for ext, old in stored.items():
            changes = {
                name: [_jsonable(old[name]), _jsonable(value)]
                for name, value in batch[ext].fields.items()
                if value is not None and value != old[name]
            }
            if not changes:
                continue
            merged = {name: old[name] for name in IMPORTED_FIELDS}
            merged.update({name: batch[ext].fields[name] for name in changes})
            changed.add(ext)
            rows.append(
                {
                    "_id": old["id"],
                    **merged,
                    "search_key": _search_key(merged, ext),
                    "updated_at": self.now,
                }
            )
            event_rows.append(
                event_row(
                    shop_id=self.shop_id,
                    customer_id=old["id"],
                    type=events.CUSTOMER_UPDATED,
                    occurred_at=self.now,
                    now=self.now,
                    source=self.source,
                    payload={"changes": changes},
                    summary=", ".join(sorted(changes)),
                    history=True,  # a file re-sync is not a live signal for journeys
                )
            )
        if rows:
            # The SET clause comes from the parameters' keys (all rows carry the same ones).
            stmt = update(CUSTOMERS).where(CUSTOMERS.c.id == bindparam("_id"))
            self.session.execute(stmt, rows)
            insert_events(self.session, event_rows)
        return changed

    def _apply_consents(
        self, batch: Mapping[str, CustomerData], ids: Mapping[str, int]
    ) -> set[str]:
        wanted = {
            ids[ext]: ("granted" if data.accepts_marketing else "denied", ext)
            for ext, data in batch.items()
            if data.accepts_marketing is not None
        }
        if not wanted:
            return set()
        current = {
            (cid, channel): state
            for cid, channel, state in self.session.execute(
                select(CONSENTS.c.customer_id, CONSENTS.c.channel, CONSENTS.c.state).where(
                    CONSENTS.c.shop_id == self.shop_id, CONSENTS.c.customer_id.in_(list(wanted))
                )
            )
        }
        inserts, updates, event_rows, changed = [], [], [], set()
        for cid, (state, ext) in wanted.items():
            for channel in MARKETING_CHANNELS:
                old = current.get((cid, channel))
                if old == state:
                    continue
                changed.add(ext)
                values = {"state": state, "changed_at": self.now, "source": self.source}
                if old is None:
                    inserts.append(
                        {"shop_id": self.shop_id, "customer_id": cid, "channel": channel, **values}
                    )
                else:
                    updates.append({"_cid": cid, "_channel": channel, **values})
                event_rows.append(
                    event_row(
                        shop_id=self.shop_id,
                        customer_id=cid,
                        type=events.CONSENT_CHANGED,
                        occurred_at=self.now,
                        now=self.now,
                        source=self.source,
                        payload={"channel": channel, "from": old or "unknown", "to": state},
                        summary=f"{channel}: {old or 'unknown'} → {state}",
                        history=True,  # a file re-sync is not a live signal for journeys
                    )
                )
        if inserts:
            insert_rows(self.session, CONSENTS, inserts)
        if updates:
            stmt = update(CONSENTS).where(
                and_(
                    CONSENTS.c.customer_id == bindparam("_cid"),
                    CONSENTS.c.channel == bindparam("_channel"),
                )
            )
            self.session.execute(stmt, updates)
        insert_events(self.session, event_rows)
        return changed


def _search_key(values: Mapping[str, Any], external_id: str) -> str:
    """Core statements skip the ORM listener that keeps the key in step: set it here."""
    return search_key(values, external_id)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
