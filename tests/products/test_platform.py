"""Product webhooks fill the catalogue: Shopify's published Product sample (the official
Python SDK's fixture, tests/fixtures/shopify/SOURCE.md) becomes one row per variant sku, and
the shop's care tags and `careloop` metafields set the care data.

References: Shopify Admin REST Product resource (`tags`: comma-separated string,
`product_type`, `variants[].sku`); webhook topics products/create and products/update;
metafields in a webhook only for the namespaces the subscription names
(WebhookSubscriptionInput.metafieldNamespaces, shopify.dev Admin GraphQL). Haravan copies the
Product shape (docs.haravan.com Omni APIs > Product; Metafield with value_type)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from careloop.context import AppContext
from careloop.orders.models import Product
from careloop.shops.models import Shop
from tests.connectors.conftest import Deliver

SAMPLE = Path(__file__).parent.parent / "fixtures" / "shopify" / "product.json"


def _sample() -> dict[str, Any]:
    product: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))["product"]
    return product


def _products(ctx: AppContext) -> dict[str, Product]:
    with ctx.sessions() as s:
        return {p.sku: p for p in s.scalars(select(Product))}


def test_the_published_shopify_product_sample_becomes_one_row_per_variant_without_care_data(
    ctx: AppContext, connect: Callable[..., None], deliver: Deliver
) -> None:
    connect("shopify")
    response = deliver("shopify", "products/create", _sample(), delivery_id="p-1")
    assert response.status_code == 200, response.text
    rows = _products(ctx)
    assert sorted(rows) == ["IPOD2008BLACK", "IPOD2008GREEN", "IPOD2008PINK", "IPOD2008RED"]
    pink = rows["IPOD2008PINK"]
    assert (pink.name, pink.category) == ("IPod Nano - 8GB - Pink", "Cult Products")
    # Its tags (Emotive, Flash Memory, MP3, Music) are the shop's own, not care data.
    assert (pink.usage_days, pink.warranty_months, pink.care_guide_text) == (None, None, None)


def test_care_tags_and_careloop_metafields_on_a_product_update_set_the_care_data(
    ctx: AppContext, connect: Callable[..., None], deliver: Deliver
) -> None:
    connect("shopify")
    product = copy.deepcopy(_sample())
    product["tags"] += ", usage:90d, warranty:24m, related:EARPODS-1"
    product["metafields"] = [
        {"namespace": "careloop", "key": "care_guide_vi", "value": "Sạc đầy trước lần dùng đầu."},
        {"namespace": "careloop", "key": "care_guide_url_en", "value": "https://acme.test/ipod"},
        {"namespace": "careloop", "key": "maintenance_interval_days", "value": "oops"},
    ]
    response = deliver("shopify", "products/update", product, delivery_id="p-2")
    assert response.status_code == 200, response.text
    red = _products(ctx)["IPOD2008RED"]
    assert (red.usage_days, red.warranty_months, red.related_skus) == (90, 24, ["EARPODS-1"])
    assert red.care_guide_text == "Sạc đầy trước lần dùng đầu."
    assert red.care_guide_url_en == "https://acme.test/ipod"
    assert red.maintenance_interval_days is None  # the bad metafield is left out


def test_a_haravan_product_webhook_fills_the_catalogue_the_same_way(
    ctx: AppContext, shop: Shop, connect: Callable[..., None], deliver: Deliver
) -> None:
    connect("haravan")
    product = copy.deepcopy(_sample())
    product["tags"] = "trà, usage:30d, category:tea"
    product["variants"] = product["variants"][:1]
    product["variants"][0]["title"] = "Default Title"
    product["title"] = "Trà Ô Long 200g"
    response = deliver("haravan", "products/create", product)
    assert response.status_code == 200, response.text
    [tea] = _products(ctx).values()
    assert (tea.sku, tea.name, tea.category, tea.usage_days) == (
        "IPOD2008PINK",
        "Trà Ô Long 200g",
        "tea",
        30,
    )
