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


def test_tied_values_share_the_lowest_score_of_their_group() -> None:
    # Seven one-order customers, two with two orders, one with five.
    scores = quintile_scores([1, 1, 1, 1, 1, 1, 1, 2, 2, 5])
    assert scores == [1] * 7 + [4, 4, 5]


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
    found = {segment_for(r, f) for r in range(1, 6) for f in range(1, 6)}
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
    rows = [RfmInput(i, recency_days=i, frequency=1, monetary_minor=100) for i in range(1, 10)]
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
