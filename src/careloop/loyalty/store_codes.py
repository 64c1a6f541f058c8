"""Coupons created in the shop's store (Shopify, WooCommerce, Haravan, Sapo) before the
message carrying them goes out, and used up there when Careloop redeems them.

A coupon's `store_status` is a small state machine, kept in the database and driven by the
`loyalty.store_codes` worker task (no HTTP call inside a business transaction):

    issue (shop has store API credentials) -> pending -> synced
                                      pending -> refused (store_error; retried at store_next_at)
    redeemed/revoked in Careloop:     synced  -> use_up  -> used_up

The worker claims due rows with a lease (`store_next_at` moved LEASE_SECONDS ahead, FOR
UPDATE SKIP LOCKED on PostgreSQL), calls the store outside any transaction, then records the
answer. A message whose text carries a code still `pending` or `refused` is held by the send
gate below (it stays queued, with the reason) until the code exists in the store.

A shop without credentials gets `store_status` None: its codes are entered in the store by
hand, from the CSV export on the coupon page."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from careloop.connectors import discounts
from careloop.connectors.discounts import Credentials, StoreCode, StoreRefused
from careloop.connectors.models import Connector
from careloop.core.clock import Clock
from careloop.core.money import to_major
from careloop.customers.models import Customer
from careloop.loyalty.models import Coupon
from careloop.orders.models import Product

LEASE_SECONDS: Final = 120
RETRY_BASE_SECONDS: Final = 60
RETRY_MAX_SECONDS: Final = 3600
# A held message looks again at least this often (the code may have been created meanwhile).
RECHECK_SECONDS: Final = 60
BATCH_SIZE: Final = 50
PENDING, REFUSED, SYNCED, USE_UP, USED_UP = "pending", "refused", "synced", "use_up", "used_up"
HOLDING: Final = (PENDING, REFUSED)
DUE: Final = (PENDING, REFUSED, USE_UP)


def store_connector(session: Session, shop_id: int) -> tuple[Connector, Credentials] | None:
    """The shop's enabled connector with complete store API credentials, if any."""
    rows = session.scalars(
        select(Connector)
        .where(
            Connector.shop_id == shop_id,
            Connector.platform.in_(discounts.PLATFORMS),
            Connector.disabled_at.is_(None),
        )
        .order_by(Connector.id)
    )
    for connector in rows:
        creds = discounts.credentials_of(connector.platform, connector.api_credentials)
        if creds is not None:
            return connector, creds
    return None


def plan_store_code(session: Session, clock: Clock, coupon: Coupon) -> None:
    """A new coupon of a shop with store API access waits to be created there."""
    found = store_connector(session, coupon.shop_id)
    if found is None:
        return
    coupon.store_status = PENDING
    coupon.store_platform = found[0].platform
    coupon.store_next_at = clock.now()


def mark_used_up(coupon: Coupon, now: datetime) -> None:
    """Careloop used the coupon up (or revoked it): make it unusable in the store too."""
    exhausted = coupon.revoked_at is not None or (
        coupon.max_uses is not None and coupon.used_count >= coupon.max_uses
    )
    if exhausted and coupon.store_status == SYNCED:
        coupon.store_status = USE_UP
        coupon.store_next_at = now
        coupon.store_attempts = 0


@dataclass(frozen=True)
class Targets:
    """The store's ids a product-limited coupon is limited to."""

    product_ids: tuple[str, ...] = ()
    variant_ids: tuple[str, ...] = ()


def store_targets(coupon: Coupon, catalogue: Sequence[Product]) -> Targets:
    """Pure: the coupon's skus and categories as the store's product/variant ids, from the
    catalogue rows the store's product webhooks filled. A sku (or a category with no such
    product) the store's ids are not known for raises StoreRefused naming it: a code limited
    to products must never reach the store as a code for everything."""
    skus = list(coupon.product_skus or [])
    categories = [c.casefold() for c in coupon.categories or []]
    if not skus and not categories:
        return Targets()
    by_sku = {p.sku: p for p in catalogue}
    chosen: dict[str, Product] = {}
    unknown = [sku for sku in skus if not (by_sku.get(sku) and by_sku[sku].store_product_id)]
    chosen |= {sku: by_sku[sku] for sku in skus if sku not in unknown}
    for name, wanted in zip(coupon.categories or [], categories, strict=True):
        rows = [
            p for p in catalogue if (p.category or "").casefold() == wanted and p.store_product_id
        ]
        if not rows:
            unknown.append(f"category {name}")
        chosen |= {p.sku: p for p in rows}
    if unknown:
        raise StoreRefused(
            "the store's product id is not known for "
            + ", ".join(unknown)
            + " (its product webhook has not arrived): the code is not created, so it "
            "cannot apply to every product"
        )
    rows = sorted(chosen.values(), key=lambda p: p.sku)
    products = tuple(dict.fromkeys(str(p.store_product_id) for p in rows))
    variants = tuple(str(p.store_variant_id) for p in rows if p.store_variant_id)
    return Targets(products, variants if len(variants) == len(rows) else ())


def catalogue_for(session: Session, coupon: Coupon) -> list[Product]:
    """The catalogue rows a product-limited coupon may name (none for other coupons)."""
    if not coupon.product_skus and not coupon.categories:
        return []
    return list(session.scalars(select(Product).where(Product.shop_id == coupon.shop_id)))


def store_code_of(
    coupon: Coupon, customer_email: str | None = None, targets: Targets | None = None
) -> StoreCode:
    """What the coupon means at the store's checkout: the one place that reads coupon
    columns for the store. A percentage's cap travels for the record only (no store's
    discount API can cap a percentage; the coupon page says so next to the code)."""
    targets = targets or Targets()
    return StoreCode(
        code=coupon.code,
        kind=coupon.kind,
        currency=coupon.currency,
        starts_at=coupon.created_at,
        percent=coupon.percent_off,
        amount=to_major(coupon.amount_off_minor, coupon.currency)
        if coupon.amount_off_minor
        else None,
        min_order=to_major(coupon.min_order_minor or 0, coupon.currency),
        usage_limit=coupon.max_uses,
        expires_at=coupon.expires_at,
        customer_email=customer_email if coupon.customer_id else None,
        title=f"Careloop {coupon.code}",
        max_discount=to_major(coupon.max_discount_minor, coupon.currency)
        if coupon.max_discount_minor
        else None,
        product_ids=targets.product_ids,
        variant_ids=targets.variant_ids,
        free_shipping=bool(coupon.free_shipping),
    )


def retry_delay(attempts: int) -> timedelta:
    """Pure: 1, 2, 4 ... minutes after each failure, at most an hour."""
    seconds = RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, RETRY_MAX_SECONDS))


@dataclass(frozen=True)
class _Job:
    coupon_id: int
    status: str
    ref: str | None
    code: StoreCode
    creds: Credentials | None
    # Why the code cannot be created as it stands (a product the store's ids are unknown for).
    refusal: str | None = None


def claim_due(session: Session, now: datetime, limit: int = BATCH_SIZE) -> list[_Job]:
    """Lease due coupons (pending, refused past their retry time, use_up) for one call each."""
    coupons = session.scalars(
        select(Coupon)
        .where(
            Coupon.store_status.in_(DUE),
            or_(Coupon.store_next_at.is_(None), Coupon.store_next_at <= now),
        )
        .order_by(Coupon.store_next_at, Coupon.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    jobs = []
    for coupon in coupons:
        coupon.store_next_at = now + timedelta(seconds=LEASE_SECONDS)
        found = store_connector(session, coupon.shop_id)
        email = None
        if coupon.customer_id is not None:
            customer = session.get(Customer, coupon.customer_id)
            email = customer.email if customer is not None else None
        refusal, targets = None, Targets()
        if coupon.store_status != USE_UP:
            try:
                targets = store_targets(coupon, catalogue_for(session, coupon))
            except StoreRefused as exc:
                refusal = str(exc)
        jobs.append(
            _Job(
                coupon.id,
                str(coupon.store_status),
                coupon.store_ref,
                store_code_of(coupon, email, targets),
                found[1] if found else None,
                refusal,
            )
        )
    return jobs


Outcome = tuple[str, str | None]  # ("ok", store ref) or ("failed", reason)
Caller = Callable[[_Job], Outcome]


def call_store(job: _Job, sender: discounts.Sender | None = None) -> Outcome:
    """One call to the store for a job; never raises."""
    if job.creds is None:
        return "failed", "the store connector has no API credentials any more"
    if job.refusal is not None:
        return "failed", job.refusal
    try:
        if job.status == USE_UP:
            discounts.use_up_code(job.creds, job.ref or "", sender)
            return "ok", job.ref
        return "ok", discounts.create_code(job.creds, job.code, sender)
    except StoreRefused as exc:
        return "failed", f"{job.creds.platform} refused: {exc}"
    except discounts.SendError as exc:
        return "failed", f"{job.creds.platform}: {exc.reason}"


def record(session: Session, now: datetime, job: _Job, outcome: Outcome) -> None:
    coupon = session.get(Coupon, job.coupon_id, with_for_update=True)
    if coupon is None or coupon.store_status not in DUE:
        return
    result, detail = outcome
    if result == "ok":
        coupon.store_error = None
        coupon.store_attempts = 0
        coupon.store_next_at = None
        if job.status == USE_UP:
            coupon.store_status = USED_UP
            return
        coupon.store_status, coupon.store_ref, coupon.synced_at = SYNCED, detail, now
        # Redeemed or revoked here while the call was in flight: use it up there too.
        mark_used_up(coupon, now)
        return
    coupon.store_attempts += 1
    coupon.store_error = (detail or "")[:500]
    coupon.store_next_at = now + retry_delay(coupon.store_attempts)
    if job.status != USE_UP:
        coupon.store_status = REFUSED


def sync_due(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    limit: int = BATCH_SIZE,
    caller: Caller = call_store,
) -> int:
    """One pass of the worker: claim, call each store outside a transaction, record."""
    with sessions() as session, session.begin():
        jobs = claim_due(session, clock.now(), limit)
    for job in jobs:
        outcome = caller(job)
        with sessions() as session, session.begin():
            record(session, clock.now(), job, outcome)
    return len(jobs)


def retry_now(session: Session, clock: Clock, coupon: Coupon) -> None:
    """Staff asked to try the store again now (after fixing the credentials)."""
    if coupon.store_status in DUE:
        coupon.store_next_at = clock.now()


def holds(
    session: Session, messages: Sequence[Any], now: datetime
) -> dict[int, tuple[datetime, str]]:
    """The send gate: messages carrying a code the store does not have yet wait, with why."""
    shops = {m.shop_id for m in messages}
    customers = {m.customer_id for m in messages}
    if not shops:
        return {}
    waiting = session.scalars(
        select(Coupon).where(
            Coupon.shop_id.in_(shops),
            Coupon.store_status.in_(HOLDING),
            or_(Coupon.customer_id.in_(customers), Coupon.customer_id.is_(None)),
        )
    ).all()
    if not waiting:
        return {}
    held: dict[int, tuple[datetime, str]] = {}
    for message in messages:
        text = json.dumps(
            (message.rendered or {}).get(message.channel or "") or {}, ensure_ascii=False
        )
        for coupon in waiting:
            if coupon.shop_id != message.shop_id or coupon.code not in text:
                continue
            # Looked at again soon: staff may retry the store at any moment.
            until = now + timedelta(seconds=RECHECK_SECONDS)
            reason = f"waiting for code {coupon.code} to be created in the store" + (
                f": {coupon.store_error}" if coupon.store_error else ""
            )
            held[message.id] = (until, reason[:500])
            break
    return held


def send_gate(
    session: Session, messages: Sequence[Any], now: datetime
) -> dict[int, tuple[datetime, str]]:
    return holds(session, messages, now)
