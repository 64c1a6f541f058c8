"""The tier rules for a shop's own list of 1-8 tiers (pure, property-based): the tier a
history earns only rises with more orders or more spend, progress names the tier above, and
a member of a tier the shop removed is moved to what their history earns at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from careloop.loyalty.config import ProgramConfig, Tier
from careloop.loyalty.tiers import (
    Purchase,
    Standing,
    next_standing,
    progress,
    qualifying_tier,
    rank,
)

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
# Deterministic and never timed: the machine running CI is shared.
RULES = settings(deadline=None, derandomize=True, max_examples=150)


@st.composite
def programmes(draw: st.DrawFn) -> ProgramConfig:
    """1-8 tiers; from the second on, rising order bars and/or rising spend bars."""
    count = draw(st.integers(1, 8))
    orders = sorted(draw(st.sets(st.integers(1, 60), min_size=count, max_size=count)))
    spends = sorted(draw(st.sets(st.integers(1, 10**9), min_size=count, max_size=count)))
    tiers = [Tier("t0", "Hạng 0", "Tier 0")]
    for i in range(1, count):
        route = draw(st.sampled_from(["orders", "spend", "both"]))
        tiers.append(
            Tier(
                f"t{i}",
                f"Hạng {i}",
                f"Tier {i}",
                orders[i] if route != "spend" else None,
                spends[i] if route != "orders" else None,
            )
        )
    return ProgramConfig(tiers=tuple(tiers))


def _history(totals: list[int]) -> list[Purchase]:
    return [Purchase(NOW - timedelta(days=i + 1), total) for i, total in enumerate(totals)]


totals = st.lists(st.integers(1, 10**8), min_size=1, max_size=70)


@RULES
@given(programmes(), totals, st.integers(1, 10**8))
def test_one_more_order_never_lowers_the_tier_earned(
    config: ProgramConfig, history: list[int], extra: int
) -> None:
    before = qualifying_tier(_history(history), NOW, config, "VND")
    after = qualifying_tier(_history([*history, extra]), NOW, config, "VND")
    assert rank(after, config) >= rank(before, config) >= 1


@RULES
@given(programmes(), totals, st.integers(0, 10**9))
def test_more_spend_on_the_same_orders_never_lowers_the_tier_earned(
    config: ProgramConfig, history: list[int], more: int
) -> None:
    before = qualifying_tier(_history(history), NOW, config, "VND")
    richer = [history[0] + more, *history[1:]]
    after = qualifying_tier(_history(richer), NOW, config, "VND")
    assert rank(after, config) >= rank(before, config)


@RULES
@given(programmes(), totals)
def test_progress_names_the_tier_above_the_one_earned(
    config: ProgramConfig, history: list[int]
) -> None:
    purchases = _history(history)
    tier = qualifying_tier(purchases, NOW, config, "VND")
    shown = progress(purchases, tier, NOW, config, "VND")
    position = rank(tier, config)
    if position == len(config.tiers):
        assert (shown.next_tier, shown.percent) == (None, 100)
    else:
        target = config.tiers[position]
        assert shown.next_tier == target.key
        assert 0 <= shown.percent < 100 or (shown.orders_needed, shown.spend_needed_minor) == (
            0,
            0,
        )


@RULES
@given(programmes())
def test_no_purchase_earns_no_tier_and_progress_points_at_the_first(
    config: ProgramConfig,
) -> None:
    assert qualifying_tier([], NOW, config, "VND") is None
    assert progress([], None, NOW, config, "VND").next_tier == config.tiers[0].key


def test_a_fourth_tier_is_reached_by_its_orders_or_its_spend() -> None:
    config = ProgramConfig(
        tiers=(
            *ProgramConfig().tiers,
            Tier("diamond", "Kim cương", "Diamond", 20, 100_000_000),
        )
    )
    assert qualifying_tier(_history([100_000] * 20), NOW, config, "VND") == "diamond"
    assert qualifying_tier(_history([100_000_000]), NOW, config, "VND") == "diamond"
    assert qualifying_tier(_history([100_000] * 19), NOW, config, "VND") == "platinum"
    assert progress(_history([100_000] * 12), "platinum", NOW, config, "VND").next_tier == (
        "diamond"
    )


def test_a_member_of_a_removed_tier_moves_at_once_without_the_grace_period() -> None:
    config = ProgramConfig(tiers=(ProgramConfig().tiers[0], ProgramConfig().tiers[2]))
    moved = next_standing(Standing("gold", None), "silver", NOW, config)
    assert moved == Standing("silver", None)
    kept = next_standing(Standing("platinum", None), "silver", NOW, config)
    assert kept == Standing("platinum", NOW)  # an existing tier still has its grace
