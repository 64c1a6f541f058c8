from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from careloop.shops.models import Shop
from tests.cli_runner import careloop
from tests.imports.factories import order_line, write_csv


def test_import_orders_from_the_command_line(
    db_url: str, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "orders.csv", [order_line(), order_line(sku="CF-2")])

    result = careloop(db_url, "import", "orders", str(path), "--shop", "acme")

    assert result.returncode == 0, result.stderr
    assert "imported 2 orders row(s)" in result.stdout
    assert "orders 1 new, 0 updated; 2 order line(s)" in result.stdout
    assert len(api.get("/api/v1/orders/A-1").json()["lines"]) == 2


def test_the_command_line_prints_every_bad_row_and_imports_nothing(
    db_url: str, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "orders.csv",
        [order_line(), order_line(order_id="A-2", total="-1", placed_at="yesterday")],
    )

    result = careloop(db_url, "import", "orders", str(path), "--shop", "acme")

    assert result.returncode == 1
    assert (
        f"{path}:3: placed_at: not a date or time: 'yesterday' "
        "(e.g. 01/10/2026 09:00 or 2026-10-01T09:00:00+07:00)" in result.stderr
    )
    assert f"{path}:3: total: must not be negative (got -1)" in result.stderr
    assert "2 problem(s)" in result.stderr and "nothing was imported" in result.stderr
    assert api.get("/api/v1/orders/A-1").status_code == 404
