from __future__ import annotations

from pathlib import Path

import pytest

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.imports import csvfile, run_import
from careloop.orders.models import Order
from careloop.shops.models import Shop
from tests.imports.factories import count


def test_bom_blank_lines_quoted_newlines_and_unknown_columns_are_handled(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "o.csv"
    path.write_text(
        "\ufeffOrder_ID,customer_id,placed_at,total,product_name,note\n"
        'A-1,C-1,2025-05-01,10,"Cà phê\nrang xay",hello\n'
        "\n"
        "A-2,C-1,2025-05-01,-3,x,y\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "orders", path)
    assert [str(e) for e in failed.value.errors] == [
        f"{path}:5: total: must not be negative (got -3)"
    ]


def test_a_file_that_is_not_utf8_is_refused(ctx: AppContext, shop: Shop, tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_bytes(
        "order_id,customer_id,placed_at,total\nA-1,Lê Hà,2025-05-01,1\n".encode("latin-1")
    )
    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "orders", path)
    assert "is not UTF-8 text" in str(failed.value.errors[0])
    assert count(ctx, Order) == 0


def test_an_empty_file_says_it_needs_a_header(ctx: AppContext, shop: Shop, tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("")
    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "orders", path)
    assert str(failed.value.errors[0]) == f"{path}:1: file: is empty; expected a header row"


def test_past_the_limit_problems_are_counted_not_listed(
    ctx: AppContext, shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfile, "MAX_REPORTED_ERRORS", 3)
    path = tmp_path / "o.csv"
    path.write_text(
        "order_id,customer_id,placed_at,total\n" + "".join(f"A-{i},C,bad,1\n" for i in range(10))
    )
    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "orders", path)
    assert len(failed.value.errors) == 4
    assert str(failed.value.errors[-1]) == "file: 7 more problem(s) not listed"
