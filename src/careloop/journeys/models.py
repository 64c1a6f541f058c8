"""Tables of the journeys capability: versioned definitions, enrollments, scan state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime

JOURNEY_STATUSES = ("draft", "active", "paused")
# active: due to run a step; waiting: in a wait/wait_for; done/exited: finished;
# holdout: in the control group, gets nothing.
ENROLLMENT_STATUSES = ("active", "waiting", "done", "exited", "holdout")
RUNNABLE = ("active", "waiting")
# The same as SQL, literally: a partial index is only used by a query that repeats its
# condition word for word (SQLite), with no bound parameters (PostgreSQL's generic plans).
RUNNABLE_SQL = "status IN ('active', 'waiting')"


class Journey(Base):
    """One version of one journey of a shop; enrollments stay on the version they began."""

    __tablename__ = "journeys"
    __table_args__ = (
        UniqueConstraint("shop_id", "key", "version"),
        Index("ix_journeys_shop_status", "shop_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType)
    source_text: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Events before this moment never enrol (set when turned on: now, or now minus the
    # catch-up window the owner chose); None for journeys turned on before it existed.
    enrol_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JourneyEnrollment(Base):
    """A customer's way through one journey version for one trigger: the durable state."""

    __tablename__ = "journey_enrollments"
    __table_args__ = (
        UniqueConstraint("journey_id", "customer_id", "trigger_key"),
        Index("ix_journey_enrollments_due", "status", "due_at"),
        # The runner's claim walks this in due order and stops after a batch; with
        # (status, due_at) and two statuses it had to sort every due row for each batch.
        Index(
            "ix_journey_enrollments_runnable_due",
            "due_at",
            postgresql_where=text(RUNNABLE_SQL),
            sqlite_where=text(RUNNABLE_SQL),
        ),
        Index("ix_journey_enrollments_customer", "shop_id", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    journey_key: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    trigger_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    step_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Order id, coupon codes, message ids per step, wait start times...
    context: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fence: Mapped[int] = mapped_column(Integer, default=0)
    exit_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JourneyScan(Base):
    """When the date-trigger scan last ran for a shop, so one worker runs it at a time."""

    __tablename__ = "journey_scans"

    shop_id: Mapped[int] = mapped_column(
        ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True
    )
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
