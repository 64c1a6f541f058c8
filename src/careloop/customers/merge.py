"""Staff merge two customer records of one person, and undo a merge from the audit log.

Everything that belongs to the duplicate moves to the survivor: every row of every table
with a foreign key to `customers` (timeline, orders, consents, points ledger and loyalty
membership, coupons, tickets, messages, feedback, community memberships, linked ids ...).
The tables are found in the schema, not listed by hand, and each must have a policy in
MERGE_POLICIES: a table nobody thought about makes a merge refuse (and a test fail) rather
than be lost by the cascade when the duplicate's record goes.

A row that cannot move because the survivor already has its twin (a unique constraint over
the customer column: one loyalty membership, one consent per channel, one RSVP per event)
is dropped and kept, whole, in the audit entry. For consents the more restrictive state
wins on the survivor (denied over unknown over granted). The survivor's blank profile
fields are filled from the duplicate, and the duplicate's id is linked to the survivor, so
the platforms and the API still find the person by it.

Undo reads the audit entry: the duplicate's record comes back with its own id, the moved
rows move back, dropped rows are inserted again, and the survivor's consents and profile
fields get their earlier values. What happened to the survivor after the merge stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Column, Date, DateTime, Table, delete, insert, select, update
from sqlalchemy.orm import Session

from careloop.audit.models import AuditEntry
from careloop.audit.service import audit
from careloop.core import events
from careloop.core.clock import Clock
from careloop.core.errors import Conflict, NotFound
from careloop.customers.identity import MATCHED_ON_MERGE, link_identity
from careloop.customers.models import Customer, CustomerIdentity
from careloop.customers.timeline import record_event
from careloop.db.base import Base
from careloop.shops.models import Shop

CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
MERGED: Final = "customer.merged"
MERGE_UNDONE: Final = "customer.merge_undone"
MOVE: Final = "move"
CONSENT: Final = "consent"

# Every (table, column) holding a customer's id, and how a merge treats it. `move` moves
# the rows, dropping (and keeping in the audit entry) those the survivor already has a
# twin of; `consent` does the same but lets the more restrictive state win.
MERGE_POLICIES: Final[dict[tuple[str, str], str]] = {
    ("community_ambassadors", "customer_id"): MOVE,
    ("community_group_members", "customer_id"): MOVE,
    ("community_launch_invites", "customer_id"): MOVE,
    ("community_rsvps", "customer_id"): MOVE,
    ("community_sends", "customer_id"): MOVE,
    ("community_ugc_entries", "customer_id"): MOVE,
    ("consents", "customer_id"): CONSENT,
    ("contact_preferences", "customer_id"): MOVE,
    ("coupons", "customer_id"): MOVE,
    ("coupon_redemptions", "customer_id"): MOVE,
    ("customer_identities", "customer_id"): MOVE,
    ("customer_segments", "customer_id"): MOVE,
    ("journey_enrollments", "customer_id"): MOVE,
    ("loyalty_entitlements", "customer_id"): MOVE,
    ("loyalty_ledger", "customer_id"): MOVE,
    ("loyalty_members", "customer_id"): MOVE,
    ("loyalty_store_actions", "customer_id"): MOVE,
    ("messages", "customer_id"): MOVE,
    ("orders", "customer_id"): MOVE,
    ("referrals", "advocate_id"): MOVE,
    ("referrals", "friend_id"): MOVE,
    ("review_requests", "customer_id"): MOVE,
    ("reviews", "customer_id"): MOVE,
    ("segment_changes", "customer_id"): MOVE,
    ("support_staff_tasks", "customer_id"): MOVE,
    ("support_tickets", "customer_id"): MOVE,
    ("survey_responses", "customer_id"): MOVE,
    ("timeline_events", "customer_id"): MOVE,
}
# Most restrictive first: a "no" anywhere is a "no" on the merged customer.
CONSENT_ORDER: Final = ("denied", "unknown", "granted")
# Profile fields a merge fills on the survivor when the survivor's are blank.
FILLED_FIELDS: Final = (
    "name",
    "email",
    "phone",
    "zalo_user_id",
    "birthday",
    "locale",
    "timezone",
    "preferred_channel",
    "gender",
)


class MergeRefused(Conflict):
    """The two records cannot be merged (or the merge cannot be undone); says why."""


def customer_columns() -> list[tuple[Table, Column[Any]]]:
    """Every (table, column) of the schema with a foreign key to customers.id."""
    import careloop.db.models  # noqa: F401  (every capability's tables in the metadata)

    found: list[tuple[Table, Column[Any]]] = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "customers" for fk in column.foreign_keys):
                found.append((table, column))
    return found


def unhandled_columns() -> list[str]:
    """`table.column` holding a customer id that MERGE_POLICIES does not cover."""
    return sorted(
        f"{table.name}.{column.name}"
        for table, column in customer_columns()
        if (table.name, column.name) not in MERGE_POLICIES
    )


def merge_customers(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    survivor: Customer,
    duplicate: Customer,
    actor: str,
    origin: str = "",
) -> AuditEntry:
    """Move everything of `duplicate` to `survivor`, delete the duplicate's record, link its
    id, and audit what moved (enough for `undo_merge` to put it back exactly)."""
    _check_mergeable(shop, survivor, duplicate)
    session.flush()
    snapshot = _row(session, CUSTOMERS, duplicate.id)
    moved: dict[str, list[int]] = {}
    dropped: dict[str, list[dict[str, Any]]] = {}
    consents_before: dict[str, str] = {}
    for table, column in customer_columns():
        policy = MERGE_POLICIES[(table.name, column.name)]
        key = f"{table.name}.{column.name}"
        gone, changed = _drop_twins(session, table, column, survivor.id, duplicate.id, policy)
        if gone:
            dropped.setdefault(table.name, []).extend(gone)
        consents_before.update(changed)
        ids = list(session.scalars(select(table.c.id).where(column == duplicate.id)))
        if ids:
            session.execute(update(table).where(table.c.id.in_(ids)).values({column: survivor.id}))
            moved[key] = ids
    profile_before = _fill_profile(survivor, snapshot)
    session.expunge(duplicate)
    session.execute(delete(CUSTOMERS).where(CUSTOMERS.c.id == duplicate.id))
    link_identity(
        session=session,
        now=clock.now(),
        shop_id=shop.id,
        customer_id=survivor.id,
        source=MATCHED_ON_MERGE,
        external_id=snapshot["external_id"],
        matched_on=MATCHED_ON_MERGE,
    )
    survivor.updated_at = clock.now()
    record_event(
        session=session,
        clock=clock,
        shop_id=shop.id,
        customer_id=survivor.id,
        type=events.CUSTOMER_UPDATED,
        source="staff",
        payload={"merged": snapshot["external_id"], "by": actor},
        summary=f"merged {snapshot['external_id']}",
    )
    session.flush()
    session.expire_all()  # the bulk moves above changed rows the session may hold
    return audit(
        session=session,
        clock=clock,
        shop_id=shop.id,
        actor=actor,
        action=MERGED,
        target=f"customer:{survivor.id}",
        detail={
            "survivor": survivor.id,
            "duplicate": _jsonable(snapshot),
            "moved": moved,
            "dropped": {name: [_jsonable(r) for r in rows] for name, rows in dropped.items()},
            "consents_before": consents_before,
            "profile_before": _jsonable(profile_before),
        },
        origin=origin,
    )


def undo_merge(
    *, session: Session, clock: Clock, shop: Shop, entry_id: int, actor: str, origin: str = ""
) -> AuditEntry:
    """Put back what the merge audited as `entry_id` moved; refused if already undone."""
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.shop_id == shop.id, AuditEntry.id == entry_id)
    )
    if entry is None or entry.action != MERGED:
        raise NotFound("merge", entry_id)
    if merge_undone(session, shop.id, entry_id):
        raise MergeRefused("this merge was already undone")
    detail = entry.detail
    survivor = session.get(Customer, int(detail["survivor"]))
    if survivor is None or survivor.shop_id != shop.id or survivor.erased_at is not None:
        raise MergeRefused("the merged customer was erased or removed since; nothing to undo")
    customers = CUSTOMERS
    duplicate = _restored(customers, detail["duplicate"])
    clash = session.scalar(
        select(customers.c.id).where(
            customers.c.shop_id == shop.id,
            customers.c.external_id == duplicate["external_id"],
        )
    )
    if clash is not None:
        raise MergeRefused(f"customer id {duplicate['external_id']!r} is in use again")
    session.execute(
        delete(CustomerIdentity).where(
            CustomerIdentity.shop_id == shop.id,
            CustomerIdentity.customer_id == survivor.id,
            CustomerIdentity.source == MATCHED_ON_MERGE,
            CustomerIdentity.external_id == duplicate["external_id"],
        )
    )
    session.execute(insert(customers), [duplicate])
    tables = {table.name: table for table, _ in customer_columns()}
    for key, ids in detail["moved"].items():
        name, column = key.split(".")
        table = tables[name]
        session.execute(
            update(table)
            .where(table.c.id.in_(ids), table.c[column] == survivor.id)
            .values({column: duplicate["id"]})
        )
    for name, rows in detail["dropped"].items():
        session.execute(insert(tables[name]), [_restored(tables[name], r) for r in rows])
    _restore_consents(session, survivor.id, detail["consents_before"])
    for field, value in _restored(customers, detail["profile_before"]).items():
        setattr(survivor, field, value)
    survivor.updated_at = clock.now()
    session.flush()
    session.expire_all()
    return audit(
        session=session,
        clock=clock,
        shop_id=shop.id,
        actor=actor,
        action=MERGE_UNDONE,
        target=f"audit:{entry_id}",
        detail={"survivor": survivor.id, "duplicate": duplicate["id"]},
        origin=origin,
    )


def merge_undone(session: Session, shop_id: int, entry_id: int) -> bool:
    return (
        session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.shop_id == shop_id,
                AuditEntry.action == MERGE_UNDONE,
                AuditEntry.target == f"audit:{entry_id}",
            )
        )
        is not None
    )


def _check_mergeable(shop: Shop, survivor: Customer, duplicate: Customer) -> None:
    if survivor.id == duplicate.id:
        raise MergeRefused("a customer cannot be merged with itself")
    if survivor.shop_id != shop.id or duplicate.shop_id != shop.id:
        raise NotFound("customer", duplicate.id)
    if survivor.erased_at is not None or duplicate.erased_at is not None:
        raise MergeRefused("an erased customer cannot be merged")
    missing = unhandled_columns()
    if missing:
        # A new table with a customer id that no one decided about: refuse, lose nothing.
        raise MergeRefused(f"merge does not know these customer columns: {', '.join(missing)}")


def _row(session: Session, table: Table, row_id: int) -> dict[str, Any]:
    return dict(session.execute(select(table).where(table.c.id == row_id)).mappings().one())


def _twin_keys(table: Table, column: Column[Any]) -> list[list[Column[Any]]]:
    """The other columns of each unique constraint that includes `column`."""
    keys: list[list[Column[Any]]] = []
    for constraint in table.constraints:
        names = [c.name for c in getattr(constraint, "columns", [])]
        if type(constraint).__name__ == "UniqueConstraint" and column.name in names:
            keys.append([table.c[n] for n in names if n != column.name])
    return keys


def _drop_twins(
    session: Session, table: Table, column: Column[Any], survivor: int, duplicate: int, policy: str
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Delete the duplicate's rows whose twin the survivor already has; return them whole,
    and (for consents) the survivor's states before the more restrictive one won."""
    gone: list[dict[str, Any]] = []
    consents_before: dict[str, str] = {}
    for others in _twin_keys(table, column):
        mine = session.execute(select(table).where(column == duplicate)).mappings().all()
        for row in mine:
            same = [c == row[c.name] for c in others]
            twin = (
                session.execute(select(table).where(column == survivor, *same)).mappings().first()
            )
            if twin is None:
                continue
            if policy == CONSENT:
                stricter = min((twin["state"], row["state"]), key=lambda s: _consent_rank(str(s)))
                if stricter != twin["state"]:
                    consents_before[str(twin["channel"])] = str(twin["state"])
                    session.execute(
                        update(table).where(table.c.id == twin["id"]).values(state=stricter)
                    )
            gone.append(dict(row))
            session.execute(delete(table).where(table.c.id == row["id"]))
    return gone, consents_before


def _consent_rank(state: str) -> int:
    return CONSENT_ORDER.index(state) if state in CONSENT_ORDER else 0


def _restore_consents(session: Session, customer_id: int, before: Mapping[str, str]) -> None:
    consents: Table = Base.metadata.tables["consents"]
    for channel, state in before.items():
        session.execute(
            update(consents)
            .where(consents.c.customer_id == customer_id, consents.c.channel == channel)
            .values(state=state)
        )


def _fill_profile(survivor: Customer, duplicate: Mapping[str, Any]) -> dict[str, Any]:
    """Fill the survivor's blank fields from the duplicate; the old values, for undo."""
    before: dict[str, Any] = {}
    for field in FILLED_FIELDS:
        if not getattr(survivor, field) and duplicate.get(field):
            before[field] = getattr(survivor, field)
            setattr(survivor, field, duplicate[field])
    if duplicate.get("tags"):
        before["tags"] = list(survivor.tags or [])
        survivor.tags = sorted(set(survivor.tags or []) | set(duplicate["tags"]))
    return before


def _jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}


def _restored(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row from its audit form: dates and times parsed back by their column's type."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        column_type = table.c[name].type
        impl = getattr(column_type, "impl", column_type)
        if isinstance(value, str) and isinstance(impl, DateTime):
            out[name] = datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(impl, Date):
            out[name] = date.fromisoformat(value)
        else:
            out[name] = value
    return out
