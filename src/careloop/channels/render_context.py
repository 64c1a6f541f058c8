"""What a template can say about a customer: name, what they bought, order number, spending
history, points and tier, coupon, and links. Built from the database for a real customer,
or from sample data for previews and validation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.channels.links import link_markers
from careloop.channels.local_format import local_date, local_money
from careloop.channels.policy import zone
from careloop.channels.sms_text import sms_name_suggestion
from careloop.channels.templates import normalise_locale
from careloop.core.ports import Rewards, port
from careloop.customers.models import Customer
from careloop.journeys.occasions import days_left
from careloop.shops.models import Shop

# Names a template may use at the top level (plus whatever the caller's context adds).
BASE_NAMES = frozenset(
    {
        "customer",
        "shop",
        "order",
        "product",
        "spending",
        "loyalty",
        "coupon",
        "links",
        "message",
        "xung_ho",
        "salutation",
    }
)
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
# Shop setting `salutation`: "neutral" calls everyone "bạn"; "gender" says anh/chị when the
# customer's gender is recorded (and still "bạn" when it is not).
SALUTATIONS = ("neutral", "gender")
PRONOUNS = {"female": "chị", "male": "anh"}
NEUTRAL_PRONOUN = {"vi": "bạn", "en": "you", "zh": "您"}
# Shop setting `sms_name`: the name SMS templates use (`shop.sms_name`), at most 11
# characters like an SMS sender name.
SMS_NAME_MAX = 11
NOT_SALES = ("cancelled", "returned")
# Top-level fields that date and inactivity triggers fill (journeys/scan.py); always present.
TRIGGER_CONTEXT_NAMES = (
    "days_inactive",
    "last_order_date",
    "birthday",
    "days_left",
    "years",
    "first_order_date",
    "order_id",
    "sku",
    "product_name",
    "runout_date",
    "warranty_until",
    "service_number",
    "maintenance_date",
)
# Counted from the database by the clock at send time rather than taken from the journey.
COMPUTED_NAMES = frozenset({"days_inactive", "last_order_date"})
DATE_NAMES = frozenset(
    {
        "last_order_date",
        "first_order_date",
        "birthday",
        "runout_date",
        "warranty_until",
        "maintenance_date",
    }
)
# `trigger.<field>`: what the events that start journeys carry (payloads in core/events.py
# callers): points.expiring, survey.answered, review.posted, order.*, segment.entered.
TRIGGER_FIELDS = (
    "type",
    "points",
    "balance",
    "expires_at",
    "expires_on",
    "kind",
    "score",
    "comment",
    "rating",
    "platform",
    "review_id",
    "order_id",
    "sku",
    "product_name",
    "segment",
    # loyalty.* events (loyalty/announce.py): tier news, referral rewards, coupons.
    "tier",
    "tier_name",
    "previous_tier",
    "direction",
    "side",
    "friend_name",
    "code",
    "discount",
    "reward_name",
    "cost",
)
SAMPLE_TRIGGER: dict[str, Any] = {
    "type": "points.expiring",
    "points": 300,
    "balance": 1250,
    "expires_at": "2026-12-02T00:00:00+07:00",
    "expires_on": "02/12/2026",
    "kind": "nps",
    "score": 9,
    "comment": "Giao hàng nhanh, đóng gói cẩn thận",
    "rating": 5,
    "platform": "google",
    "review_id": "G-1001",
    "order_id": "DH-20481",
    "sku": "CF-500",
    "product_name": "Cà phê Arabica 500g",
    "segment": "champions",
    "tier": "gold",
    "tier_name": "Vàng",
    "previous_tier": "silver",
    "direction": "up",
    "side": "advocate",
    "friend_name": "Bình",
    "code": "CAMON15",
    "discount": "15%",
    "reward_name": "Giảm 50.000 ₫",
    "cost": 500,
}


def first_name(name: str, locale: str) -> str:
    """Vietnamese names put the given name last ("Nguyễn Văn An" -> "An")."""
    parts = name.split()
    if not parts:
        return ""
    if locale == "vi":
        return parts[-1]
    if locale == "zh":
        return name.strip()
    return parts[0]


def _date(moment: datetime | None, locale: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The customer's calendar day of `moment`, in their language (06/01/2027, 6 Jan 2027)."""
    if moment is None:
        return ""
    return local_date(moment, locale, timezone)


def format_money(minor: int, currency: str, locale: str) -> str:
    """An amount as the customer reads it: 1.250.000 ₫ (vi), ₫1,250,000 (en)."""
    return local_money(minor, currency, locale)


def customer_locale(customer: Customer, shop: Shop) -> str:
    return normalise_locale(customer.locale or shop.locale)


def customer_timezone(customer: Customer, shop: Shop) -> str:
    return customer.timezone or shop.timezone or DEFAULT_TIMEZONE


def sms_name(shop: Shop) -> str:
    """The shop's short SMS name: its `sms_name` setting, else one suggested from its name."""
    settings = shop.settings if isinstance(shop.settings, Mapping) else {}
    chosen = str(settings.get("sms_name") or "").strip()
    return chosen[:SMS_NAME_MAX] if chosen else sms_name_suggestion(shop.name, SMS_NAME_MAX)


def pronoun(gender: str | None, locale: str, salutation: str) -> str:
    """How a message addresses the customer: anh/chị by recorded gender when the shop asks
    for it (Vietnamese only), else the neutral "bạn" / "you"."""
    if locale == "vi" and salutation == "gender" and gender in PRONOUNS:
        return PRONOUNS[gender]
    return NEUTRAL_PRONOUN.get(locale, NEUTRAL_PRONOUN["en"])


def shop_salutation(shop: Shop) -> str:
    settings = shop.settings if isinstance(shop.settings, Mapping) else {}
    value = str(settings.get("salutation") or "neutral")
    return value if value in SALUTATIONS else "neutral"


def build_context(
    *,
    session: Session,
    shop: Shop,
    customer: Customer,
    extra: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The template context for `customer`; `extra` (the caller's context) is added on top:
    `order_id` picks the order (default: the latest), `coupon` or `coupon_code` the coupon,
    `trigger` the payload of the journey's trigger event. `now` (the clock at send time)
    counts `days_inactive` from the last order."""
    extra = dict(extra or {})
    locale = customer_locale(customer, shop)
    tz = customer_timezone(customer, shop)
    spending = _spending(session, shop, customer, locale, tz)
    address = pronoun(customer.gender, locale, shop_salutation(shop))
    context: dict[str, Any] = {
        "customer": {
            "id": customer.external_id,
            "name": customer.name,
            "first_name": first_name(customer.name, locale),
            "email": customer.email or "",
            "phone": customer.phone or "",
            "referral_code": customer.referral_code,
            "locale": locale,
        },
        "shop": {
            "name": shop.name,
            "sms_name": sms_name(shop),
            "slug": shop.slug,
            "currency": shop.currency,
        },
        "order": _order(session, shop, customer, extra.get("order_id"), locale, tz),
        "spending": {k: v for k, v in spending.items() if not k.startswith("_")},
        "loyalty": _loyalty(session, shop, customer),
        "coupon": _coupon(extra, locale, tz),
        "links": link_markers(),
        "message": {"locale": locale, "timezone": tz},
        "xung_ho": address,
        "salutation": address,
        # Date-trigger fields (careloop/playbooks/journeys/TEMPLATES.md): real values only. What the
        # database knows is computed; the rest comes from the journey's context or stays "".
        **dict.fromkeys(TRIGGER_CONTEXT_NAMES, ""),
        **_since_last_order(spending, now),
        "first_order_date": spending["first_order_date"],
        "birthday": _day_month(customer.birthday, locale),
    }
    for key, value in extra.items():
        if key in ("customer", "shop", "links", "message", "trigger"):
            continue  # facts about the customer come from the database, not the caller
        if key == "coupon":
            continue  # localised above
        if key in COMPUTED_NAMES and context.get(key) not in ("", None):
            continue  # counted by the clock at send time, not when the journey was enrolled
        context[key] = _localised(key, value, locale)
    if now is not None and extra.get("days_left") not in (None, ""):
        # Counted again on the day the message goes (a deferred send is later than planned).
        left = days_left(extra, now.astimezone(zone(tz)).date())
        if left is not None:
            context["days_left"] = left
    context["trigger"] = trigger_context(extra.get("trigger"), context["order"], locale, tz)
    context["product"] = _product(session, shop, context, locale)
    return context


def _product(
    session: Session, shop: Shop, context: Mapping[str, Any], locale: str
) -> dict[str, Any]:
    """`product`: the catalogue's care data of the journey's product (a date trigger's sku,
    else the trigger event's, else the order's first item); every field present, "" (or
    empty) when the shop has not said, so a template falls back to its general wording."""
    from careloop.products.render import product_context

    order = context.get("order") or {}
    items = order.get("items") or []
    sku = str(
        context.get("sku")
        or context["trigger"].get("sku")
        or (items[0].get("sku") if items else "")
        or ""
    )
    name = str(context.get("product_name") or (items[0]["name"] if items else "") or "")
    return product_context(session, shop.id, sku, name, locale)


def _since_last_order(spending: Mapping[str, Any], now: datetime | None) -> dict[str, Any]:
    last = spending.get("_last_at")
    days = (now - last).days if now is not None and last is not None else ""
    return {"days_inactive": days, "last_order_date": spending["last_order_date"]}


def _day_month(day: date | None, locale: str) -> str:
    if day is None:
        return ""
    return local_date(day, locale, DEFAULT_TIMEZONE, with_year=False)


def _localised(key: str, value: Any, locale: str) -> Any:
    """An ISO date from a journey's context, written the customer's way (02/12/2026)."""
    if key not in DATE_NAMES or not isinstance(value, str) or not value:
        return value
    try:
        parsed = date.fromisoformat(value[:10])
    except ValueError:
        return value
    if key == "birthday":
        return _day_month(parsed, locale)
    return _date(datetime.combine(parsed, datetime.min.time()), locale)


def trigger_context(
    payload: Any,
    order: Mapping[str, Any] | None,
    locale: str,
    timezone: str = DEFAULT_TIMEZONE,
) -> dict[str, Any]:
    """`trigger`: the payload of the event that enrolled the customer, every documented field
    present ("" when the event does not carry it), dates written the customer's way."""
    raw: Mapping[str, Any] = payload if isinstance(payload, Mapping) else {}
    out: dict[str, Any] = {**dict.fromkeys(TRIGGER_FIELDS, ""), **raw}
    expires = raw.get("expires_at")
    if isinstance(expires, str) and expires:
        try:
            out["expires_on"] = _date(datetime.fromisoformat(expires), locale, timezone)
        except ValueError:
            out["expires_on"] = ""
    if not out["product_name"] and order:
        out["product_name"] = order.get("first_item", "")
    return out


def _order(
    session: Session, shop: Shop, customer: Customer, order_ref: Any, locale: str, tz: str
) -> dict[str, Any] | None:
    from careloop.orders.models import Order, OrderLine

    stmt = select(Order).where(Order.shop_id == shop.id, Order.customer_id == customer.id)
    if order_ref is not None:
        ref = str(order_ref)
        by_id = Order.id == int(ref) if ref.isdigit() else Order.external_id == ref
        stmt = stmt.where((Order.external_id == ref) | by_id)
    order = session.scalar(stmt.order_by(Order.placed_at.desc(), Order.id.desc()).limit(1))
    if order is None:
        return None
    lines = list(
        session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)
        )
    )
    items: list[dict[str, Any]] = [
        {
            "name": line.product_name or line.sku or "",
            "sku": line.sku or "",
            "quantity": line.quantity,
            "price": format_money(line.unit_price_minor, order.currency, locale),
        }
        for line in lines
    ]
    return {
        "number": order.number or order.external_id,
        "total": format_money(order.total_minor, order.currency, locale),
        "status": order.status,
        "placed_at": _date(_aware(order.placed_at), locale, tz),
        "delivered_at": _date(_aware(order.delivered_at), locale, tz),
        "items": items,
        "items_text": ", ".join(
            f"{i['name']} x{i['quantity']}" if i["quantity"] != 1 else str(i["name"]) for i in items
        ),
        "first_item": items[0]["name"] if items else "",
    }


def _spending(
    session: Session, shop: Shop, customer: Customer, locale: str, tz: str
) -> dict[str, Any]:
    from careloop.orders.models import Order

    count, total, first, last = session.execute(
        select(
            func.count(Order.id),
            func.coalesce(func.sum(Order.total_minor), 0),
            func.min(Order.placed_at),
            func.max(Order.placed_at),
        ).where(
            Order.shop_id == shop.id,
            Order.customer_id == customer.id,
            Order.status.not_in(NOT_SALES),
        )
    ).one()
    count, total = int(count), int(total)
    return {
        "orders_count": count,
        "total_spent": format_money(total, shop.currency, locale),
        "average_order": format_money(total // count if count else 0, shop.currency, locale),
        "first_order_date": _date(_aware(first), locale, tz),
        "last_order_date": _date(_aware(last), locale, tz),
        "_last_at": _aware(last),
    }


def _aware(value: Any) -> datetime | None:
    from careloop.core.clock import ensure_aware

    return ensure_aware(value) if isinstance(value, datetime) else None


def _loyalty(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    """Points and tier from the `Rewards` port (MissingPort when nothing provides it: a
    message never says "0 points" because loyalty is missing)."""
    rewards = port(Rewards)
    points = rewards.points_balance(session, shop_id=shop.id, customer_id=customer.id)
    tier = rewards.tier(session, shop_id=shop.id, customer_id=customer.id)
    return {"points": points, "tier": tier or ""}


def _coupon(extra: Mapping[str, Any], locale: str, tz: str) -> dict[str, Any] | None:
    """The coupon the caller passes, its expiry as the customer's day ("dùng đến
    06/01/2027", never the ISO moment it was stored as)."""
    coupon = extra.get("coupon")
    if isinstance(coupon, Mapping):
        found = dict(coupon)
    elif extra.get("coupon_code"):
        found = {
            "code": str(extra["coupon_code"]),
            "expires_at": extra.get("coupon_expires_at", ""),
        }
    else:
        return None
    if found.get("expires_at"):
        found["expires_at"] = local_date(found["expires_at"], locale, tz)
    return found


def sample_product(locale: str) -> dict[str, Any]:
    from careloop.products.render import sample_product_context

    return sample_product_context(locale)


def sample_context(locale: str = "vi", shop_name: str = "Cửa hàng mẫu") -> dict[str, Any]:
    """Plausible data for previews and validation: every field a template may use is set."""
    locale = normalise_locale(locale)
    name = {"vi": "Nguyễn Thị Mai", "zh": "王小明"}.get(locale, "Mai Nguyen")
    items = [
        {"name": "Cà phê Arabica 500g", "sku": "CF-500", "quantity": 2, "price": "180.000 ₫"},
        {"name": "Phin nhôm", "sku": "PHIN-1", "quantity": 1, "price": "45.000 ₫"},
    ]
    return {
        "customer": {
            "id": "C-1001",
            "name": name,
            "first_name": first_name(name, locale),
            "email": "mai@example.com",
            "phone": "+84901234567",
            "referral_code": "MAI7KQ2X",
            "locale": locale,
        },
        "shop": {
            "name": shop_name,
            "sms_name": sms_name_suggestion(shop_name, SMS_NAME_MAX),
            "slug": "demo",
            "currency": "VND",
        },
        "order": {
            "number": "DH-20481",
            "total": "405.000 ₫",
            "status": "delivered",
            "placed_at": "02/11/2026",
            "delivered_at": "05/11/2026",
            "items": items,
            "items_text": "Cà phê Arabica 500g x2, Phin nhôm",
            "first_item": "Cà phê Arabica 500g",
        },
        "spending": {
            "orders_count": 4,
            "total_spent": "1.620.000 ₫",
            "average_order": "405.000 ₫",
            "first_order_date": "12/03/2026",
            "last_order_date": "02/11/2026",
        },
        "loyalty": {"points": 1250, "tier": "gold"},
        "coupon": {
            "code": "CAMON10",
            "expires_at": local_date("2026-12-02", locale, DEFAULT_TIMEZONE),
            "percent_off": 10,
        },
        "links": link_markers(),
        "message": {"locale": locale, "timezone": DEFAULT_TIMEZONE},
        "product": sample_product(locale),
        "xung_ho": NEUTRAL_PRONOUN.get(locale, NEUTRAL_PRONOUN["en"]),
        "salutation": NEUTRAL_PRONOUN.get(locale, NEUTRAL_PRONOUN["en"]),
        # What date-triggered journeys pass in their context (playbooks/journeys/TEMPLATES.md
        # in the package).
        "days_inactive": 63,
        "last_order_date": "02/09/2026",
        "birthday": "15/11",
        "days_left": 3,
        "years": 1,
        "first_order_date": "12/03/2025",
        "sku": "CF-500",
        "product_name": "Cà phê Arabica 500g",
        "runout_date": "20/11/2026",
        "warranty_until": "02/12/2026",
        "service_number": 2,
        "maintenance_date": "09/11/2026",
        "order_id": "DH-20481",
        "trigger": dict(SAMPLE_TRIGGER),
    }
