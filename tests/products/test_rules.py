"""Pure rules of the catalogue: variants inherit care data, which guide a customer reads,
warranty ends counted in calendar months, and the tag/metafield convention."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from careloop.products.care import Care, add_months, warranty_end
from careloop.products.tags import care_from_metafields, care_from_tags


def test_a_variant_takes_the_care_data_it_leaves_empty_from_its_parent() -> None:
    parent = Care(sku="RO", name="RO", usage_days=180, care_guide_vi="Thay lõi", warranty_months=12)
    variant = Care(sku="RO-WHITE", name="RO trắng", warranty_months=24).inherit(parent)
    assert (variant.usage_days, variant.warranty_months) == (180, 24)
    assert variant.guide("vi") == "Thay lõi"


def test_a_guide_in_another_language_is_not_sent() -> None:
    care = Care(sku="T", name="Trà", care_guide_vi="Pha 90°C")
    assert care.guide("en") == "" and care.guide("vi") == "Pha 90°C"


def test_a_warranty_bought_on_the_31st_ends_on_the_last_day_of_a_short_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert warranty_end(date(2026, 11, 2), months=12, days=None) == date(2027, 11, 2)
    assert warranty_end(date(2026, 11, 2), months=None, days=30) == date(2026, 12, 2)
    assert warranty_end(date(2026, 11, 2), months=None, days=None) is None


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 240))
def test_a_warranty_never_ends_before_it_starts_and_lands_in_the_right_month(
    start: date, months: int
) -> None:
    end = add_months(start, months)
    assert end >= start
    assert (end.year - start.year) * 12 + end.month - start.month == months


def test_tags_in_the_documented_convention_set_care_data_and_others_are_left_alone() -> None:
    found, problems = care_from_tags(
        "summer, usage:30d, warranty:12m, maintenance:3m, category:tea, "
        "related:CUP-1|POT-2, usage:soon"
    )
    assert found == {
        "usage_days": 30,
        "warranty_months": 12,
        "maintenance_interval_days": 90,
        "category": "tea",
        "related_skus": ["CUP-1", "POT-2"],
    }
    assert problems == ["usage:soon"]


def test_metafields_in_the_careloop_namespace_set_care_data() -> None:
    found, problems = care_from_metafields(
        [
            {"namespace": "careloop", "key": "usage_days", "value": "45", "type": "number_integer"},
            {"namespace": "careloop", "key": "care_guide_vi", "value": "Để nơi khô ráo"},
            {"namespace": "careloop", "key": "related_skus", "value": '["A", "B"]'},
            {"namespace": "careloop", "key": "warranty_months", "value": "a year"},
            {"namespace": "custom", "key": "usage_days", "value": "7"},
        ]
    )
    assert found == {
        "usage_days": 45,
        "care_guide_vi": "Để nơi khô ráo",
        "related_skus": ["A", "B"],
    }
    assert problems == ["careloop.warranty_months"]
