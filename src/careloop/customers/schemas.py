"""API schemas of customers: CustomerIn (create or update), CustomerPublic."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from careloop.core.bounds import plausible_birthday
from careloop.core.phone import normalise_phone
from careloop.shops.service import validate_timezone

ChannelName = Literal["email", "sms", "zalo"]
# How a customer's recorded gender or title may be written (API, CSV, staff form); stored as
# "female" / "male" and used for anh/chị in messages (channels/render_context.py).
GENDER_WORDS = {
    "female": "female",
    "f": "female",
    "nu": "female",
    "nữ": "female",
    "chi": "female",
    "chị": "female",
    "ms": "female",
    "mrs": "female",
    "male": "male",
    "m": "male",
    "nam": "male",
    "anh": "male",
    "mr": "male",
}
ConsentState = Literal["granted", "denied", "unknown"]
ExternalId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")]
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CustomerIn(BaseModel):
    """A customer as a shop sends it. Absent fields leave stored values unchanged."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    customer_id: ExternalId
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = None
    birthday: date | None = None
    locale: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Za-z]{2,4})?$")
    timezone: str | None = None
    preferred_channel: ChannelName | None = None
    gender: str | None = None
    zalo_user_id: str | None = Field(default=None, max_length=64)
    accepts_marketing: bool | None = None
    consents: dict[ChannelName, ConsentState] | None = None
    tags: list[Annotated[str, Field(min_length=1, max_length=50)]] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not EMAIL_RE.match(value):
            raise ValueError(f"not an email address: {value!r}")
        return value.lower()

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        return normalise_phone(value)

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        found = GENDER_WORDS.get(value.strip().lower().rstrip("."))
        if found is None:
            raise ValueError(
                f"unknown gender {value!r} (use female/male, nữ/nam, chị/anh, or leave empty)"
            )
        return found

    @field_validator("birthday")
    @classmethod
    def _birthday(cls, value: date | None) -> date | None:
        return plausible_birthday(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if (reason := validate_timezone(value)) is not None:
            raise ValueError(reason)
        return value

    @field_validator("name", "zalo_user_id", "locale", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


class ConsentPublic(BaseModel):
    channel: str
    state: str
    changed_at: datetime
    source: str


class CustomerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    customer_id: str
    name: str
    email: str | None
    phone: str | None
    zalo_user_id: str | None
    birthday: date | None
    locale: str | None
    timezone: str | None
    preferred_channel: str | None
    gender: str | None = None
    tags: list[str]
    referral_code: str
    consents: list[ConsentPublic]
    orders_count: int
    total_spent: str
    currency: str
    created_at: datetime
