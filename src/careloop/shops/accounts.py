"""Staff accounts after creation: server-side sessions, password change and reset, and
invitations of people who already have an account.

Sessions: the browser's cookie carries a random token; the `staff_sessions` row (keyed by
its SHA-256) is what makes it worth anything. A session ends after `idle` without use or
`absolute` after sign-in, and every session of an account ends on logout, on a password
change and on a reset, so a copied cookie stops working (OWASP ASVS 3.3.1, 3.3.2, 3.3.3).

Reset links: signed (itsdangerous) with the instance key, carrying the user id, the time
they were made and a fingerprint of the password hash they may replace. A link works for
RESET_LINK_LIFETIME, and once: using it changes the hash, so the fingerprint no longer
matches (ASVS 2.5.1, 2.5.2)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from careloop.core.clock import Clock
from careloop.core.errors import FieldError, NotFound, ValidationFailed
from careloop.core.ids import sha256_hex
from careloop.shops.models import (
    ROLES,
    Membership,
    Shop,
    StaffInvitation,
    StaffSession,
    StaffUser,
)
from careloop.shops.passwords import hash_password, password_problem, verify_password

# A session's last-use time is written at most this often (not on every request).
TOUCH_EVERY = timedelta(minutes=1)
RESET_LINK_LIFETIME = timedelta(hours=1)
_RESET_SALT = "careloop.password-reset"


# --- Sessions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


def start_session(session: Session, clock: Clock, user_id: int) -> str:
    """A new session for `user_id`; returns the token for the cookie (stored only hashed)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        StaffSession(
            user_id=user_id, token_hash=sha256_hex(token), created_at=now, last_seen_at=now
        )
    )
    session.flush()
    return token


def session_user_id(
    session: Session, clock: Clock, token: object, limits: SessionLimits
) -> int | None:
    """The user a live session token belongs to, or None (unknown, ended or timed out)."""
    if not isinstance(token, str) or not token:
        return None
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == sha256_hex(token)))
    if row is None:
        return None
    now = clock.now()
    if now - row.last_seen_at >= limits.idle or now - row.created_at >= limits.absolute:
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row.user_id


def end_session(session: Session, token: object) -> None:
    if isinstance(token, str) and token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == sha256_hex(token)))


def end_all_sessions(session: Session, user_id: int) -> int:
    """Sign `user_id` out everywhere; returns how many sessions ended."""
    result = session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def drop_expired_sessions(
    session: Session, clock: Clock, user_id: int, limits: SessionLimits
) -> None:
    now = clock.now()
    session.execute(
        delete(StaffSession).where(
            StaffSession.user_id == user_id,
            (StaffSession.last_seen_at <= now - limits.idle)
            | (StaffSession.created_at <= now - limits.absolute),
        )
    )


# --- Passwords ---------------------------------------------------------------------------


def set_password(session: Session, user: StaffUser, new_password: str) -> None:
    """Give `user` a new password and end every session of theirs."""
    if (problem := password_problem(new_password)) is not None:
        raise ValidationFailed([FieldError("new_password", problem)])
    user.password_hash = hash_password(new_password)
    end_all_sessions(session, user.id)
    session.flush()


def change_password(
    session: Session, user: StaffUser, current_password: str, new_password: str
) -> None:
    """The signed-in user changes their password, proving they know the current one."""
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed([FieldError("current_password", "not your current password")])
    if current_password == new_password:
        raise ValidationFailed([FieldError("new_password", "the same as the current password")])
    set_password(session, user, new_password)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def reset_token(secret_key: str, clock: Clock, user: StaffUser) -> str:
    serializer = URLSafeSerializer(secret_key, salt=_RESET_SALT)
    payload = {
        "u": user.id,
        "f": _fingerprint(user.password_hash),
        "t": int(clock.now().timestamp()),
    }
    return str(serializer.dumps(payload))


def user_for_reset_token(
    session: Session, secret_key: str, clock: Clock, token: str
) -> StaffUser | None:
    """The user a reset link is for, or None if it is forged, expired or already used."""
    try:
        payload: Any = URLSafeSerializer(secret_key, salt=_RESET_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, fingerprint, issued = payload.get("u"), payload.get("f"), payload.get("t")
    if (
        not isinstance(user_id, int)
        or not isinstance(fingerprint, str)
        or not isinstance(issued, int)
    ):
        return None
    age = clock.now() - datetime.fromtimestamp(issued, tz=UTC)
    if age < timedelta(0) or age > RESET_LINK_LIFETIME:
        return None
    user = session.get(StaffUser, user_id)
    if user is None or not secrets.compare_digest(_fingerprint(user.password_hash), fingerprint):
        return None
    return user


# --- Invitations -------------------------------------------------------------------------


def invite_existing_user(
    session: Session, clock: Clock, shop: Shop, user: StaffUser, email: str, role: str
) -> StaffInvitation:
    """Ask `user` to join `shop` as `role`; nothing changes for them until they accept."""
    if role not in ROLES:
        raise ValidationFailed([FieldError("role", f"one of {', '.join(ROLES)}")])
    found = session.scalar(
        select(StaffInvitation).where(
            StaffInvitation.shop_id == shop.id, StaffInvitation.user_id == user.id
        )
    )
    if found is None:
        found = StaffInvitation(
            shop_id=shop.id, user_id=user.id, email=email, role=role, created_at=clock.now()
        )
        session.add(found)
    else:
        found.role, found.created_at = role, clock.now()
    session.flush()
    return found


def pending_invitations(session: Session, user_id: int) -> list[tuple[StaffInvitation, Shop]]:
    rows = session.execute(
        select(StaffInvitation, Shop)
        .join(Shop, Shop.id == StaffInvitation.shop_id)
        .where(StaffInvitation.user_id == user_id)
        .order_by(StaffInvitation.created_at)
    ).all()
    return [(inv, shop) for inv, shop in rows]


def shop_invitations(session: Session, shop_id: int) -> list[StaffInvitation]:
    return list(
        session.scalars(
            select(StaffInvitation)
            .where(StaffInvitation.shop_id == shop_id)
            .order_by(StaffInvitation.email)
        )
    )


def answer_invitation(
    session: Session, clock: Clock, user_id: int, invitation_id: int, accept: bool
) -> Shop:
    """Accept (become a member) or decline; only the invited person can do either."""
    invitation = session.get(StaffInvitation, invitation_id)
    if invitation is None or invitation.user_id != user_id:
        raise NotFound("invitation", invitation_id)
    shop = session.get(Shop, invitation.shop_id)
    if shop is None:
        raise NotFound("invitation", invitation_id)
    if accept:
        member = session.scalar(
            select(Membership).where(Membership.shop_id == shop.id, Membership.user_id == user_id)
        )
        if member is None:
            session.add(
                Membership(
                    shop_id=shop.id, user_id=user_id, role=invitation.role, created_at=clock.now()
                )
            )
    session.delete(invitation)
    session.flush()
    return shop


def withdraw_invitation(session: Session, shop_id: int, invitation_id: int) -> StaffInvitation:
    invitation = session.get(StaffInvitation, invitation_id)
    if invitation is None or invitation.shop_id != shop_id:
        raise NotFound("invitation", invitation_id)
    session.delete(invitation)
    session.flush()
    return invitation
