from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careloop.loyalty import ledger
from careloop.loyalty.ledger import Entry

T0 = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)


@dataclass
class Book:
    """An in-memory customer ledger driven only by the pure planning rules."""

    now: datetime = T0
    entries: list[Entry] = field(default_factory=list)
    earned_by_order: dict[int, int] = field(default_factory=dict)
    reversed_orders: set[int] = field(default_factory=set)

    def post(self, kind: str, points: int, **kw: object) -> None:
        self.entries.append(Entry(len(self.entries) + 1, kind, points, self.now, **kw))  # type: ignore[arg-type]

    def settle(self) -> None:
        for lot_id, remaining in ledger.due_expiries(self.entries, self.now):
            self.post(ledger.EXPIRE, -remaining, lot_id=lot_id)

    def earn(self, points: int) -> None:
        self.settle()
        self.post(ledger.EARN, points, expires_at=self.now + YEAR)
        self.earned_by_order[len(self.entries)] = points

    def redeem(self, points: int) -> None:
        self.settle()
        with contextlib.suppress(ledger.InsufficientPoints):
            self.post(ledger.REDEEM, ledger.plan_redeem(self.entries, points, self.now))

    def give_back(self, pick: int, fraction: float) -> None:
        open_orders = sorted(set(self.earned_by_order) - self.reversed_orders)
        if not open_orders:
            return
        lot = open_orders[pick % len(open_orders)]
        self.settle()
        amount = ledger.plan_reversal(self.entries, self.earned_by_order[lot], fraction)
        self.reversed_orders.add(lot)
        if amount:
            self.post(ledger.REVERSE, amount, lot_id=lot)

    def wait(self, days: int) -> None:
        self.now += timedelta(days=days)
        self.settle()


operation = st.one_of(
    st.tuples(st.just("earn"), st.integers(1, 5000)),
    st.tuples(st.just("redeem"), st.integers(1, 5000)),
    st.tuples(st.just("return"), st.integers(0, 50), st.floats(0, 1)),
    st.tuples(st.just("wait"), st.integers(1, 400)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, max_size=40))
def test_any_sequence_of_earn_redeem_return_expiry_keeps_balance_equal_to_sum_and_never_negative(
    ops: list[tuple[object, ...]],
) -> None:
    book = Book()
    for op in ops:
        match op:
            case ("earn", int(n)):
                book.earn(n)
            case ("redeem", int(n)):
                book.redeem(n)
            case ("return", int(pick), float(fraction)):
                book.give_back(pick, fraction)
            case ("wait", int(days)):
                book.wait(days)
        lots = ledger.lots(book.entries)  # replays; raises LedgerError if anything overdraws
        total = ledger.balance(book.entries)
        assert total == sum(e.points for e in book.entries) >= 0
        assert total == sum(lot.remaining for lot in lots)
        assert all(lot.remaining >= 0 for lot in lots)


def test_points_are_spent_oldest_expiry_first() -> None:
    book = Book()
    book.earn(100)
    book.wait(100)
    book.earn(100)
    book.redeem(150)
    assert [lot.remaining for lot in ledger.lots(book.entries)] == [0, 50]
    book.wait(300)  # the first lot is past its year; nothing was left in it
    assert ledger.balance(book.entries) == 50


def test_an_expired_lot_takes_only_what_is_left_of_it() -> None:
    book = Book()
    book.earn(100)
    book.redeem(30)
    book.wait(366)
    assert book.entries[-1].kind == ledger.EXPIRE
    assert book.entries[-1].points == -70
    assert ledger.balance(book.entries) == 0


def test_a_return_after_spending_does_not_take_the_balance_below_zero() -> None:
    book = Book()
    book.earn(500)
    book.redeem(400)
    book.give_back(0, 1.0)
    assert ledger.balance(book.entries) == 0


def test_a_partial_return_reverses_points_proportionally() -> None:
    book = Book()
    book.earn(1000)
    book.give_back(0, 0.25)
    assert ledger.balance(book.entries) == 750


def test_redeeming_more_than_the_spendable_points_is_refused() -> None:
    book = Book()
    book.earn(100)
    with pytest.raises(ledger.InsufficientPoints, match="only 100"):
        ledger.plan_redeem(book.entries, 101, book.now)


def test_a_debit_larger_than_the_balance_is_reported_as_a_broken_ledger() -> None:
    entries = [Entry(1, ledger.EARN, 10, T0), Entry(2, ledger.REDEEM, -11, T0)]
    with pytest.raises(ledger.LedgerError, match="entry 2"):
        ledger.lots(entries)
