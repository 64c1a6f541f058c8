"""`careloop import orders`: one row per order line, written in one transaction, or not at
all.

On SQLite the file is staged and written set-based (staging.py, staged_writer.py; see
docs/decisions/0034-staged-csv-import.md). On PostgreSQL, and for the orders the staged
path hands back, the per-row path below does the work in batches:

Pass 1 reads only the order ids (the last line of each order, so that a scattered file
still works); pass 2 parses and checks every line and writes the orders as they complete.
The first problem stops the writing, not the reading: every bad row is still reported, and
raising inside the transaction rolls back what was written. See
docs/decisions/0003-csv-import.md."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Final

from careloop.context import AppContext
from careloop.db.engine import transaction
from careloop.imports import staging
from careloop.imports.bulk import large_page_cache
from careloop.imports.csvfile import CsvFile, ErrorLog
from careloop.imports.index_rebuild import indexes_built_at_end
from careloop.imports.order_rows import COLUMNS, HEADERS, REQUIRED, LineParser, OrderIndex
from careloop.imports.order_writer import OrderData, OrderWrite, OrderWriter
from careloop.imports.progress import ByteProgress
from careloop.imports.staged_writer import StagedWriter
from careloop.imports.summary import ImportSummary
from careloop.shops.models import Shop

SOURCE: Final = "import"
# Orders written per round of statements: large enough to amortise each round trip,
# small enough that IN (...) lists stay well under the databases' parameter limits.
ORDER_BATCH: Final = 2000
# The tables an orders import writes most rows to (their indexes may be built at the end).
WRITTEN_TABLES: Final = ("customers", "orders", "order_lines", "timeline_events")
# What pass 1 reads: the order id (and one more column, as CsvFile picks at least two).
ID_COLUMNS: Final = ("order_id", "customer_id")


def import_orders(
    ctx: AppContext, shop: Shop, path: Path, *, progress: bool, staged: bool | None = None
) -> ImportSummary:
    """Import `path`; `staged` forces a path (default: staged on SQLite, per row elsewhere)."""
    started = time.monotonic()
    file = CsvFile(path)
    log = ErrorLog(file.source)
    if staged is None:
        staged = ctx.engine.dialect.name == "sqlite"
    with ByteProgress(progress) as bar:
        if staged:
            rows, result = _import_staged(ctx, file, shop, log, bar)
        else:
            last_lines = _last_lines(file, log, bar)
            rows, result = _import(ctx, file, shop, last_lines, log, bar)
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


def _import_staged(
    ctx: AppContext, file: CsvFile, shop: Shop, log: ErrorLog, bar: ByteProgress
) -> tuple[int, OrderWrite]:
    """Stage, check and write in one transaction; any problem rolls everything back."""
    result = OrderWrite()
    with transaction(ctx.sessions) as session, large_page_cache(session):
        connection = session.connection()
        writer = StagedWriter(
            session=session,
            shop_id=shop.id,
            currency=shop.currency,
            now=ctx.clock.now(),
            source=SOURCE,
            log=log,
        )
        try:
            staging.create_tables(connection)
            rows = staging.stage(connection, file, log, bar.task("reading", file.size))
            checked = bar.task("validating", file.size)
            staging.normalise(connection, shop.currency, log)
            checked(file.size)
            log.raise_if_any()  # inside the transaction: raising rolls it back
            written = bar.task("importing", file.size)
            with indexes_built_at_end(session, WRITTEN_TABLES, writer.count_orders()):
                writer.write(result)
                log.raise_if_any()
            written(file.size)
        finally:
            writer.drop()
            staging.drop_tables(connection)
    return rows, result


def _last_lines(file: CsvFile, log: ErrorLog, bar: ByteProgress) -> dict[str, int]:
    """Pass 1: the last line of every order id (and the header's problems, if any)."""
    last: dict[str, int] = {}
    for line, (order_id, _customer) in file.rows(
        ID_COLUMNS, REQUIRED, log, bar.task("reading", file.size), HEADERS
    ):
        last[order_id] = line
    return last


def _import(
    ctx: AppContext,
    file: CsvFile,
    shop: Shop,
    last_lines: dict[str, int],
    log: ErrorLog,
    bar: ByteProgress,
) -> tuple[int, OrderWrite]:
    """Pass 2: every line checked, and all of it written in one transaction while nothing
    is wrong; any problem rolls everything back."""
    result = OrderWrite()
    index = OrderIndex()  # cross-line checks: the lines of one order agree on its values
    parser = LineParser(shop.currency, log)
    rows = 0
    with (
        transaction(ctx.sessions) as session,
        large_page_cache(session),
        indexes_built_at_end(session, WRITTEN_TABLES, len(last_lines)),
    ):
        writer = OrderWriter(
            session=session, shop_id=shop.id, now=ctx.clock.now(), source=SOURCE, log=log
        )
        # Lines of one order are usually adjacent, so this holds one order at a time.
        pending: dict[str, OrderData] = {}
        batch: list[OrderData] = []
        for line, values in file.rows(
            COLUMNS, REQUIRED, log, bar.task("importing", file.size), HEADERS
        ):
            rows += 1
            row = parser.parse(line, values)
            if row is None:
                continue
            index.add(row, log)
            last = last_lines.get(row.order_id)
            if last is None or last < line:
                log.add(line, "file", "changed while it was being imported")
                break
            data = pending.get(row.order_id)
            if data is None:
                data = pending[row.order_id] = OrderData.start(row)
            else:
                data.add(row)
            if line == last:
                # Complete: a later line with this id means the file changed under us.
                index.forget(row.order_id)
                del last_lines[row.order_id]
                batch.append(pending.pop(row.order_id))
                if len(batch) >= ORDER_BATCH:
                    _flush(writer, batch, result, log)
                    batch = []
        batch.extend(pending.values())
        _flush(writer, batch, result, log)
        log.raise_if_any()  # inside the transaction: raising rolls it back
    return rows, result


def _flush(writer: OrderWriter, batch: list[OrderData], result: OrderWrite, log: ErrorLog) -> None:
    """Write `batch` unless a problem was found: the file will be refused whole anyway."""
    if batch and not log.count:
        writer.write(batch, result)
