"""`careloop import products`: all or nothing, each bad cell named by line and field;
Vietnamese amounts and a BOM read as a shop's spreadsheet writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from careloop.context import AppContext
from careloop.core.errors import ValidationFailed
from careloop.imports import run_import
from careloop.orders.models import Product
from careloop.shops.models import Shop
from tests.cli_runner import careloop


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "products.csv"
    path.write_text("\ufeff" + text, encoding="utf-8")
    return path


def test_a_file_with_a_bad_row_imports_nothing_and_names_line_and_field(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "sku,name,usage_days,warranty_months,care_guide_url_vi\n"
        "TEA-1,Trà,30,,\n"
        "RO-1,Máy lọc,ba mươi,12,ftp://x\n"
        "TEA-1,Trà lại,30,,\n",
    )
    with pytest.raises(ValidationFailed) as failed:
        run_import(ctx, shop, "products", path)
    assert [str(e) for e in failed.value.errors] == [
        f"{path}:3: usage_days: not a whole number of days or months: 'ba mươi'",
        f"{path}:3: care_guide_url_vi: must be a web address starting with https://",
        f"{path}:4: sku: 'TEA-1' is already on line 2",
    ]
    with ctx.sessions() as s:
        assert s.scalar(select(func.count(Product.id))) == 0


def test_vietnamese_prices_and_a_variant_are_read_and_a_second_import_updates(
    ctx: AppContext, shop: Shop, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "SKU,Name,Price,parent_sku,related_skus\n"
        "RO-1,Máy lọc RO,5.990.000 ₫,,CORE-1; CORE-2\n"
        'RO-1-WHITE,Máy lọc RO trắng,"6.190.000",RO-1,\n',
    )
    summary = run_import(ctx, shop, "products", path)
    assert (summary.products_new, summary.products_updated) == (2, 0)
    again = _csv(tmp_path, "sku,usage_days\nRO-1,180\n")
    assert run_import(ctx, shop, "products", again).products_updated == 1
    with ctx.sessions() as s:
        ro = s.scalar(select(Product).where(Product.sku == "RO-1"))
        white = s.scalar(select(Product).where(Product.sku == "RO-1-WHITE"))
    assert ro is not None and white is not None
    assert (ro.price_minor, ro.usage_days, ro.related_skus) == (
        5_990_000,
        180,
        ["CORE-1", "CORE-2"],
    )
    assert (white.price_minor, white.parent_sku, white.name) == (
        6_190_000,
        "RO-1",
        "Máy lọc RO trắng",
    )


def test_careloop_import_products_on_the_command_line_says_what_it_did(
    db_url: str, shop: Shop, api: TestClient, tmp_path: Path
) -> None:
    path = _csv(tmp_path, "sku,name,usage_days\nOOLONG-200,Trà Ô Long,30\n")
    result = careloop(db_url, "import", "products", str(path), "--shop", "acme")
    assert result.returncode == 0, result.stderr
    assert "products 1 new, 0 updated" in result.stdout
    assert api.get("/api/v1/products/OOLONG-200").json()["usage_days"] == 30

    bad = _csv(tmp_path, "sku,usage_days\nOOLONG-200,0\n")
    result = careloop(db_url, "import", "products", str(bad), "--shop", "acme")
    assert result.returncode == 1
    assert f"{bad}:2: usage_days: Input should be greater than or equal to 1" in result.stderr
    assert api.get("/api/v1/products/OOLONG-200").json()["usage_days"] == 30
