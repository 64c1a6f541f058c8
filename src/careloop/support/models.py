"""Tables of the support desk: tickets, their messages and events, staff tasks, SLA policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

# The tables these reference must be in the metadata whenever these are used (a CLI command
# may import nothing else).
from careloop.customers import models as _customers  # noqa: F401
from careloop.db.base import Base, BigId, JsonType, UTCDateTime
from careloop.orders import models as _orders  # noqa: F401
from careloop.shops import models as _shops  # noqa: F401


class Ticket(Base):
    """One customer problem, from the first message to resolution. The SLA clocks are
    recomputed from `TicketEventRow`s; `sla_check_at` is when the worker must look again."""

    __tablename__ = "support_tickets"
    __table_args__ = (
        UniqueConstraint("shop_id", "source_event_key"),
        Index("ix_support_tickets_shop_status", "shop_id", "status"),
        Index("ix_support_tickets_customer", "customer_id", "status"),
        Index("ix_support_tickets_sla_check", "sla_check_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), nullable=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    problem_type: Mapped[str] = mapped_column(String(24))
    # Where replies go out: email, sms, zalo; "system"/"staff" tickets answer on the
    # customer's preferred channel.
    channel: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    source_event_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    from_negative_feedback: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    sla_policy: Mapped[str] = mapped_column(String(64))
    # {"acknowledge": {"done_at": iso, "by": staff_id}, ...}
    playbook: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    compensations: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    staff_reply_count: Mapped[int] = mapped_column(Integer, default=0)
    first_contact_resolution: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    csat_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    csat_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sla_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketMessage(Base):
    """The conversation (kind "message") and internal notes (kind "note")."""

    __tablename__ = "support_ticket_messages"
    __table_args__ = (
        UniqueConstraint("shop_id", "external_ref"),
        Index("ix_support_ticket_messages_ticket", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    author: Mapped[str] = mapped_column(String(10))  # customer, staff, system
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    # Inbound: the provider's message id or the email Message-ID; idempotency and threading.
    external_ref: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Outbound: the channels capability's message id, once queued.
    outbound_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    delivery: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketEventRow(Base):
    """What happened to a ticket, in order: the SLA clocks are a replay of these."""

    __tablename__ = "support_ticket_events"
    __table_args__ = (
        UniqueConstraint("shop_id", "event_key"),
        Index("ix_support_ticket_events_ticket", "ticket_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    event_key: Mapped[str | None] = mapped_column(String(200), nullable=True)


class StaffTask(Base):
    """Work for a person: calls, cards, gift boxes, review replies, follow-ups, notifications."""

    __tablename__ = "support_staff_tasks"
    __table_args__ = (
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_support_staff_tasks_shop_status_due", "shop_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=True, index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_tickets.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Shown to the assignee from this moment: within their working hours.
    notify_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(10))  # open, done, skipped
    source: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlaPolicyRow(Base):
    """A shop's SLA rule: the conditions (empty list = any) and the three targets in minutes.
    A shop without rows uses the defaults from the seeds (careloop.support.sla.DEFAULT_RULES)."""

    __tablename__ = "support_sla_policies"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    priorities: Mapped[list[str]] = mapped_column(JsonType, default=list)
    problem_types: Mapped[list[str]] = mapped_column(JsonType, default=list)
    segments: Mapped[list[str]] = mapped_column(JsonType, default=list)
    entitlements: Mapped[list[str]] = mapped_column(JsonType, default=list)
    from_negative_feedback: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    next_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    business_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    warn_before_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
