"""Care data read from a shop platform's product tags and metafields (pure).

The convention, shown to staff on the Products page:

- Tags (Shopify `Product.tags`, Haravan `product.tags`: one comma-separated string):
  `usage:30d` (lasts 30 days), `warranty:12m` (12 months; `warranty:365d` in days),
  `maintenance:90d` (service every 90 days), `category:tea`, `related:SKU1|SKU2`.
- Metafields in the `careloop` namespace (Shopify Metafield resource: namespace, key, value,
  type): keys `usage_days`, `warranty_months`, `maintenance_interval_days`, `category`,
  `care_guide_vi`, `care_guide_en`, `care_guide_url_vi`, `care_guide_url_en` and
  `related_skus` (comma-separated or a JSON list).

A value that does not fit is skipped and named in `problems`; the rest still applies."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

NAMESPACE: Final = "careloop"
TAG_RE: Final = re.compile(
    r"^(?P<key>usage|warranty|maintenance|category|related)\s*:\s*(?P<value>.+)$", re.I
)
PERIOD_RE: Final = re.compile(r"^(?P<n>\d{1,4})\s*(?P<unit>d|m|y)?$", re.I)
NUMBER_KEYS: Final = ("usage_days", "warranty_months", "maintenance_interval_days")
TEXT_KEYS: Final = (
    "category",
    "care_guide_vi",
    "care_guide_en",
    "care_guide_url_vi",
    "care_guide_url_en",
)
SKU_SPLIT_RE: Final = re.compile(r"[|,;\s]+")


def split_skus(raw: str) -> list[str]:
    return [s for s in SKU_SPLIT_RE.split(raw.strip()) if s]


def _days(value: str, default_unit: str) -> int | None:
    match = PERIOD_RE.match(value.strip())
    if match is None:
        return None
    n, unit = int(match["n"]), (match["unit"] or default_unit).lower()
    return n * {"d": 1, "m": 30, "y": 365}[unit]


def care_from_tags(tags: str | Iterable[str] | None) -> tuple[dict[str, Any], list[str]]:
    """Care fields named by `key:value` tags, and the tags that looked like ours but did not
    parse (other tags are the shop's own and are left alone)."""
    items = tags.split(",") if isinstance(tags, str) else list(tags or [])
    found: dict[str, Any] = {}
    problems: list[str] = []
    for raw in items:
        match = TAG_RE.match(str(raw).strip())
        if match is None:
            continue
        key, value = match["key"].lower(), match["value"].strip()
        if key == "category":
            found["category"] = value[:100]
        elif key == "related":
            found["related_skus"] = split_skus(value)
        elif key == "warranty":
            period = PERIOD_RE.match(value)
            if period is None:
                problems.append(str(raw).strip())
            elif (period["unit"] or "m").lower() == "d":
                found["warranty_days"] = int(period["n"])
            else:
                found["warranty_months"] = int(period["n"]) * (
                    12 if (period["unit"] or "m").lower() == "y" else 1
                )
        else:
            days = _days(value, "d")
            if days is None:
                problems.append(str(raw).strip())
            else:
                found["usage_days" if key == "usage" else "maintenance_interval_days"] = days
    return found, problems


def care_from_metafields(
    metafields: Iterable[Mapping[str, Any]] | None,
) -> tuple[dict[str, Any], list[str]]:
    """Care fields from metafields in the `careloop` namespace (others are ignored)."""
    found: dict[str, Any] = {}
    problems: list[str] = []
    for item in metafields or []:
        if not isinstance(item, Mapping) or str(item.get("namespace")) != NAMESPACE:
            continue
        key, value = str(item.get("key") or ""), item.get("value")
        if value is None or value == "":
            continue
        if key in NUMBER_KEYS:
            try:
                found[key] = int(str(value).strip())
            except ValueError:
                problems.append(f"{NAMESPACE}.{key}")
        elif key in TEXT_KEYS:
            found[key] = str(value).strip()
        elif key == "related_skus":
            found[key] = _sku_list(value)
    return found, problems


def _sku_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [str(v).strip() for v in parsed if str(v).strip()]
    return split_skus(text)
