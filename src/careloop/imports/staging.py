"""An orders file staged in SQLite: its raw cells written once into TEMP tables, then
checked and normalised in bulk (docs/decisions/0034-staged-csv-import.md).

Staging is the raw limit's own work (`executemany`, bench/ingest.py): each line's item
cells go into `import_raw_items`, and its order cells (repeated on every line of an order)
into `import_raw_runs` once per run of lines that repeat them. `import_lines` then holds
the valid lines normalised to what order_rows.parse_row gives: UTC times as SQLAlchemy
stores them on SQLite, amounts in minor units, E.164 phones, lower-case emails. The forms
nearly every file uses are decided by INSERT … SELECT (`fast_lines_sql`: order cells once
per run, item cells once per line); every other line goes through parse_row itself, so a
bad line gets exactly its reason. `import_orders` summarises each order; OrderIndex's
rule across lines is replayed on the few orders whose lines disagree. SQLite only:
PostgreSQL keeps the per-row path (orders.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from sqlalchemy import Connection

from careloop.core.money import exponent
from careloop.imports.bulk import sqlite_utc
from careloop.imports.csvfile import MAX_REPORTED_ERRORS, CsvFile, ErrorLog
from careloop.imports.fields import FALSE_WORDS, MAX_EXTERNAL_ID, MAX_QUANTITY, TRUE_WORDS
from careloop.imports.order_rows import (
    COLUMNS,
    HEADERS,
    ITEM_END,
    ITEM_START,
    LATER_TIMES,
    MAX_PRODUCT_NAME_CHARS,
    MAX_SKU_CHARS,
    REQUIRED,
    SHARED,
    OrderRow,
    parse_row,
)
from careloop.imports.progress import Advance
from careloop.orders.address import MAX_ADDRESS_CHARS
from careloop.orders.status import STATUSES

RAW_RUNS: Final = "import_raw_runs"
RAW_ITEMS: Final = "import_raw_items"
RUNS: Final = "import_runs"
LINES: Final = "import_lines"
ORDERS: Final = "import_orders"
# Raw lines handed to the driver per executemany (bounded memory, few round trips).
STAGE_CHUNK: Final = 20_000
MAX_CUSTOMER_NAME_CHARS: Final = 200
MAX_EMAIL_CHARS: Final = 254
# Whole amounts with at most this many digits cannot exceed fields.MAX_MINOR in any
# currency the fast path takes (exponent <= 2).
FAST_AMOUNT_DIGITS: Final = 13
FAST_EXPONENTS: Final = (0, 1, 2)

# The normalised columns of a valid line, in the order fast_lines_sql and _normalised give.
LINE_COLUMNS: Final = (
    "line",
    "order_id",
    "customer_id",
    "placed_at",
    "total_minor",
    "currency",
    "status",
    "has_item",
    "sku",
    "product_name",
    "quantity",
    "unit_price_minor",
    *(f"{name}_at" for name in LATER_TIMES),
    "discount_codes",
    "customer_name",
    "email",
    "phone",
    "accepts_marketing",
    "shipping_address",
)
# A line's cells of the order (repeated on each line of it) and of its item.
ORDER_CELLS: Final = COLUMNS[:ITEM_START] + COLUMNS[ITEM_END:]
ITEM_CELLS: Final = COLUMNS[ITEM_START:ITEM_END]
# The normalised order-level values of a run of lines repeating the same order cells.
RUN_COLUMNS: Final = (
    "run",
    "first_line",
    "last_line",
    *(c for c in LINE_COLUMNS[1:] if c not in ("has_item", *ITEM_CELLS, "unit_price_minor")),
    "unchecked",
)
# The staged lines as CsvFile gave them: (line, *cells in COLUMNS' order).
RAW_LINES: Final = (
    "SELECT i.line, "
    + ", ".join(("i." if c in ITEM_CELLS else "r.") + f'"{c}"' for c in COLUMNS)
    + f" FROM temp.{RAW_ITEMS} i JOIN temp.{RAW_RUNS} r ON r.run = i.run"
)
# The values every line of an order must agree on, as LINE_COLUMNS names them (SHARED's order).
SHARED_COLUMNS: Final = (
    "customer_id",
    "placed_at",
    "total_minor",
    "currency",
    "status",
    *(f"{name}_at" for name in LATER_TIMES),
)


_TIMES: Final = ", ".join(f"max({name}_at) AS {name}_at" for name in LATER_TIMES)
# The latest known time (what a stated status without its own time gets): SQLite's max()
# of several values is NULL if one is, and '' sorts before every time.
_LATEST: Final = "max(placed_at, " + ", ".join(f"coalesce({n}_at, '')" for n in LATER_TIMES) + ")"
_EFFECTIVE: Final = ", ".join(
    f"coalesce({n}_at, CASE WHEN status = '{n}' THEN {_LATEST} END) AS {n}_at" for n in LATER_TIMES
)
# A value JSON writes as it is inside quotes (json.dumps escapes nothing in it).
_PLAIN_ID: Final = "(ext NOT GLOB '*[^ -~]*' AND instr(ext, '\"') = 0 AND instr(ext, '\\') = 0)"


def differs(column: str) -> str:
    """SQL (in a GROUP BY): the group holds two different non-NULL values of the column."""
    return f"coalesce(min({column}) <> max({column}), 0)"


def _q(name: str) -> str:
    return f'"{name}"'


def _in(words: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{w}'" for w in sorted(words)) + ")"


def _valid_date(year: int, month: int, day: int) -> str:
    """SQL: the date at those 1-based positions of `c` exists (a day past the 28th is asked
    of SQLite, whose `+0 days` rolls 31 February over to March)."""
    iso = f"substr(c, {year}, 4) || '-' || substr(c, {month}, 2) || '-' || substr(c, {day}, 2)"
    # CASE, not AND/OR: SQLite evaluates both sides of those, and date() is the costly part.
    return (
        f"(CASE WHEN substr(c, {month}, 2) NOT BETWEEN '01' AND '12' THEN 0"
        f" WHEN substr(c, {day}, 2) BETWEEN '01' AND '28' THEN 1"
        f" ELSE date({iso}, '+0 days') = {iso} END)"
    )


def _moment(cell: str) -> str:
    """SQL giving the cell as a stored UTC time, NULL for an empty cell, '' when the fast
    forms do not decide it. Fast forms: ISO `YYYY-MM-DD[T ]HH:MM:SS` with no offset, `Z`, an
    offset of zero (copied) or another offset (converted by SQLite), ISO `YYYY-MM-DD`, and
    day-first `dd/mm/yyyy`; years 1000-2999."""
    d = "[0-9][0-9]"
    date = f"[12][0-9]{d}-{d}-{d}"
    clock = "[0-2][0-9]:[0-5][0-9]:[0-5][0-9]"
    iso = _valid_date(1, 6, 9)
    copy = "substr(c, 1, 10) || ' ' || substr(c, 12, 8) || '.000000'"
    sql = f"""CASE
 WHEN c = '' THEN NULL
 WHEN c GLOB '{date}[T ]{clock}*' THEN CASE
   WHEN substr(c, 12, 2) >= '24' OR NOT {iso} THEN ''
   WHEN length(c) = 19 OR (length(c) = 20 AND substr(c, 20) = 'Z')
        OR (length(c) = 25 AND substr(c, 20) IN ('+00:00', '-00:00')) THEN {copy}
   WHEN length(c) = 25 AND substr(c, 20) GLOB '[+-][01][0-9]:[0-5][0-9]'
     THEN strftime('%Y-%m-%d %H:%M:%S', c) || '.000000'
   ELSE '' END
 WHEN length(c) = 10 AND c GLOB '{date}' THEN CASE WHEN {iso} THEN c || ' 00:00:00.000000'
   ELSE '' END
 WHEN length(c) = 10 AND c GLOB '{d}/{d}/[12][0-9]{d}' THEN CASE WHEN {_valid_date(7, 4, 1)}
   THEN substr(c, 7, 4) || '-' || substr(c, 4, 2) || '-' || substr(c, 1, 2)
        || ' 00:00:00.000000' ELSE '' END
 ELSE '' END"""
    q = _q(cell)
    return (
        sql.replace("(c)", f"({q})")
        .replace(" c)", f" {q})")
        .replace("(c,", f"({q},")
        .replace(" c ", f" {q} ")
    )


def _amount(cell: str, scale: int) -> str:
    """SQL giving the cell in minor units, or NULL: digits only (`1250000`) or thousands
    grouped by dots (`1.250.000`, as Vietnamese write them)."""
    c = _q(cell)
    plain = f"replace({c}, '.', '')"
    return f"""CASE
 WHEN {c} <> '' AND length({c}) <= {FAST_AMOUNT_DIGITS} AND {c} NOT GLOB '*[^0-9]*'
   THEN CAST({c} AS INTEGER) * {scale}
 WHEN length({plain}) <= {FAST_AMOUNT_DIGITS} AND {c} GLOB '[0-9]*.[0-9][0-9][0-9]'
      AND {c} NOT GLOB '*[^0-9.]*'
      AND replace(printf('%,d', CAST({plain} AS INTEGER)), ',', '.') = {c}
   THEN CAST({plain} AS INTEGER) * {scale}
END"""


def _phone(cell: str) -> str:
    """SQL giving E.164 for `0` + nine digits and `+84` + nine digits in single-space groups
    (fields.phone's own shortcut, VN_MOBILE_RE), else NULL."""
    c = _q(cell)
    d9 = "[1-9]" + "[0-9]" * 8
    squeezed = f"replace({c}, ' ', '')"
    return f"""CASE
 WHEN length({c}) = 10 AND {c} GLOB '0{d9}' THEN '+84' || substr({c}, 2)
 WHEN substr({c}, 1, 3) = '+84' AND {c} NOT GLOB '*[^0-9 +]*' AND instr({c}, '  ') = 0
      AND substr({c}, -1) <> ' ' AND length({squeezed}) = 12 AND {squeezed} GLOB '+84{d9}'
   THEN {squeezed}
END"""


def _printable(cell: str) -> str:
    """Printable ASCII without spaces, quotes or backslashes: the same text in JSON."""
    c = _q(cell)
    return f"({c} NOT GLOB '*[^!-~]*' AND instr({c}, '\"') = 0 AND instr({c}, '\\') = 0)"


def fast_lines_sql(currency: str) -> tuple[str, str, str, str]:
    """Three statements normalising the lines the fast forms decide, for a shop whose
    currency is `currency`. The order-level cells are computed once per run of lines that
    repeat them (`import_runs`: the lines of one order usually do), the item cells once per
    line, every value once (one the fast forms cannot decide is '' or -1); then a DELETE
    drops the runs, then the lines, with such a value or a failed check; parse_row then
    reads those lines (it also takes a line naming another currency)."""
    scale = 10 ** exponent(currency)
    true_words = _in(w for w in TRUE_WORDS if w.isascii())
    false_words = _in(w for w in FALSE_WORDS if w.isascii())
    run_unchecked = " OR ".join(
        [
            f"length(order_id) NOT BETWEEN 1 AND {MAX_EXTERNAL_ID}",
            f"length(customer_id) NOT BETWEEN 1 AND {MAX_EXTERNAL_ID}",
            f"NOT (currency = '' OR (upper(currency) = '{currency}'"
            " AND currency GLOB '[A-Za-z][A-Za-z][A-Za-z]'))",
            f"NOT (status = '' OR lower(status) IN {_in(STATUSES)})",
            f"length(customer_name) > {MAX_CUSTOMER_NAME_CHARS}",
            f"length(shipping_address) > {MAX_ADDRESS_CHARS}",
            f"NOT (discount_code = '' OR (length(discount_code) <= 64"
            f" AND {_printable('discount_code')}"
            " AND instr(discount_code, ';') = 0 AND instr(discount_code, ',') = 0))",
            f"NOT (email = '' OR (length(email) <= {MAX_EMAIL_CHARS}"
            " AND email NOT GLOB '*[^!-~]*' AND instr(email, '@') > 1"
            " AND length(email) - length(replace(email, '@', '')) = 1"
            " AND substr(email, instr(email, '@') + 1) GLOB '?*.?*'))",
            f"NOT (accepts_marketing = '' OR lower(accepts_marketing) IN {true_words}"
            f" OR lower(accepts_marketing) IN {false_words})",
        ]
    )
    run_values = [
        "run",
        "first_line",
        "last_line",
        "order_id",
        "customer_id",
        f"coalesce({_moment('placed_at')}, '')",
        f"coalesce({_amount('total', scale)}, -1)",
        f"'{currency}'",
        "nullif(lower(status), '')",
        *(_moment(f"{name}_at") for name in LATER_TIMES),
        "CASE WHEN discount_code <> '' THEN '[\"' || discount_code || '\"]' END",
        "nullif(customer_name, '')",
        "lower(nullif(email, ''))",
        f"CASE WHEN phone = '' THEN NULL ELSE coalesce({_phone('phone')}, '') END",
        f"CASE WHEN lower(accepts_marketing) IN {true_words} THEN 1"
        f" WHEN lower(accepts_marketing) IN {false_words} THEN 0 END",
        "nullif(shipping_address, '')",
        run_unchecked,
    ]
    runs = (
        f"INSERT INTO temp.{RUNS} ({', '.join(RUN_COLUMNS)})\n"
        f"SELECT {', '.join(run_values)}\nFROM temp.{RAW_RUNS}"
    )
    has_item = "(i.sku <> '' OR i.product_name <> '' OR i.quantity <> '' OR i.unit_price <> '')"
    item_unchecked = " OR ".join(
        [
            f"length(i.sku) > {MAX_SKU_CHARS}",
            f"length(i.product_name) > {MAX_PRODUCT_NAME_CHARS}",
            f"NOT (i.quantity = '' OR (i.quantity NOT GLOB '*[^0-9]*'"
            f" AND length(i.quantity) <= 7"
            f" AND CAST(i.quantity AS INTEGER) BETWEEN 1 AND {MAX_QUANTITY}))",
        ]
    )
    price = _amount("unit_price", scale).replace('"unit_price"', "i.unit_price")
    line_values = {
        "line": "i.line",
        "has_item": has_item,
        "sku": f"CASE WHEN {has_item} THEN nullif(i.sku, '') END",
        "product_name": f"CASE WHEN {has_item} THEN i.product_name END",
        "quantity": f"CASE WHEN {has_item} THEN"
        " coalesce(CAST(nullif(i.quantity, '') AS INTEGER), 1) END",
        "unit_price_minor": f"CASE WHEN NOT {has_item} THEN NULL WHEN i.unit_price = ''"
        f" THEN 0 ELSE coalesce({price}, -1) END",
    }
    undecided_runs = " OR ".join(
        [
            "unchecked",
            "placed_at = ''",
            "total_minor < 0",
            "phone = ''",
            *(f"{n}_at = '' OR {n}_at < placed_at" for n in LATER_TIMES),
        ]
    )
    insert = (
        f"INSERT INTO temp.{LINES} ({', '.join(LINE_COLUMNS)}, run, unchecked)\n"
        f"SELECT {', '.join(line_values.get(c, 'r.' + c) for c in LINE_COLUMNS)}, r.run,"
        f" {item_unchecked}\nFROM temp.{RAW_ITEMS} i JOIN temp.{RUNS} r ON r.run = i.run"
    )
    return (
        runs,
        f"DELETE FROM temp.{RUNS} WHERE {undecided_runs}",
        insert,
        f"DELETE FROM temp.{LINES} WHERE unchecked OR unit_price_minor < 0",
    )


def fast_path_applies(currency: str) -> bool:
    return exponent(currency) in FAST_EXPONENTS and currency.isascii() and currency.isalpha()


def create_tables(connection: Connection) -> None:
    drop_tables(connection)
    order_cells = ", ".join(f"{_q(name)} TEXT" for name in ORDER_CELLS)
    item_cells = ", ".join(f"{_q(name)} TEXT" for name in ITEM_CELLS)
    for sql in (
        f"CREATE TEMP TABLE {RAW_RUNS} (run INTEGER PRIMARY KEY, first_line INTEGER,"
        f" last_line INTEGER, {order_cells})",
        f"CREATE TEMP TABLE {RAW_ITEMS} (line INTEGER PRIMARY KEY, run INTEGER, {item_cells})",
        f"CREATE TEMP TABLE {RUNS} (run INTEGER PRIMARY KEY, {', '.join(RUN_COLUMNS[1:])})",
        f"CREATE TEMP TABLE {LINES} (line INTEGER PRIMARY KEY,"
        f" {', '.join(LINE_COLUMNS[1:])}, run, unchecked)",
    ):
        connection.exec_driver_sql(sql)


def drop_tables(connection: Connection, names: Sequence[str] = ()) -> None:
    for name in (RAW_RUNS, RAW_ITEMS, RUNS, LINES, ORDERS, *names):
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")


def stage(connection: Connection, file: CsvFile, log: ErrorLog, advance: Advance) -> int:
    """Every non-blank line into the staging tables: its item cells into `import_raw_items`,
    its order cells into `import_raw_runs` once per run of lines repeating them. Returns
    the number of lines; a header or encoding problem raises ValidationFailed (CsvFile)."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    add_runs = f"INSERT INTO temp.{RAW_RUNS} VALUES ({', '.join('?' * (len(ORDER_CELLS) + 3))})"
    add_items = f"INSERT INTO temp.{RAW_ITEMS} VALUES ({', '.join('?' * (len(ITEM_CELLS) + 2))})"
    count = run = first = last = 0
    previous: tuple[str, ...] | None = None
    runs: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    for line, values in file.rows(COLUMNS, REQUIRED, log, advance, HEADERS):
        cells = values[:ITEM_START] + values[ITEM_END:]
        if cells != previous:
            if previous is not None:
                runs.append((run, first, last, *previous))
            run += 1
            previous, first = cells, line
        last = line
        items.append((line, run, *values[ITEM_START:ITEM_END]))
        if len(items) == STAGE_CHUNK:
            cursor.executemany(add_runs, runs)
            cursor.executemany(add_items, items)
            count += len(items)
            runs, items = [], []
    if previous is not None:
        runs.append((run, first, last, *previous))
    cursor.executemany(add_runs, runs)
    cursor.executemany(add_items, items)
    return count + len(items)


def normalise(connection: Connection, currency: str, log: ErrorLog) -> None:
    """Fill `import_lines` with the valid lines; every problem logged in line order as the
    per-row path logs it (parse_row's reasons, then OrderIndex's across lines)."""
    if fast_path_applies(currency):
        for sql in fast_lines_sql(currency):
            connection.exec_driver_sql(sql)
    parsed = ErrorLog(log.source)
    # Each line the SQL left, with its run when the run's order cells were decided (then
    # the run stands for the line in the order summary; otherwise the line itself does).
    kept = f"(SELECT run FROM temp.{RUNS} k WHERE k.run = i.run)"
    rows = connection.exec_driver_sql(
        RAW_LINES.replace("SELECT i.line, ", f"SELECT {kept}, i.line, ", 1)
        + f" WHERE NOT EXISTS (SELECT 1 FROM temp.{LINES} l WHERE l.line = i.line)"
        " ORDER BY i.line"
    )
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    insert = (
        f"INSERT INTO temp.{LINES} ({', '.join(LINE_COLUMNS)}, run)"
        f" VALUES ({', '.join('?' * (len(LINE_COLUMNS) + 1))})"
    )
    batch: list[tuple[Any, ...]] = []
    for record in _stream(rows):
        row = parse_row(record[1], tuple(record[2:]), currency, parsed)
        if row is not None:
            batch.append((*_normalised(row), record[0]))
            if len(batch) == STAGE_CHUNK:
                cursor.executemany(insert, batch)
                batch = []
    cursor.executemany(insert, batch)
    _summarise_orders(connection, currency)
    across = ErrorLog(log.source)
    _check_across_lines(connection, across)
    _merge(log, parsed, across)


def _stream(result: Any) -> Iterator[Sequence[Any]]:
    while True:
        part = result.fetchmany(STAGE_CHUNK)
        if not part:
            return
        yield from part


def _normalised(row: OrderRow) -> tuple[Any, ...]:
    item = row.item
    return (
        row.line,
        row.order_id,
        row.customer_id,
        sqlite_utc(row.placed_at),
        row.total_minor,
        row.currency,
        row.status,
        item is not None,
        item.sku if item else None,
        item.product_name if item else None,
        item.quantity if item else None,
        item.unit_price_minor if item else None,
        *(sqlite_utc(row.times.get(name)) for name in LATER_TIMES),
        json.dumps(list(row.discount_codes)) if row.discount_codes else None,
        row.customer_name,
        row.email,
        row.phone,
        row.accepts_marketing,
        row.shipping_address,
    )


# What the order summary reads of a run (or of a line the SQL left, as a run of one line).
SUMMARISED: Final = (
    "order_id",
    "first_line",
    "last_line",
    *(c for c in SHARED_COLUMNS),
    "discount_codes",
    "customer_name",
    "email",
    "phone",
    "accepts_marketing",
    "shipping_address",
)


def _summarise_orders(connection: Connection, currency: str) -> None:
    """`import_orders`: one row per order id of the valid lines, with its merged values (the
    lines agree on the shared ones, or the file is refused), its effective status times
    (OrderData.status_times), and whether it needs the per-row writer (`complex`: its lines
    disagree on a contact, address or codes, another currency, an id JSON would escape).
    `disagree` marks the orders whose lines give two values of a shared field."""
    irregular = " OR ".join(
        [
            *(
                differs(c)
                for c in (
                    "discount_codes",
                    "customer_name",
                    "email",
                    "phone",
                    "accepts_marketing",
                    "shipping_address",
                )
            ),
            f"max(currency) <> '{currency}'",
        ]
    )
    disagree = " OR ".join(differs(_q(c)) for c in SHARED_COLUMNS)
    connection.exec_driver_sql(
        f"""CREATE TEMP TABLE {ORDERS} AS
SELECT ext, first_line, last_line, customer_ext, placed_at, total_minor, currency, status,
  {_EFFECTIVE}, discount_codes, name, email, phone, accepts_marketing, address,
  irregular OR NOT {_PLAIN_ID} AS complex, disagree
FROM (SELECT order_id AS ext, min(first_line) AS first_line, max(last_line) AS last_line,
  max(customer_id) AS customer_ext, max(placed_at) AS placed_at,
  max(total_minor) AS total_minor, max(currency) AS currency, max(status) AS status, {_TIMES},
  coalesce(max(discount_codes), '[]') AS discount_codes, max(customer_name) AS name,
  max(email) AS email, max(phone) AS phone, max(accepts_marketing) AS accepts_marketing,
  max(shipping_address) AS address, {irregular} AS irregular, {disagree} AS disagree
  FROM (SELECT {", ".join(SUMMARISED)} FROM temp.{RUNS} UNION ALL
        SELECT {", ".join(SUMMARISED).replace("first_line, last_line", "line, line")}
        FROM temp.{LINES} WHERE run IS NULL) GROUP BY order_id)"""
    )
    connection.exec_driver_sql(f"CREATE UNIQUE INDEX temp.ix_{ORDERS}_ext ON {ORDERS} (ext)")


def _check_across_lines(connection: Connection, log: ErrorLog) -> None:
    """OrderIndex's rule (the first value given for an order is its value; a line giving
    another is reported against the order's first line), replayed on the orders whose lines
    hold more than one value for a shared field: SQL finds them, Python words the reasons."""
    rows = connection.exec_driver_sql(
        f"SELECT l.line, l.order_id, {', '.join('l.' + _q(c) for c in SHARED_COLUMNS)}"
        f" FROM temp.{LINES} l WHERE l.order_id IN"
        f" (SELECT ext FROM temp.{ORDERS} WHERE disagree) ORDER BY l.line"
    )
    known: dict[str, tuple[int, list[Any]]] = {}
    for line, order_id, *given in rows:
        first, stored = known.setdefault(order_id, (line, [None] * len(SHARED)))
        for i, value in enumerate(given):
            if value is None:
                continue
            if stored[i] is None:
                stored[i] = value
            elif stored[i] != value:
                name = SHARED[i]
                field = f"{name}_at" if name in LATER_TIMES else name
                log.add(line, field, f"differs from line {first} of order {order_id!r}")


def _merge(log: ErrorLog, *parts: ErrorLog) -> None:
    """The parts' problems into `log` in line order (each part is in line order already, and
    no line has problems in two parts), the first MAX_REPORTED_ERRORS listed."""
    merged = sorted((e for part in parts for e in part.errors), key=lambda e: e.line or 0)
    log.errors.extend(merged[: MAX_REPORTED_ERRORS - len(log.errors)])
    log.count += sum(part.count for part in parts)
