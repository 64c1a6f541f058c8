"""`careloop import customers`: validated whole with the API's own schema, then written
in one transaction, in batches."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from careloop.context import AppContext
from careloop.customers.schemas import CustomerIn
from careloop.db.engine import transaction
from careloop.imports import fields
from careloop.imports.bulk import large_page_cache
from careloop.imports.csvfile import CsvFile, ErrorLog, Row
from careloop.imports.customer_writer import IMPORTED_FIELDS, CustomerData, CustomerWriter
from careloop.imports.headers import HeaderTable
from careloop.imports.progress import ByteProgress
from careloop.imports.summary import ImportSummary
from careloop.shops.models import Shop

SOURCE: Final = "import"
COLUMNS: Final = ("customer_id", *IMPORTED_FIELDS, "accepts_marketing")
REQUIRED: Final = ("customer_id",)
# The Vietnamese header names read as each column (imports/headers.py; first: its name on
# the import page). Matched without accents or case: "ma khach hang" is "Mã khách hàng".
HEADERS: Final[HeaderTable] = {
    "customer_id": ("Mã khách hàng", "Mã KH", "ID khách hàng"),
    "name": ("Họ tên", "Tên khách hàng", "Họ và tên", "Tên"),
    "email": ("Email", "Địa chỉ email", "Thư điện tử"),
    "phone": ("Số điện thoại", "SĐT", "Điện thoại", "Di động"),
    "birthday": ("Ngày sinh", "Sinh nhật"),
    "locale": ("Ngôn ngữ",),
    "timezone": ("Múi giờ",),
    "preferred_channel": ("Kênh liên hệ", "Kênh ưu tiên"),
    "zalo_user_id": ("Zalo ID", "ID Zalo", "Mã Zalo"),
    "gender": ("Giới tính",),
    "accepts_marketing": ("Đồng ý nhận tin", "Nhận tin khuyến mãi", "Nhận quảng cáo"),
}
CUSTOMER_BATCH: Final = 2000


def import_customers(ctx: AppContext, shop: Shop, path: Path, *, progress: bool) -> ImportSummary:
    started = time.monotonic()
    file = CsvFile(path)
    log = ErrorLog(file.source)
    summary = ImportSummary(kind="customers", source=file.source)
    with ByteProgress(progress) as bar:
        first_line: dict[str, int] = {}
        for line, values in file.rows(
            COLUMNS, REQUIRED, log, bar.task("validating", file.size), HEADERS
        ):
            summary.rows += 1
            data = parse_row(line, values, log)
            if data is None:
                continue
            if (seen := first_line.setdefault(data.external_id, line)) != line:
                log.add(line, "customer_id", f"{data.external_id!r} is already on line {seen}")
        log.raise_if_any()
        del first_line
        with transaction(ctx.sessions) as session, large_page_cache(session):
            writer = CustomerWriter(
                session=session, shop_id=shop.id, now=ctx.clock.now(), source=SOURCE, history=True
            )
            batch: dict[str, CustomerData] = {}
            for line, values in file.rows(
                COLUMNS, REQUIRED, log, bar.task("importing", file.size), HEADERS
            ):
                data = parse_row(line, values, log)
                if data is None:
                    break  # the file changed since it was validated
                batch[data.external_id] = data
                if len(batch) >= CUSTOMER_BATCH:
                    _write(writer, batch, summary)
                    batch = {}
            _write(writer, batch, summary)
            log.raise_if_any()
    summary.seconds = time.monotonic() - started
    return summary


def parse_row(line: int, values: Row, log: ErrorLog) -> CustomerData | None:
    """The row checked by the API's CustomerIn; each bad field logged, in column order."""
    given: dict[str, Any] = {
        name: value for name, value in zip(COLUMNS, values, strict=True) if value
    }
    problems: list[tuple[str, str]] = []
    # Dates and yes/no get the import's own parsers: their messages say what to write.
    for name, parse in (("birthday", fields.day), ("accepts_marketing", fields.boolean)):
        if name in given:
            try:
                given[name] = parse(given[name])
            except ValueError as exc:
                problems.append((name, str(exc)))
                del given[name]
    customer = None
    try:
        customer = CustomerIn.model_validate(given)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "row"
            reason = error["msg"].removeprefix("Value error, ")
            if name == "customer_id" and "customer_id" not in given:
                reason = "required"
            problems.append((name, reason))
    if problems or customer is None:
        order = {name: i for i, name in enumerate(COLUMNS)}
        for name, reason in sorted(problems, key=lambda p: order.get(p[0], len(order))):
            log.add(line, name, reason)
        return None
    profile: dict[str, Any] = {
        name: getattr(customer, name)
        for name in IMPORTED_FIELDS
        if name in customer.model_fields_set and getattr(customer, name) is not None
    }
    return CustomerData(
        external_id=customer.customer_id,
        fields=profile,
        accepts_marketing=customer.accepts_marketing,
    )


def _write(writer: CustomerWriter, batch: dict[str, CustomerData], summary: ImportSummary) -> None:
    if not batch:
        return
    written = writer.write(batch)
    summary.customers_new += written.created
    summary.customers_updated += written.updated
