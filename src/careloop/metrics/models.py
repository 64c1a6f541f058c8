"""The metrics capability's table: each shop's newest computed figures per page (snapshots),
so staff pages read a row instead of scanning a million orders on every view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime


class MetricSnapshot(Base):
    """The newest figures of one kind (`key`: "overview", "journeys.funnel",
    "review:2026-10") for one shop, with when and from which data they were computed."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (UniqueConstraint("shop_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(120))
    # The shop settings (time zone, targets, ...) the figures were computed under: a
    # snapshot of other settings is never shown.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # The newest order and timeline-event ids when computed ("orders:events").
    data_version: Mapped[str] = mapped_column(String(64))
    data_as_of: Mapped[datetime] = mapped_column(UTCDateTime)  # the "now" the figures are for
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    compute_ms: Mapped[int] = mapped_column(Integer)
    # The shop's orders when computed: small shops are recomputed during the request.
    shop_orders: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    refresh_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A refresher's lease: another worker or process leaves the row alone until then.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
