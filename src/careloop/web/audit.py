"""Every staff or API change lands in the audit log: who, what, when, from where.

`record_changes` is a router dependency of the staff UI and the REST API. It watches the
request's database session; if the route changed anything (an ORM flush with new, changed or
deleted rows, or an INSERT/UPDATE/DELETE statement) and did not write its own, richer audit
entry, it appends one naming the route and its ids, in the same transaction as the change.
Routes that change nothing (previews, failed forms, reads) leave no entry; public customer
pages and signed provider callbacks have no staff actor and are not audited here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from careloop.audit.models import AuditEntry
from careloop.audit.service import audit
from careloop.core.ids import sha256_hex
from careloop.shops.models import ApiKey, StaffUser
from careloop.web.deps import Ctx, SessionDep
from careloop.web.security import client_address

ACTION_CHARS = 64  # AuditEntry.action's column width
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A shop's own systems pushing its orders, customers and events through an API key is data
# flowing in, not a staff action: auditing each would add a row per order (20,000 a day for a
# busy shop) and bury the changes people made. Those routes keep their own delivery records.
INGEST_ROUTES = frozenset(
    {
        "POST /api/v1/orders",
        "POST /api/v1/orders/{order_id}/status",
        "POST /api/v1/events",
        "POST /api/v1/customers",
    }
)


@dataclass
class _Watch:
    changed: bool = False
    audited: bool = False

    def after_flush(self, session: Session, _flush: UOWTransaction) -> None:
        for row in (*session.new, *session.dirty, *session.deleted):
            if isinstance(row, AuditEntry):
                self.audited = True
            else:
                self.changed = True

    def on_execute(self, state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            self.changed = True


@dataclass(frozen=True)
class Actor:
    name: str  # "staff:<email>" or "api:<key name>"
    shop_id: int | None


def client_ip(request: Request) -> str:
    """The client's address: the peer's, or from X-Forwarded-For when the peer is one of
    CARELOOP_TRUSTED_PROXIES (careloop.web.security.client_address)."""
    ctx = getattr(request.app.state, "ctx", None)
    trusted = ctx.settings.trusted_proxies if ctx is not None else ""
    address = client_address(request, trusted)
    return "" if address == "unknown" else address


def _actor(request: Request, session: Session) -> Actor | None:
    if request.url.path.startswith("/api/"):
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return None
        row = session.scalar(select(ApiKey).where(ApiKey.key_hash == sha256_hex(key.strip())))
        return Actor(f"api:{row.name}", row.shop_id) if row is not None else None
    session_data: dict[str, Any] = request.scope.get("session") or {}
    user_id, shop_id = session_data.get("uid"), session_data.get("shop_id")
    user = session.get(StaffUser, user_id) if isinstance(user_id, int) else None
    if user is None:
        return None
    return Actor(f"staff:{user.email}", shop_id if isinstance(shop_id, int) else None)


def _what(request: Request) -> tuple[str, str]:
    route = request.scope.get("route")
    template = str(getattr(route, "path", request.url.path))
    ids = ",".join(f"{k}={v}" for k, v in sorted(request.path_params.items()))
    return f"{request.method} {template}"[:ACTION_CHARS], ids


def record_changes(request: Request, session: SessionDep, ctx: Ctx) -> Iterator[None]:
    """Router dependency: audit a route that changed data and did not audit itself."""
    if request.method in SAFE_METHODS or _what(request)[0] in INGEST_ROUTES:
        yield  # a read never counts as a staff change, whatever bookkeeping it writes
        return
    watch = _Watch()
    event.listen(session, "after_flush", watch.after_flush)
    event.listen(session, "do_orm_execute", watch.on_execute)
    try:
        yield
        session.flush()
    finally:
        event.remove(session, "after_flush", watch.after_flush)
        event.remove(session, "do_orm_execute", watch.on_execute)
    if not watch.changed or watch.audited:
        return
    actor = _actor(request, session)
    if actor is None:
        return
    action, target = _what(request)
    audit(
        session=session,
        clock=ctx.clock,
        shop_id=actor.shop_id,
        actor=actor.name,
        action=action,
        target=target,
        detail={"path": request.url.path[:300]},
        origin=client_ip(request),
    )
