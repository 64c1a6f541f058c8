"""The audit log table: append-only, one row per staff, API or CLI action that changed data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from careloop.db.base import Base, BigId, JsonType, UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_shop_id_at", "shop_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(
        ForeignKey("shops.id", ondelete="CASCADE"), nullable=True
    )
    # "staff:<email>", "api:<key name>", "cli", "system".
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64))  # e.g. customer.erased, settings.changed
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    origin: Mapped[str] = mapped_column(String(100), default="")  # IP address or "cli"
    at: Mapped[datetime] = mapped_column(UTCDateTime)
