"""`careloop import products`: the catalogue with its care data, one row per product or
variant, validated whole with the API's own ProductIn, then written in one transaction.

Columns (header row; unknown columns ignored): `sku` (required), `name`, `category`,
`parent_sku` (a variant's product), `price` (1.250.000 ₫), `usage_days`, `warranty_months`,
`maintenance_interval_days`, `care_guide_vi`, `care_guide_en`, `care_guide_url_vi`,
`care_guide_url_en`, `related_skus` (separated by `|`, `;` or commas). A blank cell leaves
what is stored unchanged."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.imports import fields
from careloop.imports.csvfile import CsvFile, ErrorLog, Row
from careloop.imports.headers import HeaderTable
from careloop.imports.progress import ByteProgress
from careloop.imports.summary import ImportSummary
from careloop.products.schemas import CARE_FIELDS, ProductIn
from careloop.products.service import find_product, save_product
from careloop.products.tags import split_skus
from careloop.shops.models import Shop

COLUMNS: Final = ("sku", *CARE_FIELDS)
REQUIRED: Final = ("sku",)
# The Vietnamese header names read as each column (imports/headers.py; first: its name on
# the import page). Matched without accents or case.
HEADERS: Final[HeaderTable] = {
    "sku": ("Mã sản phẩm", "Mã hàng", "Mã SKU"),
    "name": ("Tên sản phẩm", "Tên hàng", "Tên"),
    "category": ("Danh mục", "Nhóm hàng", "Loại sản phẩm"),
    "parent_sku": ("Mã sản phẩm cha", "Mã hàng cha"),
    "price": ("Giá bán", "Giá", "Đơn giá"),
    "usage_days": ("Số ngày sử dụng", "Thời gian sử dụng (ngày)"),
    "warranty_months": ("Bảo hành (tháng)", "Số tháng bảo hành", "Thời gian bảo hành (tháng)"),
    "maintenance_interval_days": ("Chu kỳ bảo dưỡng (ngày)", "Chu kỳ bảo trì (ngày)"),
    "care_guide_vi": ("Hướng dẫn chăm sóc", "Hướng dẫn chăm sóc (tiếng Việt)"),
    "care_guide_en": ("Hướng dẫn chăm sóc (tiếng Anh)",),
    "care_guide_url_vi": ("Link hướng dẫn", "Link hướng dẫn (tiếng Việt)"),
    "care_guide_url_en": ("Link hướng dẫn (tiếng Anh)",),
    "related_skus": ("Sản phẩm liên quan", "Mã sản phẩm liên quan"),
}
WHOLE_NUMBERS: Final = ("usage_days", "warranty_months", "maintenance_interval_days")


def import_products(ctx: AppContext, shop: Shop, path: Path, *, progress: bool) -> ImportSummary:
    started = time.monotonic()
    file = CsvFile(path)
    log = ErrorLog(file.source)
    summary = ImportSummary(kind="products", source=file.source)
    rows: list[ProductIn] = []
    with ByteProgress(progress) as bar:
        first_line: dict[str, int] = {}
        for line, values in file.rows(
            COLUMNS, REQUIRED, log, bar.task("validating", file.size), HEADERS
        ):
            summary.rows += 1
            product = parse_row(line, values, log, shop.currency)
            if product is None:
                continue
            if (seen := first_line.setdefault(product.sku, line)) != line:
                log.add(line, "sku", f"{product.sku!r} is already on line {seen}")
                continue
            rows.append(product)
        log.raise_if_any()
        with transaction(ctx.sessions) as session:
            for product in rows:
                if find_product(session, shop, product.sku) is None:
                    summary.products_new += 1
                else:
                    summary.products_updated += 1
                save_product(session=session, clock=ctx.clock, shop=shop, data=product)
    summary.seconds = time.monotonic() - started
    return summary


def parse_row(line: int, values: Row, log: ErrorLog, currency: str) -> ProductIn | None:
    """The row checked by the API's ProductIn; each bad field logged, in column order."""
    given: dict[str, Any] = {
        name: value for name, value in zip(COLUMNS, values, strict=True) if value
    }
    problems: list[tuple[str, str]] = []
    for name in WHOLE_NUMBERS:
        if name in given:
            try:
                given[name] = int(fields.plain_amount(given[name]))
            except ValueError:
                problems.append((name, f"not a whole number of days or months: {given[name]!r}"))
                del given[name]
    if "price" in given:
        try:
            given["price"] = fields.plain_amount(given["price"])
            fields.money(given["price"], currency)
        except ValueError as exc:
            problems.append(("price", str(exc)))
            del given["price"]
    if "related_skus" in given:
        given["related_skus"] = split_skus(given["related_skus"])
    product = None
    try:
        product = ProductIn.model_validate(given)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "row"
            reason = error["msg"].removeprefix("Value error, ")
            if ":" in reason and name == "row":
                name, _, reason = reason.partition(": ")
            if name == "sku" and "sku" not in given:
                reason = "required"
            problems.append((name, reason))
    if problems or product is None:
        order = {name: i for i, name in enumerate(COLUMNS)}
        for name, reason in sorted(problems, key=lambda p: order.get(p[0], len(order))):
            log.add(line, name, reason)
        return None
    return product
