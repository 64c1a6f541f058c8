"""Store actions carried out in the shop's store, by the `loyalty.store_actions` worker task,
with the same lease / call-outside-a-transaction / record / back-off machinery as the store
codes (loyalty/store_codes.py) and the same network-guarded HTTP (connectors/discounts.py):

    pending -> done
    pending -> refused (error; retried at next_at, 1, 2, 4 ... minutes, at most an hour)
    pending -> refused for good when the platform cannot do it (next_at None)

Shopify: the Customer resource of the Admin REST API 2024-01 (shopify.dev/docs/api/admin-rest
/2024-01/resources/customer, "Retrieve a single customer" and "Update a customer's tags";
request/answer samples in the official Ruby SDK Shopify/shopify-api-ruby
test/rest/2024_01/customer_test.rb, test_12 and test_15). `tags` is one comma-separated
string that replaces the old one, so the current tags are read first and the whole list is
written back with the tag added or removed: a repeated grant adds nothing, a loss removes
the tag once, other tags (the shop's own) are kept.

Haravan and Sapo: no documented customer-tag update body was found (Haravan lists
POST/DELETE /com/customers/{id}/tags.json without a published body; Sapo publishes no
customer tags API), so their actions are refused as "not supported" rather than guessed.
WooCommerce has no customer tags: free shipping is the customer's own coupon (REST API v3,
woocommerce/woocommerce-rest-api-docs source/includes/wp-api-v3/_coupons.md: "Coupon
properties" `free_shipping` "If true and if the free shipping method requires a coupon, this
coupon will enable free shipping", `email_restrictions` "List of email addresses that can use
this coupon"; the "List all coupons" sample's free-shipping coupon is `fixed_cart` with
amount 0). Granted: looked up by its code (`GET /coupons?code=`), created if absent; lost:
deleted (`DELETE /coupons/<id>?force=true`). The customer types the code at checkout, and the
shop's Free shipping method must ask for "A valid free shipping coupon". A coupon cannot make
express shipping free, so that is refused as not supported; early access is not asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from careloop.connectors import discounts
from careloop.connectors.discounts import Credentials, Request, StoreRefused
from careloop.connectors.models import Connector
from careloop.core.attention import URGENT, AttentionItem
from careloop.core.clock import Clock
from careloop.customers.models import Customer, CustomerIdentity, TimelineEvent
from careloop.loyalty.config import FREE_EXPRESS_SHIPPING, FREE_SHIPPING
from careloop.loyalty.models import StoreAction
from careloop.loyalty.store_actions import DUE
from careloop.loyalty.store_codes import LEASE_SECONDS, retry_delay

BATCH_SIZE: Final = 50
PENDING, DONE, REFUSED = "pending", "done", "refused"
SUPPORTED: Final = ("shopify",)
WOO_COUPONS: Final = "/wp-json/wc/v3/coupons"
WOO_COUPON_NOTE: Final = "Careloop loyalty: free shipping for this member"
SHOPIFY_CUSTOMER: Final = f"/admin/api/{discounts.SHOPIFY_API_VERSION}/customers/{{id}}.json"
ERROR_LENGTH: Final = 500
MEMBERS_URL: Final = "/loyalty"
CAUSE_LENGTH: Final = 120


def unsupported_reason(platform: str, action: str, entitlement: str = "") -> str | None:
    """Pure: why `platform` cannot carry out `action` (for `entitlement`), or None when it can."""
    if platform in SUPPORTED and action in ("tag_customer", "remove_tag_customer"):
        return None
    if platform == "woocommerce":
        if action in ("shipping_rule", "remove_shipping_rule") and entitlement == FREE_SHIPPING:
            return None
        if entitlement == FREE_EXPRESS_SHIPPING:
            return (
                "not supported by woocommerce: a coupon can only turn on the Free shipping"
                " method, not free express shipping"
            )
        return "not supported by woocommerce: customers have no tags in WooCommerce"
    return f"not supported by {platform}: no documented customer tags API"


def free_shipping_coupon(code: str, email: str) -> dict[str, Any]:
    """Pure: the WooCommerce coupon body that gives one customer free shipping, every time
    (no usage limit, no expiry: the privilege lasts until the loss deletes the coupon), and
    combines with other codes (`individual_use` false)."""
    return {
        "code": code,
        "discount_type": "fixed_cart",
        "amount": "0",
        "free_shipping": True,
        "individual_use": False,
        "email_restrictions": [email],
        "description": WOO_COUPON_NOTE,
    }


def split_tags(tags: str | None) -> list[str]:
    """Pure: Shopify's comma-separated `tags` string as a list (blanks dropped)."""
    return [t.strip() for t in (tags or "").split(",") if t.strip()]


def changed_tags(current: list[str], tag: str, *, add: bool) -> list[str] | None:
    """Pure: the full tag list after adding or removing `tag`, or None when nothing changes
    (Shopify tags are not case sensitive)."""
    present = any(t.lower() == tag.lower() for t in current)
    if add:
        return None if present else [*current, tag]
    return [t for t in current if t.lower() != tag.lower()] if present else None


@dataclass(frozen=True)
class _Job:
    action_id: int
    platform: str
    action: str
    value: str
    external_id: str | None
    creds: Credentials | None
    email: str | None = None


def _credentials(session: Session, shop_id: int, platform: str) -> Credentials | None:
    for connector in session.scalars(
        select(Connector)
        .where(
            Connector.shop_id == shop_id,
            Connector.platform == platform,
            Connector.disabled_at.is_(None),
        )
        .order_by(Connector.id)
    ):
        creds = discounts.credentials_of(platform, connector.api_credentials)
        if creds is not None:
            return creds
    return None


def _store_customer_id(session: Session, row: StoreAction, platform: str) -> str | None:
    """The customer's id in the store: an id linked from that platform, else the customer's
    own id when it came from that platform (their timeline has the platform's events and the
    id is the platform's number, not a guest's "email:..." key): the connector stores a
    first-seen platform customer under the platform's id, without a separate link."""
    linked = session.scalar(
        select(CustomerIdentity.external_id)
        .where(
            CustomerIdentity.shop_id == row.shop_id,
            CustomerIdentity.customer_id == row.customer_id,
            CustomerIdentity.source == platform,
        )
        .order_by(CustomerIdentity.id)
        .limit(1)
    )
    if linked is not None:
        return linked
    own = session.scalar(
        select(Customer.external_id).where(
            Customer.id == row.customer_id, Customer.shop_id == row.shop_id
        )
    )
    from_platform = session.scalar(
        select(TimelineEvent.id)
        .where(
            TimelineEvent.shop_id == row.shop_id,
            TimelineEvent.customer_id == row.customer_id,
            TimelineEvent.source.in_((platform, f"webhook:{platform}")),
        )
        .limit(1)
    )
    return own if own and own.isdigit() and from_platform is not None else None


def _superseded(session: Session, row: StoreAction) -> bool:
    """A later action on the same tag for the same customer and store decides."""
    later = session.scalar(
        select(func.count())
        .select_from(StoreAction)
        .where(
            StoreAction.shop_id == row.shop_id,
            StoreAction.customer_id == row.customer_id,
            StoreAction.note == row.note,
            StoreAction.value == row.value,
            StoreAction.id > row.id,
        )
    )
    return bool(later)


def _email(session: Session, row: StoreAction) -> str | None:
    return session.scalar(
        select(Customer.email).where(
            Customer.id == row.customer_id, Customer.shop_id == row.shop_id
        )
    )


def claim_due(session: Session, now: datetime, limit: int = BATCH_SIZE) -> list[_Job]:
    """Lease due actions; those the platform cannot do, or a later action overrides, are
    settled here without a call."""
    rows = session.scalars(
        select(StoreAction)
        .where(
            StoreAction.status.in_(DUE),
            StoreAction.next_at.is_not(None) | (StoreAction.status == PENDING),
            or_(StoreAction.next_at.is_(None), StoreAction.next_at <= now),
        )
        .order_by(StoreAction.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    jobs = []
    for row in rows:
        platform = row.note or ""
        if _superseded(session, row):
            row.status, row.done_at, row.next_at, row.error = DONE, now, None, None
            continue
        reason = unsupported_reason(platform, row.action, row.entitlement)
        if reason is not None:
            row.status, row.error, row.next_at = REFUSED, reason, None
            continue
        row.next_at = now + timedelta(seconds=LEASE_SECONDS)
        jobs.append(
            _Job(
                row.id,
                platform,
                row.action,
                row.value,
                _store_customer_id(session, row, platform),
                _credentials(session, row.shop_id, platform),
                _email(session, row) if platform == "woocommerce" else None,
            )
        )
    return jobs


Outcome = tuple[bool, str | None]  # (done, why not)
Sender = discounts.Sender


def call_store(job: _Job, sender: Sender | None = None) -> Outcome:
    """Carry the action out in the store (Shopify tags, WooCommerce coupon); never raises."""
    if job.creds is None:
        return False, f"the {job.platform} connector has no API credentials"
    send = sender or discounts.send
    try:
        if job.platform == "woocommerce":
            if not job.email:
                return False, "the customer has no email address for the WooCommerce coupon"
            _woocommerce_coupon(job, job.creds, job.email, send)
            return True, None
        if not job.external_id:
            return False, f"the customer is not linked to a {job.platform} customer id yet"
        _shopify_tags(job, job.creds, job.external_id, send)
        return True, None
    except StoreRefused as exc:
        return False, f"{job.platform} refused: {exc}"
    except discounts.SendError as exc:
        return False, f"{job.platform}: {exc.reason}"
    except ValueError:
        return False, f"{job.platform}: the customer id {job.external_id!r} is not a number"


def _shopify_tags(job: _Job, creds: Credentials, customer_id: str, send: Sender) -> None:
    """Read the customer's tags, write the whole list back if the tag changes it."""
    path = SHOPIFY_CUSTOMER.format(id=customer_id)
    answer: dict[str, Any] = send(creds, Request("GET", path, params={"fields": "id,tags"}))
    current = split_tags((answer.get("customer") or {}).get("tags"))
    tags = changed_tags(current, job.value, add=job.action == "tag_customer")
    if tags is not None:
        body = {"customer": {"id": int(customer_id), "tags": ", ".join(tags)}}
        send(creds, Request("PUT", path, body))


def _woocommerce_coupon(job: _Job, creds: Credentials, email: str, send: Sender) -> None:
    """Create the customer's free-shipping coupon unless the store has it; delete it on a
    loss unless it is gone already. The lookup by code makes a retry harmless."""
    existing = discounts.find_code(creds, job.value)
    if job.action == "shipping_rule":
        if existing is None:
            send(creds, Request("POST", WOO_COUPONS, free_shipping_coupon(job.value, email)))
    elif existing is not None:
        send(creds, discounts.use_up_request("woocommerce", existing))


def record(session: Session, now: datetime, job: _Job, outcome: Outcome) -> None:
    row = session.get(StoreAction, job.action_id, with_for_update=True)
    if row is None or row.status not in DUE:
        return
    done, reason = outcome
    if done:
        row.status, row.done_at, row.next_at, row.error, row.attempts = DONE, now, None, None, 0
        return
    row.attempts += 1
    row.status = REFUSED
    row.error = (reason or "")[:ERROR_LENGTH]
    row.next_at = now + retry_delay(row.attempts)


def sync_due(sessions: sessionmaker[Session], clock: Clock, *, limit: int = BATCH_SIZE) -> int:
    """One pass of the worker: claim, call each store outside a transaction, record."""
    with sessions() as session, session.begin():
        jobs = claim_due(session, clock.now(), limit)
    for job in jobs:
        outcome = call_store(job)
        with sessions() as session, session.begin():
            record(session, clock.now(), job, outcome)
    return len(jobs)


def retry_now(row: StoreAction, clock: Clock) -> None:
    """Staff asked to try again now (after fixing the credentials or linking the customer)."""
    if row.status == REFUSED and row.next_at is not None:
        row.next_at = clock.now()


def attention_items(session: Session, shop: Any, now: datetime) -> list[AttentionItem]:
    """Store actions the store refused (or cannot do), one line per reason."""
    rows = session.execute(
        select(StoreAction.error, func.count())
        .where(
            StoreAction.shop_id == shop.id,
            StoreAction.status == REFUSED,
            StoreAction.error.is_not(None),
        )
        .group_by(StoreAction.error)
    ).all()
    items = []
    for error, n in rows:
        cause = str(error or "")[:CAUSE_LENGTH].replace("{", "{{").replace("}", "}}")
        items.append(
            AttentionItem(
                key=f"loyalty.store_actions:{cause}",
                count=int(n),
                text={
                    "en": "{n} privileges not applied in the store: " + cause,
                    "vi": "{n} đặc quyền chưa áp dụng được trên cửa hàng: " + cause,
                },
                fix_url=MEMBERS_URL,
                fix_text={"en": "See the members", "vi": "Xem thành viên"},
                severity=URGENT,
            )
        )
    return items
