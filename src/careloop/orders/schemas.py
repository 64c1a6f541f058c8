"""API schemas of orders: OrderIn (upsert), StatusChangeIn, EventIn, OrderPublic."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from careloop.core import events
from careloop.core.bounds import plausible_moment, plausible_optional
from careloop.core.phone import normalise_phone
from careloop.customers.schemas import EMAIL_RE, ExternalId
from careloop.orders.address import MAX_ADDRESS_CHARS, join_address

Status = Literal["placed", "paid", "shipped", "delivered", "returned", "cancelled"]
NonNegative = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    sku: str | None = Field(default=None, max_length=128)
    product_name: str = Field(default="", max_length=300)
    quantity: int = Field(default=1, ge=1, le=1_000_000)
    unit_price: NonNegative = Decimal(0)


AddressPart = Annotated[str | None, Field(max_length=200)]


class ShippingAddressIn(BaseModel):
    """A structured delivery address; the parts are joined into one line in this order.
    Platform spellings are accepted too (address_1, address_2, zip, state)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    address1: AddressPart = Field(
        default=None, validation_alias=AliasChoices("address1", "address_1")
    )
    address2: AddressPart = Field(
        default=None, validation_alias=AliasChoices("address2", "address_2")
    )
    ward: AddressPart = None
    district: AddressPart = None
    city: AddressPart = None
    province: AddressPart = Field(default=None, validation_alias=AliasChoices("province", "state"))
    postcode: AddressPart = Field(default=None, validation_alias=AliasChoices("postcode", "zip"))
    country: AddressPart = None

    def line(self) -> str | None:
        return join_address(self.model_dump())


class OrderIn(BaseModel):
    """An order as a shop sends it; `order_id` makes re-sending it harmless."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    order_id: ExternalId
    number: str | None = Field(
        default=None,
        max_length=64,
        description=(
            "The number the shop and its customers know the order by, when it differs from "
            'order_id (Shopify\'s "#1001" for order 450789469); messages and pages show it.'
        ),
    )
    customer_id: ExternalId
    placed_at: datetime
    total: NonNegative
    status: Status = "placed"
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=1000)
    discount_codes: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=50
    )
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    returned_at: datetime | None = None
    cancelled_at: datetime | None = None
    customer_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = None
    shipping_address: str | ShippingAddressIn | None = Field(
        default=None,
        description=(
            'Where the order ships: one line of text ("12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM") '
            "or an object {address1, address2, ward, district, city, province, postcode, "
            "country}. Stored as one line; a normalised form of it is compared by the "
            "referral check (a friend shipping to the advocate's address is held for review)."
        ),
    )

    @field_validator("shipping_address")
    @classmethod
    def _address_length(
        cls, value: str | ShippingAddressIn | None
    ) -> str | ShippingAddressIn | None:
        if isinstance(value, str) and len(value) > MAX_ADDRESS_CHARS:
            raise ValueError(f"longer than {MAX_ADDRESS_CHARS} characters")
        return value

    def shipping_line(self) -> str | None:
        """The delivery address as one line (None when not given or blank)."""
        if isinstance(self.shipping_address, ShippingAddressIn):
            return self.shipping_address.line()
        return join_address([self.shipping_address])

    @field_validator(
        "placed_at", "paid_at", "shipped_at", "delivered_at", "returned_at", "cancelled_at"
    )
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return plausible_optional(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not EMAIL_RE.match(value):
            raise ValueError(f"not an email address: {value!r}")
        return value.lower()

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @model_validator(mode="after")
    def _times_after_placed(self) -> OrderIn:
        for name in ("paid_at", "shipped_at", "delivered_at", "returned_at", "cancelled_at"):
            at = getattr(self, name)
            if at is not None and at < self.placed_at:
                raise ValueError(f"{name} ({at.isoformat()}) is before placed_at")
        return self

    def status_times(self) -> dict[str, datetime | None]:
        return {
            "placed": self.placed_at,
            "paid": self.paid_at,
            "shipped": self.shipped_at,
            "delivered": self.delivered_at,
            "returned": self.returned_at,
            "cancelled": self.cancelled_at,
        }


class StatusChangeIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Status
    at: datetime | None = Field(default=None, description="When it happened; default: now")
    event_id: str | None = Field(default=None, max_length=128)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return plausible_optional(value)


class StatusRowIn(StatusChangeIn):
    """A status change accepted by `POST /api/v1/orders/{order_id}/status` and stored in the
    ingest inbox; `at` is filled with the moment it was received when the caller left it out."""

    order_id: str = Field(min_length=1, max_length=128)


class EventIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: ExternalId
    customer_id: ExternalId
    type: str = Field(min_length=3, max_length=64)
    occurred_at: datetime
    order_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if not events.is_valid_type(value):
            raise ValueError("a dotted name such as 'order.delivered' or 'app.wishlist_added'")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return plausible_moment(value)


class EventsIn(BaseModel):
    events: list[EventIn] = Field(min_length=1, max_length=1000)


class EventsAccepted(BaseModel):
    accepted: int
    event_ids: list[str]


class OrderLinePublic(BaseModel):
    sku: str | None
    product_name: str
    quantity: int
    unit_price: str


class OrderPublic(BaseModel):
    order_id: str
    number: str | None = None
    customer_id: str
    status: Status
    currency: str
    total: str
    discount_codes: list[str]
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    returned_at: datetime | None
    cancelled_at: datetime | None
    shipping_address: str | None = None
    lines: list[OrderLinePublic]
