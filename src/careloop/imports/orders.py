"""`careloop import orders`: one row per order line, validated whole, then written in
one transaction, in batches, keeping only an index of order ids in memory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Final

from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.imports.csvfile import CsvFile, ErrorLog
from careloop.imports.order_rows import COLUMNS, REQUIRED, OrderIndex, parse_row
from careloop.imports.order_writer import OrderData, OrderWrite, OrderWriter
from careloop.imports.progress import ByteProgress
from careloop.imports.summary import ImportSummary
from careloop.shops.models import Shop

SOURCE: Final = "import"
# Orders written per round of statements: large enough to amortise each round trip,
# small enough that IN (...) lists stay well under the databases' parameter limits.
ORDER_BATCH: Final = 2000


def import_orders(ctx: AppContext, shop: Shop, path: Path, *, progress: bool) -> ImportSummary:
    started = time.monotonic()
    file = CsvFile(path)
    log = ErrorLog(file.source)
    with ByteProgress(progress) as bar:
        index, rows = _validate(file, shop, log, bar)
        log.raise_if_any()
        result = _write(ctx, file, shop, index, log, bar)
    return ImportSummary(
        kind="orders",
        source=file.source,
        rows=rows,
        customers_new=result.customers_new,
        customers_updated=result.customers_updated,
        orders_new=result.orders_new,
        orders_updated=result.orders_updated,
        lines=result.lines,
        seconds=time.monotonic() - started,
    )


def _validate(
    file: CsvFile, shop: Shop, log: ErrorLog, bar: ByteProgress
) -> tuple[OrderIndex, int]:
    """Pass 1: every row checked, every problem logged; returns the order index."""
    index = OrderIndex()
    rows = 0
    for line, values in file.rows(COLUMNS, REQUIRED, log, bar.task("validating", file.size)):
        rows += 1
        row = parse_row(line, values, shop.currency, log)
        if row is not None:
            index.add(row, log)
    return index, rows


def _write(
    ctx: AppContext,
    file: CsvFile,
    shop: Shop,
    index: OrderIndex,
    log: ErrorLog,
    bar: ByteProgress,
) -> OrderWrite:
    """Pass 2: all of it in one transaction; any problem rolls everything back."""
    result = OrderWrite()
    with transaction(ctx.sessions) as session:
        writer = OrderWriter(
            session=session, shop_id=shop.id, now=ctx.clock.now(), source=SOURCE, log=log
        )
        # Lines of one order are usually adjacent, so this holds one order at a time.
        pending: dict[str, OrderData] = {}
        batch: list[OrderData] = []
        for line, values in file.rows(COLUMNS, REQUIRED, log, bar.task("importing", file.size)):
            row = parse_row(line, values, shop.currency, log)
            last = index.last_line(row.order_id) if row is not None else None
            if row is None or last is None:
                log.add(line, "file", "changed while it was being imported")
                break
            data = pending.get(row.order_id)
            if data is None:
                data = pending[row.order_id] = OrderData.start(row)
            else:
                data.add(row)
            if line == last:
                batch.append(pending.pop(row.order_id))
                if len(batch) >= ORDER_BATCH:
                    writer.write(batch, result)
                    batch = []
        batch.extend(pending.values())
        if batch:
            writer.write(batch, result)
        log.raise_if_any()  # inside the transaction: raising rolls it back
    return result
