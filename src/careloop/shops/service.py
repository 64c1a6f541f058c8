"""Use cases of tenancy: shops, staff users, memberships and API keys."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from careloop.core.ids import new_api_key, sha256_hex
from careloop.shops.models import BUSINESS_MODELS, ROLES, ApiKey, Membership, Shop, StaffUser
from careloop.shops.passwords import hash_password, needs_rehash, verify_password

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def validate_timezone(name: str) -> str | None:
    """None if `name` is an IANA zone, else the reason it is not."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r} (use an IANA name such as Asia/Ho_Chi_Minh)"
    return None


def create_shop(
    *,
    session: Session,
    clock: Clock,
    slug: str,
    name: str | None = None,
    timezone: str = "Asia/Ho_Chi_Minh",
    currency: str = "VND",
    locale: str = "vi",
    business_model: str = "retail",
) -> Shop:
    errors: list[FieldError] = []
    if not SLUG_RE.match(slug):
        errors.append(FieldError("slug", "2-63 lowercase letters, digits or dashes"))
    if (tz_error := validate_timezone(timezone)) is not None:
        errors.append(FieldError("timezone", tz_error))
    if not re.fullmatch(r"[A-Za-z]{3}", currency):
        errors.append(FieldError("currency", "a 3-letter ISO 4217 code such as VND"))
    if business_model not in BUSINESS_MODELS:
        errors.append(FieldError("business_model", f"one of {', '.join(BUSINESS_MODELS)}"))
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(Shop.id).where(Shop.slug == slug)) is not None:
        raise Conflict(f"shop {slug!r} already exists")
    shop = Shop(
        slug=slug,
        name=name or slug,
        timezone=timezone,
        currency=currency.upper(),
        locale=locale,
        business_model=business_model,
        contact_policy={},
        settings={},
        created_at=clock.now(),
    )
    session.add(shop)
    session.flush()
    return shop


def get_shop(session: Session, slug: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.slug == slug))
    if shop is None:
        raise NotFound("shop", slug)
    return shop


def create_user(
    *,
    session: Session,
    clock: Clock,
    shop: Shop,
    email: str,
    password: str,
    role: str = "owner",
    name: str | None = None,
) -> StaffUser:
    """Create a staff user (or reuse one with that email) and give them `role` in `shop`."""
    email = email.strip().lower()
    errors: list[FieldError] = []
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.append(FieldError("email", f"not an email address: {email!r}"))
    if role not in ROLES:
        errors.append(FieldError("role", f"one of {', '.join(ROLES)}"))
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        errors.append(FieldError("password", str(exc).split(": ", 1)[-1]))
    if errors:
        raise ValidationFailed(errors)
    user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    if user is None:
        user = StaffUser(
            email=email,
            name=name or email.split("@")[0],
            password_hash=password_hash,
            locale=shop.locale,
            created_at=clock.now(),
        )
        session.add(user)
        session.flush()
    existing = session.scalar(
        select(Membership).where(Membership.shop_id == shop.id, Membership.user_id == user.id)
    )
    if existing is not None:
        existing.role = role
    else:
        session.add(Membership(shop_id=shop.id, user_id=user.id, role=role, created_at=clock.now()))
    session.flush()
    return user


@dataclass(frozen=True)
class StaffLogin:
    user: StaffUser
    memberships: list[tuple[Shop, str]]
    # A new hash of the same password when the stored one used weaker parameters.
    rehash: str | None = None


def authenticate_staff(session: Session, email: str, password: str) -> StaffLogin | None:
    user = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        # Spend the same time as a real check so response time does not reveal emails.
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    rows = session.execute(
        select(Shop, Membership.role)
        .join(Membership, Membership.shop_id == Shop.id)
        .where(Membership.user_id == user.id)
        .order_by(Shop.slug)
    ).all()
    rehash = None
    if needs_rehash(user.password_hash):
        try:
            rehash = hash_password(password)
        except ValueError:
            rehash = None  # a legacy password below today's minimum: keep its hash
    return StaffLogin(user=user, memberships=[(shop, role) for shop, role in rows], rehash=rehash)


@cache
def _dummy_hash() -> str:
    """A hash to check an unknown email's password against, made on the first such login:
    with the production parameters it costs a quarter second of CPU, which every `careloop`
    command importing this module used to pay at start."""
    return hash_password("not-a-real-password")


def role_in_shop(session: Session, user_id: int, shop_id: int) -> str | None:
    return session.scalar(
        select(Membership.role).where(Membership.user_id == user_id, Membership.shop_id == shop_id)
    )


def create_api_key(*, session: Session, clock: Clock, shop: Shop, name: str = "default") -> str:
    """Create a key for `shop` and return it; only its hash is stored."""
    key = new_api_key()
    session.add(
        ApiKey(
            shop_id=shop.id,
            name=name,
            prefix=key[:10],
            key_hash=sha256_hex(key),
            created_at=clock.now(),
        )
    )
    session.flush()
    return key


def shop_id_for_key_hash(session: Session, key_hash: str) -> int | None:
    """The shop of an active API key, by one indexed lookup of its SHA-256 (`sha256_hex(key)`;
    the key is 256 random bits, so a fast unsalted digest is as strong as a slow one). No
    ORM object is built: this is on every ingest request's path."""
    return session.scalar(
        select(ApiKey.shop_id).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )


def shop_for_api_key(session: Session, key: str) -> Shop | None:
    row = session.execute(
        select(Shop, ApiKey)
        .join(ApiKey, ApiKey.shop_id == Shop.id)
        .where(ApiKey.key_hash == sha256_hex(key), ApiKey.revoked_at.is_(None))
    ).first()
    return None if row is None else row[0]
