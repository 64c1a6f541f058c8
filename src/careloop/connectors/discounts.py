"""Coupon codes in the shop's own store, through each platform's published discount API, so a
code Careloop sends is accepted at the store's checkout.

- Shopify: Admin REST API 2024-01, PriceRule + DiscountCode (shopify.dev/docs/api/admin-rest
  /2024-01/resources/pricerule and .../discountcode; request/response samples replayed from
  Shopify/shopify-api-ruby test/rest/2024_01/price_rule_test.rb and discount_code_test.rb).
  Header X-Shopify-Access-Token. Used up: DELETE the discount code.
- WooCommerce: REST API v3, POST /wp-json/wc/v3/coupons (woocommerce/woocommerce-rest-api-docs
  source/includes/wp-api-v3/_coupons.md), HTTP Basic consumer_key:consumer_secret. Used up:
  DELETE /wp-json/wc/v3/coupons/<id>?force=true.
- Haravan: POST https://apis.haravan.com/com/discounts.json (docs.haravan.com, Omni APIs >
  Discount > DiscountCode), Authorization: Bearer <token>. Used up: PUT
  /com/discounts/<id>/disable.json.
- Sapo: the Shopify-compatible /admin/price_rules.json and
  /admin/price_rules/<id>/discount_codes.json (Sapo Open API, private app: HTTP Basic
  api_key:secret). Used up: DELETE the discount code.

Payloads are built by pure functions from a small `StoreCode`, so what a code means in the
store is read and tested in one place. Every call goes through the outbound network guard."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import httpx

from careloop.channels.base import SendError
from careloop.channels.netguard import guarded_call, guarded_client
from careloop.core.errors import FieldError, ValidationFailed

PLATFORMS: Final = ("shopify", "woocommerce", "haravan", "sapo")
SHOPIFY_API_VERSION: Final = "2024-01"
HARAVAN_DEFAULT_BASE: Final = "https://apis.haravan.com"
ERROR_LENGTH: Final = 300
# Which credential fields each platform takes (the connector form shows these); Haravan's
# API has one public address, so its base URL may be left empty.
CREDENTIAL_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "shopify": ("base_url", "token"),
    "woocommerce": ("base_url", "key", "secret"),
    "haravan": ("base_url", "token"),
    "sapo": ("base_url", "key", "secret"),
}


class StoreRefused(Exception):
    """The store answered and said no (a 4xx, or a code it cannot express); the text is
    what staff read."""


@dataclass(frozen=True)
class StoreCode:
    """What a coupon means at the store's checkout, in the store's currency units.

    `product_ids` / `variant_ids` / `category_ids` are the store's own ids (Shopify/Sapo
    product, variant and collection ids, WooCommerce product/variation and category ids,
    Haravan product or collection id). `variant_ids`, when given, name exactly the skus the
    code is for (Shopify `entitled_variant_ids`); `product_ids` are then their products."""

    code: str
    kind: str  # percent | fixed | free_shipping
    currency: str
    starts_at: datetime
    percent: int | None = None
    amount: Decimal | None = None
    min_order: Decimal = Decimal(0)
    # A percentage's maximum discount: none of the four stores' REST discount APIs can cap
    # a percentage, so it travels here for the record and Careloop's own checks only.
    max_discount: Decimal | None = None
    usage_limit: int | None = 1
    expires_at: datetime | None = None
    product_ids: tuple[str, ...] = ()
    variant_ids: tuple[str, ...] = ()
    category_ids: tuple[str, ...] = ()
    # Shipping is free too, besides a percent or fixed value (kind free_shipping: alone).
    free_shipping: bool = False
    # A customer's own code: the email WooCommerce restricts it to.
    customer_email: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _ids(values: tuple[str, ...]) -> list[int]:
    return [int(v) for v in values]


def price_rule(code: StoreCode) -> dict[str, Any]:
    """Shopify/Sapo PriceRule body (Shopify REST 2024-01 "Create a price rule" samples).

    A rule's `target_type` is line_item or shipping_line, and a discount code belongs to one
    rule: one code cannot take a percentage off the items and make shipping free, so such a
    coupon is refused with that reason rather than created as half of what it promises.
    Limits: `entitled_variant_ids` (exactly the skus), else `entitled_product_ids`, and
    `entitled_collection_ids`, with target_selection "entitled" (PriceRule properties)."""
    if code.free_shipping and code.kind != "free_shipping":
        raise StoreRefused(
            "a Shopify discount code discounts either the items or the shipping "
            "(price rule target_type), not both: issue free shipping as its own code"
        )
    rule: dict[str, Any] = {
        "title": code.title or code.code,
        "customer_selection": "all",
        "starts_at": _iso(code.starts_at),
        "once_per_customer": True,
    }
    if code.kind == "free_shipping":
        # The FREESHIPPING sample: shipping_line, all, each, percentage -100.0.
        rule |= {
            "target_type": "shipping_line",
            "target_selection": "all",
            "allocation_method": "each",
            "value_type": "percentage",
            "value": "-100.0",
        }
    else:
        entitled = bool(code.product_ids or code.variant_ids or code.category_ids)
        rule |= {
            "target_type": "line_item",
            "target_selection": "entitled" if entitled else "all",
            "allocation_method": "across",
            "value_type": "percentage" if code.kind == "percent" else "fixed_amount",
            "value": f"-{code.percent}.0"
            if code.kind == "percent"
            else f"-{_money(code.amount or Decimal(0))}",
        }
        if code.variant_ids:
            rule["entitled_variant_ids"] = _ids(code.variant_ids)
        elif code.product_ids:
            rule["entitled_product_ids"] = _ids(code.product_ids)
        if code.category_ids:
            rule["entitled_collection_ids"] = _ids(code.category_ids)
    if code.usage_limit is not None:
        rule["usage_limit"] = code.usage_limit
    if code.expires_at is not None:
        rule["ends_at"] = _iso(code.expires_at)
    if code.min_order > 0:
        rule["prerequisite_subtotal_range"] = {"greater_than_or_equal_to": _money(code.min_order)}
    return {"price_rule": rule}


def woocommerce_coupon(code: StoreCode) -> dict[str, Any]:
    """WooCommerce REST v3 coupon body ("Create a coupon", wp-api-v3/_coupons.md).

    `product_ids` takes products and variations alike (a variation has its own id);
    `free_shipping` goes with any discount type. `maximum_amount` is the largest *order*
    a coupon accepts, not a cap on the discount, so a percentage's cap is not sent."""
    body: dict[str, Any] = {
        "code": code.code,
        "description": code.title,
        "individual_use": True,
        "usage_limit": code.usage_limit,
        "usage_limit_per_user": 1,
        "minimum_amount": _money(code.min_order),
    }
    if code.kind == "percent":
        body |= {"discount_type": "percent", "amount": str(code.percent)}
    elif code.kind == "fixed":
        body |= {"discount_type": "fixed_cart", "amount": _money(code.amount or Decimal(0))}
    else:
        body |= {"discount_type": "fixed_cart", "amount": "0", "free_shipping": True}
    if code.expires_at is not None:
        body["date_expires_gmt"] = code.expires_at.strftime("%Y-%m-%dT%H:%M:%S")
    if code.variant_ids or code.product_ids:
        body["product_ids"] = _ids(code.variant_ids or code.product_ids)
    if code.free_shipping:
        body["free_shipping"] = True
    if code.category_ids:
        body["product_categories"] = _ids(code.category_ids)
    if code.customer_email:
        body["email_restrictions"] = [code.customer_email]
    return body


def haravan_discount(code: StoreCode) -> dict[str, Any]:
    """Haravan DiscountCode body (docs.haravan.com, Discount > DiscountCode properties):
    one `discount_type` (fixed_amount, percentage or shipping) and at most one
    `applies_to_resource`/`applies_to_id`, so a code for several products, or a percentage
    with free shipping, is refused with that reason."""
    if code.free_shipping and code.kind != "free_shipping":
        raise StoreRefused(
            "a Haravan discount has one discount_type (percentage, fixed_amount or shipping):"
            " issue free shipping as its own code"
        )
    targets = [("product", v) for v in code.product_ids] + [
        ("collection", v) for v in code.category_ids
    ]
    if len(targets) > 1:
        raise StoreRefused("a Haravan code can be limited to one product or one collection only")
    discount: dict[str, Any] = {
        "code": code.code,
        "starts_at": _iso(code.starts_at),
        "ends_at": _iso(code.expires_at) if code.expires_at else None,
        "usage_limit": code.usage_limit,
        "minimum_order_amount": float(code.min_order),
        # true: once on the whole order (not once per item in the cart).
        "applies_once": True,
        "applies_to_resource": targets[0][0] if targets else None,
    }
    if targets:
        discount["applies_to_id"] = int(targets[0][1])
    if code.kind == "percent":
        discount |= {"discount_type": "percentage", "value": float(code.percent or 0)}
    elif code.kind == "fixed":
        discount |= {"discount_type": "fixed_amount", "value": float(code.amount or 0)}
    else:
        discount |= {"discount_type": "shipping", "value": 0}
    return {"discount": discount}


@dataclass(frozen=True)
class Credentials:
    platform: str
    base_url: str
    token: str = ""
    key: str = ""
    secret: str = ""

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.platform == "shopify":
            headers["X-Shopify-Access-Token"] = self.token
        elif self.platform == "haravan":
            headers["Authorization"] = f"Bearer {self.token}"
        else:
            pair = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
            headers["Authorization"] = f"Basic {pair}"
        return headers


def check_credentials(platform: str, values: dict[str, str]) -> dict[str, str]:
    """The credentials to store for `platform` (trimmed), or ValidationFailed naming each
    missing field. An empty dict means "no store API access"."""
    wanted = CREDENTIAL_FIELDS.get(platform)
    cleaned = {k: (values.get(k) or "").strip() for k in wanted or ()}
    if wanted is None or not any(cleaned.values()):
        return {}
    errors = [
        FieldError(f"api_{k}", "required for store API access") for k in wanted if not cleaned[k]
    ]
    base = cleaned.get("base_url", "")
    if base and not base.startswith(("https://", "http://")):
        errors.append(FieldError("api_base_url", f"must start with https:// (got {base!r})"))
    if errors:
        raise ValidationFailed(errors)
    if base:
        cleaned["base_url"] = base.rstrip("/")
    return cleaned


def save_credentials(connector: Any, values: dict[str, str], *, clear: bool = False) -> bool:
    """Store the connector's API credentials, write-only: a field left empty keeps its saved
    value (secrets are never shown back). `clear` removes them. Whether any are stored."""
    if clear:
        connector.api_credentials = None
        return False
    saved = dict(connector.api_credentials or {})
    merged = {
        k: (values.get(k) or "").strip() or str(saved.get(k) or "")
        for k in ("base_url", "token", "key", "secret")
    }
    cleaned = check_credentials(connector.platform, merged)
    if cleaned:
        connector.api_credentials = cleaned
    return bool(cleaned)


def credentials_of(platform: str, stored: dict[str, Any] | None) -> Credentials | None:
    """The connector's stored credentials, if complete for `platform`."""
    if platform not in CREDENTIAL_FIELDS or not stored:
        return None
    values = {k: str(stored.get(k) or "") for k in ("base_url", "token", "key", "secret")}
    if platform == "haravan" and not values["base_url"]:
        values["base_url"] = HARAVAN_DEFAULT_BASE
    if (
        any(not values[k] for k in CREDENTIAL_FIELDS[platform] if k != "base_url")
        or not values["base_url"]
    ):
        return None
    return Credentials(platform=platform, **values)


def create_requests(platform: str, code: StoreCode) -> list[Request]:
    """The requests that create `code` (Shopify and Sapo: the rule, then its code; the second
    path's `{rule}` is filled from the first answer)."""
    if platform == "shopify":
        base = f"/admin/api/{SHOPIFY_API_VERSION}/price_rules"
        return [
            Request("POST", f"{base}.json", price_rule(code)),
            Request(
                "POST", base + "/{rule}/discount_codes.json", {"discount_code": {"code": code.code}}
            ),
        ]
    if platform == "sapo":
        return [
            Request("POST", "/admin/price_rules.json", price_rule(code)),
            Request(
                "POST",
                "/admin/price_rules/{rule}/discount_codes.json",
                {"discount_code": {"code": code.code}},
            ),
        ]
    if platform == "woocommerce":
        return [Request("POST", "/wp-json/wc/v3/coupons", woocommerce_coupon(code))]
    if platform == "haravan":
        return [Request("POST", "/com/discounts.json", haravan_discount(code))]
    raise StoreRefused(f"{platform} has no discount API")


def use_up_request(platform: str, ref: str) -> Request:
    """The request that makes the store's code unusable (Careloop used it up)."""
    if platform in ("shopify", "sapo"):
        rule, _, code_id = ref.partition("/")
        prefix = f"/admin/api/{SHOPIFY_API_VERSION}" if platform == "shopify" else "/admin"
        return Request("DELETE", f"{prefix}/price_rules/{rule}/discount_codes/{code_id}.json")
    if platform == "woocommerce":
        return Request("DELETE", f"/wp-json/wc/v3/coupons/{ref}", params={"force": "true"})
    if platform == "haravan":
        return Request("PUT", f"/com/discounts/{ref}/disable.json")
    raise StoreRefused(f"{platform} has no discount API")


Sender = Callable[[Credentials, Request], dict[str, Any]]


def _refusal(response: httpx.Response) -> str:
    """The store's own words, compact: `message`/`errors` of its JSON body, else the text."""
    try:
        data: Any = response.json()
    except ValueError:
        data = response.text
    if isinstance(data, dict):
        data = data.get("message") or data.get("errors") or data.get("error") or data
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"{response.status_code}: {text}"[:ERROR_LENGTH]


def exchange(creds: Credentials, request: Request) -> httpx.Response:
    """One call through the network guard (no redirects followed); the channels' SendError
    kinds (transient, ambiguous, refused target) when there is no usable answer."""
    with guarded_client() as http:
        return guarded_call(
            http,
            request.method,
            creds.base_url + request.path,
            headers=creds.headers(),
            params=request.params or None,
            json=request.body,
        )


def send(creds: Credentials, request: Request) -> dict[str, Any]:
    """One call; StoreRefused on a 4xx (not 429), else the JSON answer."""
    response = exchange(creds, request)
    if response.status_code >= 400:
        raise StoreRefused(_refusal(response))
    if not response.content:
        return {}
    try:
        data = response.json()
    except ValueError:
        raise StoreRefused(f"{response.status_code}: answer is not JSON") from None
    return data if isinstance(data, dict) else {"items": data}


SHOPIFY_LOCATION = re.compile(r"/price_rules/(\d+)/discount_codes/(\d+)\.json")


def find_code(creds: Credentials, code: str) -> str | None:
    """The store's reference of `code` if the store already has it (an earlier attempt
    created it and its answer was lost), so a retry never creates it twice.

    Shopify: GET discount_codes/lookup.json?code= answers 303 See Other to the code's
    location (shopify.dev REST DiscountCode "Retrieves the location of a discount code");
    WooCommerce: GET /coupons?code= ("List all coupons", parameter `code`); Haravan:
    GET /com/discounts.json?code= (filter `code`). Sapo documents no lookup: None."""
    if creds.platform == "shopify":
        path = f"/admin/api/{SHOPIFY_API_VERSION}/discount_codes/lookup.json"
    elif creds.platform == "woocommerce":
        path = "/wp-json/wc/v3/coupons"
    elif creds.platform == "haravan":
        path = "/com/discounts.json"
    else:
        return None
    response = exchange(creds, Request("GET", path, params={"code": code}))
    if response.status_code in (301, 302, 303):
        found = SHOPIFY_LOCATION.search(response.headers.get("location", ""))
        return f"{found.group(1)}/{found.group(2)}" if found else None
    if response.status_code >= 400:
        return None
    try:
        data: Any = response.json()
    except ValueError:
        return None
    items = data.get("discounts", []) if isinstance(data, dict) else data
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and str(item.get("code", "")).upper() == code.upper():
            return str(item.get("id"))
    return None


def create_code(creds: Credentials, code: StoreCode, sender: Sender | None = None) -> str:
    """Create `code` in the store (unless it is there already); its store reference.
    Raises StoreRefused or SendError."""
    call = sender or send
    if sender is None:
        existing = find_code(creds, code.code)
        if existing:
            return existing
    answers: list[dict[str, Any]] = []
    for request in create_requests(creds.platform, code):
        if answers and "{rule}" in request.path:
            rule_id = _id_in(answers[0], "price_rule")
            request = Request(request.method, request.path.replace("{rule}", rule_id), request.body)
        answers.append(call(creds, request))
    if creds.platform in ("shopify", "sapo"):
        return f"{_id_in(answers[0], 'price_rule')}/{_id_in(answers[1], 'discount_code')}"
    if creds.platform == "haravan":
        return _id_in(answers[0], "discount")
    return _id_in(answers[0], None)


def use_up_code(creds: Credentials, ref: str, sender: Sender | None = None) -> None:
    (sender or send)(creds, use_up_request(creds.platform, ref))


def _id_in(answer: dict[str, Any], key: str | None) -> str:
    item = answer.get(key) if key else answer
    value = item.get("id") if isinstance(item, dict) else None
    if value in (None, ""):
        raise StoreRefused(f"the store's answer has no {key or 'coupon'} id")
    return str(value)


__all__ = [
    "CREDENTIAL_FIELDS",
    "Credentials",
    "SendError",
    "StoreCode",
    "StoreRefused",
    "check_credentials",
    "create_code",
    "credentials_of",
    "use_up_code",
]
