from __future__ import annotations

from careloop.context import AppContext
from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.loyalty.factories import make_customer


def test_staff_adjust_points_with_a_reason_and_issue_a_coupon_from_the_cli(
    ctx: AppContext, shop: Shop, db_url: str
) -> None:
    make_customer(ctx, shop)
    enabled = careloop(db_url, "loyalty", "enable", "--shop", "acme")
    assert enabled.returncode == 0, enabled.stderr
    added = careloop(
        db_url, "loyalty", "adjust", "--shop", "acme", "C-1", "250",
        "--reason", "goodwill after late delivery", "--by", "owner@acme.test",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "balance 250" in added.stdout
    too_much = careloop(
        db_url, "loyalty", "adjust", "--shop", "acme", "--reason", "typo",
        "--by", "owner@acme.test", "--", "C-1", "-300",
    )  # fmt: skip
    assert too_much.returncode == 1 and "below zero" in too_much.stderr
    issued = careloop(
        db_url, "loyalty", "coupon", "--shop", "acme", "--customer-id", "C-1",
        "--percent", "15", "--reason", "sorry",
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    assert len(issued.stdout.strip()) == 12
