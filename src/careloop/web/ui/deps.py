"""Who is signed in to the staff UI, in which shop, with which role: `CurrentStaff`,
`require_role(...)` and the aliases `AgentStaff`, `OwnerStaff`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import select

from careloop.context import AppContext
from careloop.shops.accounts import SessionLimits, session_user_id
from careloop.shops.models import Membership, Shop, StaffUser
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import normalise_locale
from careloop.web.ui.nav import ROLE_RANK, role_at_least

# Keys of the signed session cookie.
SESSION_USER = "uid"
SESSION_SHOP = "shop_id"
SESSION_LOCALE = "locale"
# The server-side session's token (careloop.shops.accounts): without a live row for it, the
# rest of the cookie is worth nothing.
SESSION_TOKEN = "sid"


def session_limits(ctx: AppContext) -> SessionLimits:
    return SessionLimits(
        idle=timedelta(minutes=ctx.settings.session_idle_minutes),
        absolute=timedelta(hours=ctx.settings.session_max_hours),
    )


class LoginRequired(Exception):
    """Raised by `CurrentStaff` when nobody is signed in; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


@dataclass(frozen=True)
class StaffContext:
    """The signed-in staff member, the shop they are working in and their role there."""

    user: StaffUser
    shop: Shop
    role: str
    shops: list[tuple[Shop, str]]
    locale: str

    def can(self, min_role: str) -> bool:
        """True if this staff member's role is at least `min_role` (viewer < agent < owner)."""
        return role_at_least(self.role, min_role)


def current_staff(request: Request, session: SessionDep, ctx: Ctx) -> StaffContext:
    user_id = request.session.get(SESSION_USER)
    live = session_user_id(
        session, ctx.clock, request.session.get(SESSION_TOKEN), session_limits(ctx)
    )
    user = session.get(StaffUser, user_id) if isinstance(user_id, int) and live == user_id else None
    if user is None:
        # Signed out, timed out or ended elsewhere (logout, password change): forget it all.
        request.session.clear()
        raise LoginRequired(_requested_path(request))
    shops = [
        (shop, role)
        for shop, role in session.execute(
            select(Shop, Membership.role)
            .join(Membership, Membership.shop_id == Shop.id)
            .where(Membership.user_id == user.id)
            .order_by(Shop.name, Shop.id)
        ).all()
    ]
    if not shops:
        # Removed from every shop since signing in: the session is worth nothing now.
        request.session.clear()
        raise LoginRequired(_requested_path(request))
    wanted = request.session.get(SESSION_SHOP)
    shop, role = next(((s, r) for s, r in shops if s.id == wanted), shops[0])
    if wanted != shop.id:
        request.session[SESSION_SHOP] = shop.id
    locale = normalise_locale(request.session.get(SESSION_LOCALE) or shop.locale)
    return StaffContext(user=user, shop=shop, role=role, shops=shops, locale=locale)


def _requested_path(request: Request) -> str:
    """Where to come back to after signing in."""
    # For an HTMX fragment, come back to the page it was part of, not the fragment itself.
    current = request.headers.get("hx-current-url")
    if current:
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method != "GET":
        return "/"  # a form's target cannot be opened with GET
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


CurrentStaff = Annotated[StaffContext, Depends(current_staff)]


def require_role(min_role: str) -> Callable[[StaffContext], StaffContext]:
    """A dependency: the current staff member, or 403 if their role is below `min_role`."""
    if min_role not in ROLE_RANK:
        raise ValueError(f"unknown role {min_role!r}")

    def dependency(staff: CurrentStaff) -> StaffContext:
        if not staff.can(min_role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this needs the {min_role} role; you are {staff.role} in {staff.shop.name}",
            )
        return staff

    return dependency


AgentStaff = Annotated[StaffContext, Depends(require_role("agent"))]
OwnerStaff = Annotated[StaffContext, Depends(require_role("owner"))]
