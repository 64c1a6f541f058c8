from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from careloop.segments.rfm import (
    SEGMENTS,
    RfmInput,
    quintile_scores,
    score_customers,
    segment_for,
)


def test_ten_distinct_values_fall_two_per_quintile() -> None:
    assert quintile_scores([float(v) for v in range(10)]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_tied_values_share_the_score_of_their_mid_rank() -> None:
    # Seven one-order customers (mid-rank 3.5 of 10: 1 + floor(5 x 0.35) = 2), two with two
    # orders (8 of 10: 5), one with five (9.5 of 10: 5).
    scores = quintile_scores([1, 1, 1, 1, 1, 1, 1, 2, 2, 5])
    assert scores == [2] * 7 + [5, 5, 5]


@given(st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=60), st.randoms())
def test_scores_do_not_depend_on_the_order_customers_arrive_in(
    values: list[int], rnd: random.Random
) -> None:
    shuffled = list(enumerate(values))
    rnd.shuffle(shuffled)
    by_position = dict(
        zip([i for i, _ in shuffled], quintile_scores([v for _, v in shuffled]), strict=False)
    )
    assert [by_position[i] for i in range(len(values))] == quintile_scores(values)


@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=80))
def test_scores_are_one_to_five_and_never_decrease_with_the_value(values: list[int]) -> None:
    scores = quintile_scores(values)
    assert all(1 <= s <= 5 for s in scores)
    pairs = sorted(zip(values, scores, strict=False))
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(pairs))


def test_every_cell_of_the_grid_maps_to_one_of_the_eleven_segments() -> None:
    found = {segment_for(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert found == set(SEGMENTS)
    assert len(SEGMENTS) == 11


def test_every_segment_carries_a_care_strategy() -> None:
    assert all(len(s.care_strategy) > 40 for s in SEGMENTS.values())
    assert "VIP" in SEGMENTS["champions"].care_strategy
    assert "We miss you" in SEGMENTS["at_risk"].care_strategy


def test_a_recent_frequent_big_spender_is_a_champion_and_a_long_gone_one_is_lost() -> None:
    rows = [RfmInput(i, recency_days=10 * i, frequency=1, monetary_minor=100) for i in range(1, 9)]
    rows += [
        RfmInput(100, recency_days=1, frequency=9, monetary_minor=9_000),
        RfmInput(101, recency_days=400, frequency=1, monetary_minor=50),
    ]
    by_id = {s.customer_id: s for s in score_customers(rows)}
    assert by_id[100].segment == "champions"
    assert (by_id[100].r, by_id[100].f, by_id[100].m) == (5, 5, 5)
    assert by_id[101].segment == "lost"


def test_a_frequent_buyer_who_stopped_coming_is_one_we_cannot_lose() -> None:
    rows = [RfmInput(i, recency_days=i, frequency=1, monetary_minor=100 + i) for i in range(1, 10)]
    rows.append(RfmInput(50, recency_days=500, frequency=12, monetary_minor=20_000))
    by_id = {s.customer_id: s for s in score_customers(rows)}
    assert by_id[50].segment == "cant_lose"
    assert by_id[1].segment == "new"


@given(st.lists(st.integers(min_value=-800, max_value=800), min_size=1, max_size=80))
def test_whole_number_scores_counted_without_a_sort_equal_the_sorted_ranks(
    values: list[int],
) -> None:
    import numpy as np

    from careloop.segments.rfm import quintile_scores_array

    counted = quintile_scores_array(np.array(values, dtype=np.float64))
    # Shifted by a half, the values are no longer whole: the sort path ranks them.
    sorted_path = quintile_scores_array(np.array(values, dtype=np.float64) + 0.5)
    assert counted.tolist() == sorted_path.tolist()


def _shop(n: int = 60) -> list[RfmInput]:
    """A shop of n buyers with spread-out recency, orders and spend."""
    return [
        RfmInput(i, recency_days=3 * i, frequency=1 + i % 6, monetary_minor=300_000 + 7_919 * i)
        for i in range(n)
    ]


def test_money_changes_the_segment_two_orders_of_a_small_total_are_not_champions() -> None:
    """Same recency and order count, different spend: the seeds' Champions are high R, F
    *and* M (tests/fixtures/seeds/000_rfm_table.txt)."""
    rows = [*_shop()]
    rows.append(RfmInput(900, recency_days=0, frequency=6, monetary_minor=254_000))
    rows.append(RfmInput(901, recency_days=0, frequency=6, monetary_minor=9_000_000))
    by_id = {s.customer_id: s for s in score_customers(rows)}
    small, big = by_id[900], by_id[901]
    assert (small.r, small.f) == (big.r, big.f) == (5, 5)
    assert small.m == 1 and big.m == 5
    assert big.segment == "champions"
    assert small.segment == "potential_loyalist"


def test_a_buyer_from_minutes_ago_is_never_lost_even_when_most_of_the_shop_ties() -> None:
    # 60 buyers, 50 of them today: the tied group's mid-rank puts them at R >= 3.
    rows = [RfmInput(i, recency_days=0, frequency=1, monetary_minor=100_000) for i in range(50)]
    rows += [
        RfmInput(100 + i, recency_days=200 + i, frequency=1, monetary_minor=1) for i in range(10)
    ]
    scores = score_customers(rows)
    assert all(s.r >= 3 and s.segment != "lost" for s in scores if s.customer_id < 50)


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=50, max_size=120))
def test_the_shops_most_recent_buyers_never_score_below_r3(days: list[int]) -> None:
    rows = [RfmInput(i, d, 1, 100) for i, d in enumerate(days)]
    freshest = min(days)
    assert all(s.r >= 3 for s, d in zip(score_customers(rows), days, strict=True) if d == freshest)


def test_a_shop_under_50_buyers_uses_fixed_recency_and_order_bands() -> None:
    rows = [
        RfmInput(1, recency_days=0, frequency=1, monetary_minor=100),
        RfmInput(2, recency_days=45, frequency=2, monetary_minor=200),
        RfmInput(3, recency_days=75, frequency=3, monetary_minor=300),
        RfmInput(4, recency_days=120, frequency=4, monetary_minor=400),
        RfmInput(5, recency_days=400, frequency=9, monetary_minor=500),
    ]
    scores = [(s.r, s.f) for s in score_customers(rows)]
    assert scores == [(5, 1), (4, 2), (3, 3), (2, 4), (1, 5)]
    # A brand-new shop with one buyer today: a new customer, not lost.
    only = score_customers([RfmInput(1, recency_days=0, frequency=1, monetary_minor=100)])
    assert only[0].segment in {"new", "promising", "potential_loyalist"}
