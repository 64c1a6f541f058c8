"""A shop platform's Product resource (Shopify Admin REST `Product`; Haravan copies its shape)
read as catalogue rows with their care data (pure).

Shopify: `title`, `product_type` ("a categorization for the product"), `tags` (one string of
comma-separated tags) and `variants[]` each with its own `sku` and `title`; metafields come in
a webhook only when the subscription names their namespace (`metafieldNamespaces` of
WebhookSubscriptionInput, shopify.dev Admin GraphQL). Haravan: the same properties
(docs.haravan.com Omni APIs > Product, Product Variant, Metafield with `value_type`).

Every variant with a sku becomes one product row carrying the product's care data: the sku
is what an order line names, so that is what replenishment and the guide look up. The row
keeps the product's and the variant's `id`, so a code limited to the sku can be limited to
them in the store (PriceRule `entitled_variant_ids`, Haravan `applies_to_id`). A tag or
metafield that does not fit is left out (and named), never a reason to refuse the rest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError

from careloop.products.schemas import ProductIn
from careloop.products.tags import care_from_metafields, care_from_tags

DEFAULT_VARIANT: Final = "Default Title"  # Shopify's title for a product's only variant


def products_from_payload(data: Any) -> tuple[list[ProductIn], list[str]]:
    """The catalogue rows a Product payload describes, and the problems left out."""
    if not isinstance(data, Mapping):
        return [], ["the product payload is not a JSON object"]
    care, problems = care_from_tags(data.get("tags"))
    metafields = data.get("metafields")
    from_meta, meta_problems = care_from_metafields(
        metafields if isinstance(metafields, list) else []
    )
    care.update(from_meta)  # a metafield is more deliberate than a tag
    problems += meta_problems
    if "category" not in care and str(data.get("product_type") or "").strip():
        care["category"] = str(data["product_type"]).strip()[:100]
    title = str(data.get("title") or "").strip()
    rows: list[ProductIn] = []
    variants = data.get("variants")
    for variant in variants if isinstance(variants, list) else []:
        if not isinstance(variant, Mapping) or not str(variant.get("sku") or "").strip():
            continue
        sku = str(variant["sku"]).strip()[:128]
        label = str(variant.get("title") or "").strip()
        name = f"{title} - {label}" if label and label != DEFAULT_VARIANT else title
        ids = {
            "store_product_id": _id_of(data.get("id")),
            "store_variant_id": _id_of(variant.get("id")),
        }
        fields = {**care, "sku": sku, "name": (name or sku)[:300]}
        row, dropped = _valid(fields | {k: v for k, v in ids.items() if v})
        problems += [f"{sku}: {d}" for d in dropped]
        if row is not None:
            rows.append(row)
    return rows, problems


def _id_of(value: Any) -> str | None:
    """A platform id (a JSON number or string) as text, or None."""
    text = str(value).strip() if isinstance(value, (int, str)) else ""
    return text[:64] or None


def _valid(fields: dict[str, Any]) -> tuple[ProductIn | None, list[str]]:
    """ProductIn of `fields`, leaving out each field the schema refuses."""
    dropped: list[str] = []
    for _ in range(len(fields)):
        try:
            return ProductIn.model_validate(fields), dropped
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            bad |= {"related_skus"} if any(not e["loc"] for e in exc.errors()) else set()
            if not bad or "sku" in bad:
                return None, [*dropped, "sku"]
            for name in bad:
                fields.pop(name, None)
                dropped.append(name)
    return None, dropped
