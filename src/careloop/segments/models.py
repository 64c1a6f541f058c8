"""Tables of the segments capability: each customer's current segment, the history of
segment changes, and one row per recompute run (the nightly job's claim and its CLV fit)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime


class CustomerSegment(Base):
    """A customer's current RFM scores, segment and CLV figures (customers with an order)."""

    __tablename__ = "customer_segments"
    __table_args__ = (
        UniqueConstraint("shop_id", "customer_id"),
        Index("ix_customer_segments_shop_segment", "shop_id", "segment"),
        # The segments page reads only this index: the R x F grid groups in its order and
        # the CLV overview averages its trailing columns, without touching the table.
        Index(
            "ix_customer_segments_shop_grid",
            "shop_id",
            "r_score",
            "f_score",
            "monetary_minor",
            "predicted_clv_minor",
            "p_alive",
            "computed_at",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    segment: Mapped[str] = mapped_column(String(32))
    r_score: Mapped[int] = mapped_column(Integer)
    f_score: Mapped[int] = mapped_column(Integer)
    m_score: Mapped[int] = mapped_column(Integer)
    recency_days: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[int] = mapped_column(Integer)
    monetary_minor: Mapped[int] = mapped_column(BigInteger)
    # CLV figures from the last fit; NULL when the shop's data was too thin for the model.
    p_alive: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_purchases: Mapped[float | None] = mapped_column(Float, nullable=True)
    predicted_clv_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SegmentChange(Base):
    """Append-only history: a customer moved from one segment to another (None = none)."""

    __tablename__ = "segment_changes"
    __table_args__ = (
        Index("ix_segment_changes_customer_time", "customer_id", "changed_at"),
        Index("ix_segment_changes_shop_time", "shop_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    from_segment: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_segment: Mapped[str | None] = mapped_column(String(32), nullable=True)
    r_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    f_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    m_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SegmentRun(Base):
    """One nightly recompute of a shop's segments. The task claims (shop, local day) by
    inserting this row, so two workers never run the same shop twice on one day."""

    __tablename__ = "segment_runs"
    __table_args__ = (UniqueConstraint("shop_id", "run_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    run_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customers: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    # The CLV fit of this run: parameters, log-likelihoods, or why it was not fitted.
    clv: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
