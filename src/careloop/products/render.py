"""`product` in a message's context: what the catalogue says about the product a journey is
about, written for the customer's language. Empty fields mean "the shop has not said": the
shipped templates then use their general wording, which claims nothing about the product."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from careloop.products.care import Care
from careloop.products.service import care_for, names_of

# Every field a template may use, with its "not known" value.
EMPTY: dict[str, Any] = {
    "sku": "",
    "name": "",
    "category": "",
    "care_guide": "",
    "care_guide_url": "",
    "has_care_guide": False,
    "usage_days": "",
    "warranty_months": "",
    "maintenance_interval_days": "",
    "related": [],
    "related_text": "",
}


def product_context(
    session: Session, shop_id: int, sku: str, name: str, locale: str
) -> dict[str, Any]:
    care = care_for(session, shop_id, sku) if sku else None
    if care is None:
        return {**EMPTY, "sku": sku, "name": name}
    names = names_of(session, shop_id, list(care.related_skus))
    related = [{"sku": s, "name": names.get(s, s)} for s in care.related_skus]
    return describe(care, locale, related)


def describe(care: Care, locale: str, related: list[dict[str, str]]) -> dict[str, Any]:
    guide = care.guide(locale)
    url = care.guide_url(locale)
    return {
        "sku": care.sku,
        "name": care.name,
        "category": care.category or "",
        "care_guide": guide,
        "care_guide_url": url,
        "has_care_guide": bool(guide or url),
        "usage_days": care.usage_days or "",
        "warranty_months": care.warranty_months or "",
        "maintenance_interval_days": care.maintenance_interval_days or "",
        "related": related,
        "related_text": ", ".join(r["name"] for r in related),
    }


def sample_product_context(locale: str) -> dict[str, Any]:
    care = Care(
        sku="CF-500",
        name="Cà phê Arabica 500g",
        category="coffee",
        usage_days=30,
        care_guide_vi="Bảo quản trong hũ kín, nơi khô mát; dùng hết trong 30 ngày sau khi mở.",
        care_guide_en="Keep in an airtight jar, cool and dry; use within 30 days of opening.",
        care_guide_url_vi="https://example.com/huong-dan/ca-phe",
        related_skus=("PHIN-1",),
    )
    return describe(care, locale, [{"sku": "PHIN-1", "name": "Phin nhôm"}])
