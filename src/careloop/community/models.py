"""Tables of the community capability: campaigns and their outbox, early-access launches,
events and workshops, community groups, ambassadors and UGC entries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime

CAMPAIGN_STATUSES = ("draft", "scheduled", "sending", "sent", "cancelled")
SEND_STATUSES = ("pending", "deferred", "sent", "suppressed")


class Campaign(Base):
    """A one-off or scheduled send to an audience, through the contact policy."""

    __tablename__ = "community_campaigns"
    __table_args__ = (Index("ix_community_campaigns_shop_status", "shop_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # "value" (tips, stories, invitations) or "promotion" (offers): the 80/20 check counts them.
    purpose: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    audience: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # The whole rendered SMS without diacritics (GSM-7: half the price of UCS-2).
    sms_unaccented: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(16))
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    materialized_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommunitySend(Base):
    """One message this capability wants to send to one customer: the durable outbox the
    worker works through in batches (pending -> sent | deferred -> ... | suppressed)."""

    __tablename__ = "community_sends"
    __table_args__ = (
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_community_sends_due", "status", "due_at"),
        Index("ix_community_sends_source", "shop_id", "source", "ref_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    # campaign, launch, event, group: what `ref_id` points at.
    source: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(BigInteger)
    template_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    context: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rule: Mapped[str | None] = mapped_column(String(500), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Launch(Base):
    """A product launch with an early-access window for chosen segments."""

    __tablename__ = "community_launches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # "percent" (a personal coupon on claim) or "free" (free for feedback).
    offer: Mapped[str] = mapped_column(String(16))
    percent_off: Mapped[int | None] = mapped_column(Integer, nullable=True)
    segments: Mapped[list[str]] = mapped_column(JsonType, default=list)
    early_at: Mapped[datetime] = mapped_column(UTCDateTime)
    public_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invites_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Cancelled before it went public: no more invitations, claims or tracking.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LaunchInvite(Base):
    """Who was invited to (or claimed) a launch, and how far they went."""

    __tablename__ = "community_launch_invites"
    __table_args__ = (UniqueConstraint("launch_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    launch_id: Mapped[int] = mapped_column(ForeignKey("community_launches.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    # "invite" (early access) or "public" (claimed after the public date without an invite).
    via: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    bought_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    order_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    coupon_code: Mapped[str | None] = mapped_column(String(32), nullable=True)


class CommunityEvent(Base):
    """A workshop or meet-up, online or in the shop, with a capacity and a waitlist."""

    __tablename__ = "community_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(10))
    segments: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # A members-only workshop: a seat costs the loyalty reward `workshop_seat`.
    seat_reward: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    invites_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminders_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    thanks_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Rsvp(Base):
    """A customer's place at an event: going, on the waitlist, or cancelled."""

    __tablename__ = "community_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "customer_id"),
        Index("ix_community_rsvps_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("community_events.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    used_seat_reward: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CommunityGroup(Base):
    """A Zalo, Facebook or WeChat group the shop runs, and who it is for."""

    __tablename__ = "community_groups"
    __table_args__ = (UniqueConstraint("shop_id", "platform", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    invite_url: Mapped[str] = mapped_column(String(500), default="")
    purpose: Mapped[str] = mapped_column(String(200), default="")
    segments: Mapped[list[str]] = mapped_column(JsonType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GroupMember(Base):
    __tablename__ = "community_group_members"
    __table_args__ = (UniqueConstraint("group_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("community_groups.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(32))
    activity_count: Mapped[int] = mapped_column(Integer, default=0)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Ambassador(Base):
    """A "Diamond Member": one of the most active customers, with a shareable code."""

    __tablename__ = "community_ambassadors"
    __table_args__ = (UniqueConstraint("shop_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    breakdown: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    coupon_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    named_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UgcEntry(Base):
    """A photo, story or minigame entry with the shop's hashtag, recorded by staff or imported."""

    __tablename__ = "community_ugc_entries"
    __table_args__ = (UniqueConstraint("shop_id", "entry_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    entry_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RuleRun(Base):
    """One nightly run of a community rule (the ambassador rule) for a shop's local day.
    Inserting the row is the claim: two workers never run the same shop twice a day."""

    __tablename__ = "community_rule_runs"
    __table_args__ = (UniqueConstraint("shop_id", "rule", "run_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))
    run_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    named: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
