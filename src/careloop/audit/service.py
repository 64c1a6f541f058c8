"""Recording and reading the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.audit.models import AuditEntry
from careloop.core.clock import Clock


def audit(
    *,
    session: Session,
    clock: Clock,
    shop_id: int | None,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    origin: str = "",
) -> AuditEntry:
    """Append an entry in the caller's transaction: the log and the change commit together."""
    entry = AuditEntry(
        shop_id=shop_id,
        actor=actor[:300],
        action=action,
        target=target[:200],
        detail=detail or {},
        origin=origin[:100],
        at=clock.now(),
    )
    session.add(entry)
    return entry


def audit_trail(session: Session, shop_id: int, limit: int = 200) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.shop_id == shop_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
