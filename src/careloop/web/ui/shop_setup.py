"""A shop made in the browser: the first owner's set-up page on an empty install, and a new
shop for someone already signed in.

`/setup` exists only while the install has no staff account at all (a fresh `careloop
init`, or a server started on an empty database): it creates the shop and its owner in one
transaction and signs the owner in on the get-started checklist. Once anyone has an account
it sends visitors to the sign-in page (and a set-up sent anyway is not found), so it cannot
be used to take over an install. `/shops/new`
lets a signed-in owner (the demo's owner after `make run`, an agency) add a shop of their
own, of which they become owner, and switches to it. Nobody needs `careloop shop create`.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careloop.core.errors import ValidationFailed
from careloop.customers.schemas import EMAIL_RE
from careloop.customers.search_key import fold
from careloop.shops.accounts import start_session
from careloop.shops.models import Membership, Shop, StaffUser
from careloop.shops.passwords import password_problem
from careloop.shops.service import create_shop, create_user, validate_timezone
from careloop.web.deps import Ctx, SessionDep
from careloop.web.i18n import normalise_locale
from careloop.web.security import rotate_csrf_token
from careloop.web.ui.deps import (
    SESSION_LOCALE,
    SESSION_SHOP,
    SESSION_TOKEN,
    SESSION_USER,
    CurrentStaff,
    StaffContext,
)
from careloop.web.ui.templating import render

router = APIRouter()

# The zones a Vietnamese shop's owner is offered first; any IANA name is accepted.
ZONES = ("Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Singapore", "Asia/Tokyo", "Europe/London")
LANGUAGES = ("vi", "en")
MAX_NAME = 120

Errors = dict[str, str]


# pg_advisory_xact_lock key of the first set-up (any constant no other lock uses).
SETUP_LOCK: Final = 0x5E7A9


def install_is_empty(session: Session) -> bool:
    """True while no staff account exists: the only time `/setup` is open."""
    return session.scalar(select(StaffUser.id).limit(1)) is None


def _one_set_up_at_a_time(session: Session) -> None:
    """Two set-ups sent at the same moment must not both find the install empty. SQLite
    already runs write transactions one after the other; on PostgreSQL the second waits
    here for the first to commit, then finds its account and is refused."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(SETUP_LOCK)))


def shop_slug(session: Session, name: str) -> str:
    """A free address for a shop called `name`: "Nhà Mộc" → "nha-moc" (then "nha-moc-2" …)."""
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:50] or "shop"
    if len(base) < 2:
        base = f"shop-{base}"
    taken = set(session.scalars(select(Shop.slug).where(Shop.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _shop_errors(name: str, timezone: str, locale: str) -> Errors:
    errors: Errors = {}
    if not name.strip():
        errors["shop_name"] = "setup.error.shop_name"
    elif len(name.strip()) > MAX_NAME:
        errors["shop_name"] = "setup.error.shop_name_long"
    if validate_timezone(timezone) is not None:
        errors["timezone"] = "setup.error.timezone"
    if locale not in LANGUAGES:
        errors["locale"] = "setup.error.locale"
    return errors


def _owner_errors(name: str, email: str, password: str, password_again: str) -> Errors:
    errors: Errors = {}
    if not name.strip():
        errors["owner_name"] = "setup.error.owner_name"
    if not EMAIL_RE.match(email.strip()):
        errors["email"] = "setup.error.email"
    if password_problem(password) is not None:
        errors["password"] = "setup.error.password"
    elif password != password_again:
        errors["password_again"] = "setup.error.password_again"
    return errors


def _make_shop(session: Session, ctx: Ctx, name: str, timezone: str, locale: str) -> Shop:
    return create_shop(
        session=session,
        clock=ctx.clock,
        slug=shop_slug(session, name),
        name=name.strip(),
        timezone=timezone,
        locale=locale,
    )


def _form_page(
    request: Request,
    template: str,
    form: dict[str, str],
    errors: Errors,
    status: int = 200,
    staff: StaffContext | None = None,
) -> Response:
    return render(
        request,
        template,
        {"form": form, "errors": errors, "zones": ZONES, "languages": LANGUAGES},
        staff=staff,
        status_code=status,
    )


@router.get("/setup")
def setup_form(request: Request, session: SessionDep, lang: str = "") -> Response:
    if not install_is_empty(session):
        return RedirectResponse("/login", status_code=303)
    if lang:
        request.session[SESSION_LOCALE] = normalise_locale(lang)
    # The language offered first is the page's own (the browser's, or the one chosen).
    return _form_page(request, "setup.html", {"timezone": ZONES[0]}, {})


@router.post("/setup")
def setup(
    request: Request,
    ctx: Ctx,
    session: SessionDep,
    shop_name: Annotated[str, Form(max_length=500)] = "",
    timezone: Annotated[str, Form(max_length=64)] = ZONES[0],
    locale: Annotated[str, Form(max_length=10)] = "vi",
    owner_name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    password_again: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    _one_set_up_at_a_time(session)
    if not install_is_empty(session):
        raise HTTPException(status.HTTP_404_NOT_FOUND)  # closed for good: nothing to set up
    form = {
        "shop_name": shop_name,
        "timezone": timezone,
        "locale": locale,
        "owner_name": owner_name,
        "email": email,
    }
    errors = _shop_errors(shop_name, timezone, locale) | _owner_errors(
        owner_name, email, password, password_again
    )
    if errors:
        return _form_page(request, "setup.html", form, errors, status=422)
    try:
        with session.begin_nested():
            shop = _make_shop(session, ctx, shop_name, timezone, locale)
            user = create_user(
                session=session,
                clock=ctx.clock,
                shop=shop,
                email=email,
                password=password,
                role="owner",
                name=owner_name.strip(),
            )
            user.locale = locale
    except ValidationFailed:  # checked above; a race with a second set-up lands here
        return RedirectResponse("/login", status_code=303)
    request.session.clear()
    request.session[SESSION_TOKEN] = start_session(session, ctx.clock, user.id)
    request.session[SESSION_USER] = user.id
    request.session[SESSION_SHOP] = shop.id
    request.session[SESSION_LOCALE] = locale
    rotate_csrf_token(request)
    return RedirectResponse("/get-started", status_code=303)


def _owns_a_shop(staff: CurrentStaff) -> bool:
    return any(role == "owner" for _shop, role in staff.shops)


@router.get("/shops/new")
def new_shop_form(request: Request, staff: CurrentStaff) -> Response:
    if not _owns_a_shop(staff):
        return RedirectResponse("/", status_code=303)
    form = {"timezone": staff.shop.timezone, "locale": staff.locale}
    return _form_page(request, "shop_new.html", form, {}, staff=staff)


@router.post("/shops/new")
def new_shop(
    request: Request,
    ctx: Ctx,
    session: SessionDep,
    staff: CurrentStaff,
    shop_name: Annotated[str, Form(max_length=500)] = "",
    timezone: Annotated[str, Form(max_length=64)] = ZONES[0],
    locale: Annotated[str, Form(max_length=10)] = "vi",
) -> Response:
    if not _owns_a_shop(staff):
        return RedirectResponse("/", status_code=303)
    form = {"shop_name": shop_name, "timezone": timezone, "locale": locale}
    errors = _shop_errors(shop_name, timezone, locale)
    if errors:
        return _form_page(request, "shop_new.html", form, errors, status=422, staff=staff)
    shop = _make_shop(session, ctx, shop_name, timezone, locale)
    session.add(
        Membership(shop_id=shop.id, user_id=staff.user.id, role="owner", created_at=ctx.clock.now())
    )
    session.flush()
    request.session[SESSION_SHOP] = shop.id
    return RedirectResponse("/get-started", status_code=303)
