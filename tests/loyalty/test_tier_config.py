"""The programme's tiers as an ordered list a shop shapes: old three-tier settings load
unchanged into the new shape (a pure conversion), the default is the shipped three tiers,
and a bad list is refused naming the tier and field."""

from __future__ import annotations

import pytest

from careloop.core.errors import ValidationFailed
from careloop.loyalty.config import (
    DEFAULT_TIER_BENEFITS,
    PRIORITY_SUPPORT,
    ProgramConfig,
    Tier,
    legacy_tiers,
    merge_settings,
    parse_config,
)
from careloop.loyalty.tier_names import tier_label

OLD_STORED = {
    "gold_orders": 4,
    "platinum_orders": 9,
    "gold_spend_minor": 6_000_000,
    "tier_benefits": {"gold": ["early_access", "priority_support"]},
    "points_per_unit": 2,
}


def _fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_an_old_three_tier_config_converts_to_the_same_tiers_in_the_new_shape() -> None:
    assert legacy_tiers(OLD_STORED) == [
        {
            "key": "silver",
            "name_vi": None,
            "name_en": None,
            "orders": None,
            "spend_minor": None,
            "privileges": list(DEFAULT_TIER_BENEFITS["silver"]),
        },
        {
            "key": "gold",
            "name_vi": None,
            "name_en": None,
            "orders": 4,
            "spend_minor": 6_000_000,
            "privileges": ["early_access", "priority_support"],
        },
        {
            "key": "platinum",
            "name_vi": None,
            "name_en": None,
            "orders": 9,
            "spend_minor": None,
            "privileges": list(DEFAULT_TIER_BENEFITS["platinum"]),
        },
    ]


def test_an_old_stored_config_loads_with_its_thresholds_privileges_and_catalogue_names() -> None:
    config = parse_config(OLD_STORED, stored=True)
    assert config.tier_keys == ("silver", "gold", "platinum")
    assert (config.tiers[1].orders, config.tiers[2].orders) == (4, 9)
    assert config.spend_threshold("gold", "VND") == 6_000_000
    assert config.spend_threshold("platinum", "VND") == 20_000_000  # the currency default
    assert config.tier_benefits["gold"] == ("early_access", PRIORITY_SUPPORT)
    assert tier_label(config, "gold", "vi") == "Vàng"
    assert tier_label(config, "gold", "en") == "Gold"


def test_an_old_config_with_platinum_below_gold_still_loads() -> None:
    """The old settings never checked the order of the bars: they must keep loading."""
    config = parse_config({"gold_orders": 5, "platinum_orders": 4}, stored=True)
    assert [t.orders for t in config.tiers] == [None, 5, 4]


def test_the_default_programme_is_the_shipped_three_tiers_with_the_same_bars() -> None:
    config = ProgramConfig()
    assert config.tier_keys == ("silver", "gold", "platinum")
    assert [t.orders for t in config.tiers] == [None, 3, 10]
    assert config.spend_threshold("gold", "VND") == 5_000_000
    assert config.spend_threshold("platinum", "VND") == 20_000_000
    assert config.spend_threshold("gold", "USD") == 50_000
    assert config.tier_benefits == {k: tuple(v) for k, v in DEFAULT_TIER_BENEFITS.items()}
    assert parse_config({}) == config


def test_a_fourth_tier_with_both_names_and_a_renamed_gold_load() -> None:
    tiers = [
        *legacy_tiers({}),
        {
            "key": "diamond",
            "name_vi": "Kim cương",
            "name_en": "Diamond",
            "orders": 20,
            "spend_minor": 50_000_000,
            "privileges": [PRIORITY_SUPPORT],
        },
    ]
    tiers[1] |= {"name_vi": "Khách quen", "name_en": "Regular"}
    config = parse_config({"tiers": tiers})
    assert config.tiers[3] == Tier(
        "diamond", "Kim cương", "Diamond", 20, 50_000_000, (PRIORITY_SUPPORT,)
    )
    assert tier_label(config, "gold", "vi") == "Khách quen"
    assert tier_label(config, "diamond", "en") == "Diamond"
    assert tier_label(config, "silver", "vi") == "Bạc"


def test_a_new_tier_without_its_english_name_is_refused_naming_the_field() -> None:
    tiers = [*legacy_tiers({}), {"key": "diamond", "name_vi": "Kim cương", "orders": 20}]
    with pytest.raises(ValidationFailed) as exc:
        parse_config({"tiers": tiers})
    assert _fields(exc) == {"tiers.3.name_en"}


def test_thresholds_that_do_not_rise_are_refused_naming_the_tier() -> None:
    tiers = legacy_tiers({})
    tiers[2]["orders"] = 3  # platinum at gold's bar
    tiers[2]["spend_minor"] = 1_000
    tiers[1]["spend_minor"] = 1_000
    with pytest.raises(ValidationFailed) as exc:
        parse_config({"tiers": tiers})
    assert _fields(exc) == {"tiers.2.orders", "tiers.2.spend_minor"}


def test_duplicate_keys_no_tiers_or_more_than_eight_are_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        parse_config({"tiers": [*legacy_tiers({}), legacy_tiers({})[1]]})
    assert "tiers" in _fields(exc)
    with pytest.raises(ValidationFailed) as exc:
        parse_config({"tiers": []})
    assert _fields(exc) == {"tiers"}
    nine = [
        {"key": f"t{i}", "name_vi": f"H{i}", "name_en": f"T{i}", "orders": i + 1} for i in range(9)
    ]
    with pytest.raises(ValidationFailed) as exc:
        parse_config({"tiers": nine})
    assert _fields(exc) == {"tiers"}


def test_a_single_tier_programme_is_allowed() -> None:
    config = parse_config(
        {"tiers": [{"key": "member", "name_vi": "Thành viên", "name_en": "Member"}]}
    )
    assert config.tier_keys == ("member",)


def test_saving_a_tier_list_replaces_the_old_keys_and_an_old_key_beside_it_is_refused() -> None:
    merged = merge_settings(OLD_STORED, {"tiers": legacy_tiers(OLD_STORED)})
    assert set(merged) == {"tiers", "points_per_unit"}
    assert parse_config(merged).tiers == parse_config(OLD_STORED).tiers
    with pytest.raises(ValidationFailed) as exc:
        parse_config({**merged, "gold_orders": 2})
    assert _fields(exc) == {"gold_orders"}
