from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from careloop.orders.status import STATUSES, current_status, merge_times

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_an_order_with_no_times_is_placed() -> None:
    assert current_status({}) == "placed"


def test_delivered_wins_over_paid_whatever_came_first() -> None:
    times = {"placed": T0, "delivered": T0 + timedelta(days=3), "paid": T0 + timedelta(minutes=5)}
    assert current_status(times) == "delivered"


def test_between_returned_and_cancelled_the_later_one_wins() -> None:
    times = {"placed": T0, "cancelled": T0 + timedelta(days=1), "returned": T0 + timedelta(days=9)}
    assert current_status(times) == "returned"


def test_a_status_keeps_its_first_recorded_time() -> None:
    stored = {"placed": T0, "paid": T0 + timedelta(hours=1)}
    assert merge_times(stored, {"paid": T0 + timedelta(hours=5)}) == {}


updates = st.lists(
    st.tuples(st.sampled_from(STATUSES), st.integers(min_value=0, max_value=10_000)),
    min_size=1,
    max_size=12,
)


@given(updates, st.randoms())
def test_the_end_state_does_not_depend_on_arrival_order(
    changes: list[tuple[str, int]], rnd: object
) -> None:
    def apply(sequence: list[tuple[str, int]]) -> tuple[str, dict[str, datetime]]:
        known: dict[str, datetime | None] = {}
        for status, minutes in sequence:
            known.update(merge_times(known, {status: T0 + timedelta(minutes=minutes)}))
        return current_status(known), {k: v for k, v in known.items() if v}

    # Duplicates of one status with different times keep the first *arrived*, so compare
    # on sequences where each status appears once (what real platforms send).
    unique = list({status: (status, m) for status, m in changes}.values())
    shuffled = unique[:]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert apply(unique) == apply(shuffled)
