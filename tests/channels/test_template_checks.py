"""Templates check before saving that every variable exists and no `{{ }}` can reach a
customer (issue 17): campaign texts, and every template the product ships."""

from __future__ import annotations

import pytest

from careloop.channels.template_checks import check_source, check_text
from careloop.channels.template_limits import Budget
from careloop.channels.templates import LOCALES, file_spec, find_source, shipped_template_keys
from careloop.community.campaigns import create_campaign
from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.shops.models import Shop


def test_an_unknown_variable_is_named_in_vietnamese_and_english() -> None:
    (problem,) = check_text("Chào {{ first_name }}!")
    assert problem.code == "unknown_variable"
    assert problem.explain("vi").startswith("biến không tồn tại: first_name")
    assert problem.explain("en").startswith("unknown variable(s): first_name")


def test_literal_braces_that_would_reach_the_customer_are_refused() -> None:
    (problem,) = check_text("Chào {{ '{{' }} first_name }}")
    assert (problem.code, problem.params["mark"]) == ("leftover", "{{")
    (raw,) = check_text("{% raw %}{{ customer.name }}{% endraw %}")
    assert raw.code == "leftover"


def test_a_syntax_error_is_a_problem_not_a_crash() -> None:
    (problem,) = check_text("Chào {{ customer.first_name ")
    assert problem.code == "syntax"


def test_known_variables_helpers_and_filters_pass() -> None:
    text = (
        "Chào {{ xung_ho }} {{ customer.first_name }}, {{ days_left | countdown }}; "
        "mã {{ coupon.code }} đến {{ coupon.expires_at | date }}. {{ shop.sms_name }}"
    )
    assert check_text(text) == []


@pytest.mark.parametrize("key", shipped_template_keys())
def test_every_shipped_template_passes_the_save_checks(key: str) -> None:
    spec = file_spec(key)
    assert spec is not None
    for channel, section in spec.items():
        if channel == "sender" or not isinstance(section, dict):
            continue
        for locale in LOCALES:
            if locale not in section:
                continue
            source, _ = find_source(
                session=None, shop_id=None, template_key=key, channel=channel, locale=locale
            )
            # A clock that stands still: machine load never reads as a slow template.
            frozen = Budget(now=lambda: 0.0)
            # What the sender supplies comes from the key's own `sender:` samples.
            problems = check_source(source, locale=locale, template_key=key, limits=frozen)
            assert [p.explain("en") for p in problems] == [], (key, channel, locale)


def test_a_campaign_whose_body_uses_an_unknown_variable_is_not_saved(
    ctx: AppContext, shop: Shop
) -> None:
    with pytest.raises(ValidationFailed) as caught, ctx.sessions() as s, s.begin():
        create_campaign(
            session=s,
            clock=ctx.clock,
            shop=s.merge(shop),
            name="Nhớ bạn",
            purpose="promotion",
            audience={"segments": ["champions"]},
            subject="Nhà Mộc nhớ bạn!",
            body="Chào {{ first_name }}, ghé quán nhé.",
        )
    (error,) = caught.value.errors
    assert error.field == "body"
    assert "first_name" in error.reason
