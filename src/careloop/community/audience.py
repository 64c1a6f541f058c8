"""Who a campaign, launch or invitation is for: an audience as data, and the customers it
resolves to (set-based SQL, so 100,000 customers resolve in one pass).

Filters combine with AND; the values inside one filter with OR. "Everyone" must be asked
for explicitly (`all: true`) so an empty form never mails the whole shop.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, literal, select
from sqlalchemy.orm import Session

from careloop.community.models import GroupMember
from careloop.community.reasons import invalid
from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.models import Customer

FILTERS = ("segments", "tiers", "tags", "skus", "groups", "customers")
_WORD = re.compile(r"^[\w.\-: ]{1,128}$")
# Orders that did not turn into a sale do not make someone a buyer of a product.
NOT_SALES = ("cancelled", "returned")


@dataclass(frozen=True)
class Audience:
    segments: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    groups: tuple[int, ...] = ()
    # Explicit list: the shop's own customer ids (external ids).
    customers: tuple[str, ...] = ()
    everyone: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: list(getattr(self, name)) for name in FILTERS}
        data = {k: v for k, v in data.items() if v}
        if self.everyone:
            data["all"] = True
        return data

    def describe(self) -> str:
        if self.everyone and not self.to_json().keys() - {"all"}:
            return "all customers"
        parts = [f"{name}: {', '.join(map(str, getattr(self, name)))}" for name in FILTERS]
        return "; ".join(p for p, name in zip(parts, FILTERS, strict=True) if getattr(self, name))


def _strings(raw: Any, name: str, errors: list[FieldError]) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, Sequence):
        errors.append(invalid(f"audience.{name}", "list"))
        return ()
    out = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if not _WORD.match(text):
            errors.append(invalid(f"audience.{name}", "bad_value", value=repr(text[:40])))
            continue
        out.append(text)
    return tuple(dict.fromkeys(out))


def parse_audience(raw: Mapping[str, Any] | None) -> Audience:
    """An Audience from JSON/form data; raises ValidationFailed naming the bad filter."""
    from careloop.segments.rfm import SEGMENTS

    data = dict(raw or {})
    errors: list[FieldError] = []
    unknown = set(data) - set(FILTERS) - {"all"}
    for name in sorted(unknown):
        errors.append(invalid(f"audience.{name}", "unknown_filter", options=", ".join(FILTERS)))
    values = {name: _strings(data.get(name), name, errors) for name in FILTERS}
    for seg in values["segments"]:
        if seg not in SEGMENTS:
            errors.append(
                invalid(
                    "audience.segments",
                    "unknown_segment",
                    value=repr(seg),
                    options=", ".join(SEGMENTS),
                )
            )
    groups: list[int] = []
    for g in values["groups"]:
        if not g.isdigit():
            errors.append(invalid("audience.groups", "group_id_number", value=repr(g)))
        else:
            groups.append(int(g))
    everyone = data.get("all") in (True, "true", "1", "on", 1)
    if not everyone and not any(values.values()):
        errors.append(invalid("audience", "no_filter"))
    if errors:
        raise ValidationFailed(errors)
    return Audience(
        segments=values["segments"],
        tiers=values["tiers"],
        tags=values["tags"],
        skus=values["skus"],
        groups=tuple(groups),
        customers=values["customers"],
        everyone=everyone,
    )


def audience_query(shop_id: int, audience: Audience) -> Select[int, list[str]]:
    """SELECT id, tags of the shop's (not erased) customers matching every SQL filter; tags
    are matched by `matches_tags` on the rows (JSON lists differ between databases)."""
    # Tags are fetched only when filtered on: decoding 100,000 JSON lists is not free.
    tags_col: Any = Customer.tags if audience.tags else literal(None).label("tags")
    stmt = select(Customer.id, tags_col).where(
        Customer.shop_id == shop_id, Customer.erased_at.is_(None)
    )
    if audience.segments:
        from careloop.segments.models import CustomerSegment

        stmt = stmt.where(
            Customer.id.in_(
                select(CustomerSegment.customer_id).where(
                    CustomerSegment.shop_id == shop_id,
                    CustomerSegment.segment.in_(audience.segments),
                )
            )
        )
    if audience.tiers:
        from careloop.loyalty.models import LoyaltyMember

        stmt = stmt.where(
            Customer.id.in_(
                select(LoyaltyMember.customer_id).where(
                    LoyaltyMember.shop_id == shop_id, LoyaltyMember.tier.in_(audience.tiers)
                )
            )
        )
    if audience.skus:
        from careloop.orders.models import Order, OrderLine

        stmt = stmt.where(
            Customer.id.in_(
                select(Order.customer_id)
                .join(OrderLine, OrderLine.order_id == Order.id)
                .where(
                    Order.shop_id == shop_id,
                    Order.status.not_in(NOT_SALES),
                    OrderLine.sku.in_(audience.skus),
                )
            )
        )
    if audience.groups:
        stmt = stmt.where(
            Customer.id.in_(
                select(GroupMember.customer_id).where(
                    GroupMember.shop_id == shop_id, GroupMember.group_id.in_(audience.groups)
                )
            )
        )
    if audience.customers:
        stmt = stmt.where(Customer.external_id.in_(audience.customers))
    return stmt.order_by(Customer.id)


def matches_tags(tags: Sequence[str] | None, wanted: Sequence[str]) -> bool:
    if not wanted:
        return True
    have = {t.lower() for t in (tags or [])}
    return any(w.lower() in have for w in wanted)


def resolve_audience(*, session: Session, shop_id: int, audience: Audience) -> list[int]:
    """Customer ids (internal) in the audience, in id order."""
    rows = session.execute(audience_query(shop_id, audience)).all()
    return [int(cid) for cid, tags in rows if matches_tags(tags, audience.tags)]
