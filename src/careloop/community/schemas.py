"""API schemas of the community capability: one family per entity (Create / Public).

Every string and number is bounded to what its column holds, and every moment to years a
shop can mean, so a bad body is a 422 naming the field, never a database error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _plausible(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise ValueError("must be between 2000 and 2100")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Key = Annotated[str, Field(min_length=1, max_length=64)]
ExternalId = Annotated[str, Field(min_length=1, max_length=128)]
GroupId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Keys = Annotated[list[Key], Field(max_length=50)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AudienceIn(_In):
    """Filters combine (a customer must match each one given); values inside one filter are
    alternatives. `all` alone means every customer."""

    segments: Keys = []
    tiers: Keys = []
    tags: Keys = []
    skus: Annotated[list[ExternalId], Field(max_length=50)] = []
    groups: Annotated[list[GroupId], Field(max_length=50)] = []
    customers: Annotated[list[ExternalId], Field(max_length=5000)] = []
    all: bool = False


class CampaignCreate(_In):
    name: Name
    purpose: Literal["value", "promotion"] = "value"
    kind: Literal["marketing", "service"] = "marketing"
    audience: AudienceIn
    subject: Name
    body: Annotated[str, Field(min_length=1, max_length=2000)]


class ScheduleIn(_In):
    send_at: Moment | None = Field(default=None, description="Empty: send on the next pass")


class CampaignPublic(BaseModel):
    id: int
    name: str
    purpose: str
    kind: str
    status: str
    audience: dict[str, object]
    subject: str
    body: str
    send_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    sends: dict[str, int] = Field(description="Outbox rows by status once it started")


class PreviewPublic(BaseModel):
    total: int
    send: int
    deferred: dict[str, int]
    deferred_total: int
    suppressed: dict[str, int]
    suppressed_total: int
    channels: dict[str, int]
    at: datetime
    promotion_share_now: float
    promotion_share_after: float
    warning: str | None


class EventCreate(_In):
    title: Annotated[str, Field(min_length=1, max_length=300)]
    starts_at: Moment
    capacity: Annotated[int, Field(ge=1, le=100_000)]
    mode: Literal["online", "in_shop"] = "in_shop"
    language: Literal["vi", "en", "zh"] = "vi"
    location: Annotated[str, Field(max_length=500)] = ""
    duration_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 90
    description: Annotated[str, Field(max_length=5000)] = ""
    segments: Keys = []
    seat_reward: bool = False


class EventPublic(BaseModel):
    id: int
    title: str
    status: str
    mode: str
    location: str
    language: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    segments: list[str]
    going: int
    waitlist: int
    checked_in: int


class RsvpPublic(BaseModel):
    event_id: int
    customer_id: str
    status: str
    checked_in_at: datetime | None


class GroupPublic(BaseModel):
    id: int
    platform: str
    name: str
    invite_url: str
    purpose: str
    segments: list[str]
    members: int


class MemberPublic(BaseModel):
    group_id: int
    customer_id: str
    member: bool


class LaunchCreate(_In):
    sku: ExternalId
    name: Annotated[str, Field(min_length=1, max_length=300)]
    early_at: Moment
    public_at: Moment
    offer: Literal["free", "percent"] = "free"
    percent_off: Annotated[int, Field(ge=1, le=100)] | None = None
    segments: Keys = ["champions", "loyal"]
    description: Annotated[str, Field(max_length=5000)] = ""


class LaunchPublic(BaseModel):
    id: int
    sku: str
    name: str
    offer: str
    percent_off: int | None
    segments: list[str]
    early_at: datetime
    public_at: datetime
    cancelled_at: datetime | None
    invited: int
    opened: int
    claimed: int
    bought: int


class AmbassadorPublic(BaseModel):
    customer_id: str
    name: str | None
    score: int
    breakdown: dict[str, int]
    code: str | None
    named_at: datetime


class UgcIn(_In):
    customer_id: ExternalId
    kind: Literal["ugc", "minigame"] = "ugc"
    entry_key: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The post's link or id: the same entry earns once"
    )
    url: Annotated[str, Field(max_length=500)] = ""
    note: Annotated[str, Field(max_length=2000)] = ""


class UgcPublic(BaseModel):
    id: int
    customer_id: str
    kind: str
    entry_key: str
    points: int
    created: bool
    recorded_at: datetime
