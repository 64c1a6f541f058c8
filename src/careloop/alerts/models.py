"""Alerts already announced to a staff member (so a cause is told once, again only when it
grows), and the daily digests sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, UTCDateTime


class StaffAlert(Base):
    __tablename__ = "staff_alerts"
    __table_args__ = (
        Index("ix_staff_alerts_shop_user_key", "shop_id", "user_id", "key", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    # The attention item's key ("digest:<local date>" for a digest).
    key: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # alert | digest
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # sent | failed
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
