"""API schemas of the catalogue: ProductIn (create or update by sku), ProductPatch,
ProductPublic. The CSV import and the staff form validate with the same rules."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from careloop.customers.schemas import ExternalId

MAX_DAYS: Final = 3650
MAX_WARRANTY_MONTHS: Final = 240
MAX_RELATED: Final = 20
MAX_GUIDE_CHARS: Final = 5000
Days = Annotated[int, Field(ge=1, le=MAX_DAYS)]
Url = Annotated[str, Field(max_length=500)]
Guide = Annotated[str, Field(max_length=MAX_GUIDE_CHARS)]
# Fields a product carries besides its sku, in the order forms and CSV list them.
CARE_FIELDS: Final = (
    "name",
    "category",
    "parent_sku",
    "price",
    "usage_days",
    "warranty_months",
    "maintenance_interval_days",
    "care_guide_vi",
    "care_guide_en",
    "care_guide_url_vi",
    "care_guide_url_en",
    "related_skus",
)


class ProductFields(BaseModel):
    """What a shop may say about a product; absent fields leave stored values unchanged,
    null clears them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=100)
    parent_sku: ExternalId | None = None
    price: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False, max_digits=18)
    usage_days: Days | None = None
    warranty_months: int | None = Field(default=None, ge=0, le=MAX_WARRANTY_MONTHS)
    # A warranty a shop counts in days (demo data, `warranty:365d` tags); months win.
    warranty_days: Days | None = None
    maintenance_interval_days: Days | None = None
    care_guide_vi: Guide | None = None
    care_guide_en: Guide | None = None
    care_guide_url_vi: Url | None = None
    care_guide_url_en: Url | None = None
    related_skus: list[ExternalId] | None = Field(default=None, max_length=MAX_RELATED)

    @field_validator("care_guide_url_vi", "care_guide_url_en")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.lower().startswith(("https://", "http://")) or " " in value:
            raise ValueError("must be a web address starting with https://")
        return value

    @field_validator("category", "care_guide_vi", "care_guide_en")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("related_skus")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return list(dict.fromkeys(value))


class ProductIn(ProductFields):
    """A product as a shop sends it; `sku` makes sending it again an update."""

    sku: ExternalId
    # The store's own ids of this sku, as its product webhook names them (Product `id`,
    # variant `id`): what a product-limited code is limited to in the store.
    store_product_id: str | None = Field(default=None, max_length=64)
    store_variant_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _not_itself(self) -> ProductIn:
        if self.parent_sku is not None and self.parent_sku == self.sku:
            raise ValueError("parent_sku: a product cannot be its own parent")
        if self.related_skus and self.sku in self.related_skus:
            raise ValueError("related_skus: a product cannot be related to itself")
        return self


class ProductPatch(ProductFields):
    """A partial update of a stored product."""


class ProductPublic(BaseModel):
    sku: str
    name: str
    category: str | None
    parent_sku: str | None
    price: str | None
    usage_days: int | None
    warranty_months: int | None
    warranty_days: int | None
    maintenance_interval_days: int | None
    care_guide_vi: str | None
    care_guide_en: str | None
    care_guide_url_vi: str | None
    care_guide_url_en: str | None
    related_skus: list[str]
    created_at: datetime
    updated_at: datetime | None


class ProductPage(BaseModel):
    items: list[ProductPublic]
    total: int
    limit: int
    offset: int


def given(data: BaseModel) -> dict[str, Any]:
    """The fields the sender set (null included), as stored values."""
    return {name: getattr(data, name) for name in data.model_fields_set if name != "sku"}
