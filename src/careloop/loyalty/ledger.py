"""The points ledger's rules, pure: balances, lots, oldest-first spending, expiry, reversals.

A customer's ledger is a list of entries. Credits (earn, bonus, positive adjust) open a lot
that expires; debits (redeem, reverse, expire, negative adjust) take points from lots,
the lot they name first, then the soonest-expiring. A balance is the sum of the entries and
the service only posts what these functions allow, so it never goes below zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

EARN: Final = "earn"
BONUS: Final = "bonus"
ADJUST: Final = "adjust"
REDEEM: Final = "redeem"
REVERSE: Final = "reverse"
EXPIRE: Final = "expire"
KINDS: Final = (EARN, BONUS, ADJUST, REDEEM, REVERSE, EXPIRE)


class LedgerError(Exception):
    """The entries break the ledger's invariants (a bug, or a tampered database)."""


class InsufficientPoints(Exception):
    def __init__(self, wanted: int, available: int) -> None:
        super().__init__(f"needs {wanted} points but only {available} are available")
        self.wanted = wanted
        self.available = available


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    points: int
    at: datetime
    expires_at: datetime | None = None
    lot_id: int | None = None


@dataclass(frozen=True)
class Lot:
    id: int
    earned_at: datetime
    expires_at: datetime | None
    remaining: int


def balance(entries: Iterable[Entry]) -> int:
    return sum(e.points for e in entries)


def lots(entries: Sequence[Entry]) -> list[Lot]:
    """Every credit's remaining points after replaying the debits, oldest-expiring first."""
    remaining: dict[int, int] = {}
    meta: dict[int, Entry] = {}
    for entry in sorted(entries, key=lambda e: e.id):
        if entry.points > 0:
            remaining[entry.id] = entry.points
            meta[entry.id] = entry
        elif entry.points < 0:
            _take(remaining, meta, -entry.points, entry.lot_id, entry.id)
    return [Lot(i, meta[i].at, meta[i].expires_at, remaining[i]) for i in _spending_order(meta)]


def _spending_order(meta: dict[int, Entry]) -> list[int]:
    # Soonest expiry first; points that never expire last; ties by age.
    return sorted(meta, key=lambda i: (meta[i].expires_at is None, meta[i].expires_at, i))


def _take(
    remaining: dict[int, int], meta: dict[int, Entry], points: int, lot_id: int | None, by: int
) -> None:
    order = _spending_order(meta)
    if lot_id is not None:
        if lot_id not in remaining:
            raise LedgerError(f"entry {by} names lot {lot_id}, which is not a credit before it")
        order.remove(lot_id)
        order.insert(0, lot_id)
    for i in order:
        if points == 0:
            return
        used = min(points, remaining[i])
        remaining[i] -= used
        points -= used
    if points:
        raise LedgerError(f"entry {by} takes {points} more points than the balance holds")


def spendable(entries: Sequence[Entry], now: datetime) -> int:
    """Points that can be spent now: lots not yet past their expiry."""
    return sum(
        lot.remaining for lot in lots(entries) if lot.expires_at is None or lot.expires_at > now
    )


def due_expiries(entries: Sequence[Entry], now: datetime) -> list[tuple[int, int]]:
    """(lot id, points) to expire: lots past their expiry not yet closed by an expire entry.

    A lot whose points were all spent is still listed (with 0), so it gets closed too."""
    closed = {e.lot_id for e in entries if e.kind == EXPIRE}
    return [
        (lot.id, lot.remaining)
        for lot in lots(entries)
        if lot.expires_at is not None and lot.expires_at <= now and lot.id not in closed
    ]


def plan_redeem(entries: Sequence[Entry], points: int, now: datetime) -> int:
    """The (negative) amount to post for spending `points`; raises when there are not enough.

    Call after due expiries are posted, so that expired lots hold nothing."""
    if points <= 0:
        raise ValueError("points to redeem must be positive")
    available = spendable(entries, now)
    if points > available:
        raise InsufficientPoints(points, available)
    return -points


def plan_reversal(entries: Sequence[Entry], earned: int, fraction: float) -> int:
    """The (negative or zero) amount to post when `fraction` of an order that earned `earned`
    points comes back. Capped by the balance: points already spent are not clawed below zero."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    wanted = round(earned * fraction)
    return -min(wanted, max(balance(entries), 0))


def plan_adjustment(entries: Sequence[Entry], points: int) -> int:
    """A manual adjustment; a negative one may not take the balance below zero."""
    if points == 0:
        raise ValueError("an adjustment of 0 points changes nothing")
    if points < 0 and -points > balance(entries):
        raise InsufficientPoints(-points, balance(entries))
    return points


def expiring_between(entries: Sequence[Entry], start: datetime, end: datetime) -> list[Lot]:
    """Lots with points left whose expiry falls in [start, end): what a warning is about."""
    return [
        lot
        for lot in lots(entries)
        if lot.remaining > 0 and lot.expires_at is not None and start <= lot.expires_at < end
    ]
