"""Writing a staged orders file (staging.py) with set-based SQL on SQLite.

The orders and customers a file brings fresh (the bulk of any first import or history
backfill) are written by a handful of INSERT … SELECT statements: customers, their
`customer.created` events, products, orders, order lines and one timeline event per status
time, with the same values the per-row writer gives. Everything whose outcome depends on
what is stored or on the order of the file goes through that per-row writer
(order_writer.OrderWriter) unchanged, so the rules live in one place:

- a customer id already stored or linked, or whose phone or email a stored customer or
  another customer of the file has (identity rules, customers/identity.py);
- a customer whose orders disagree on name, email or phone, or who gives consent;
- an order already stored, or whose lines disagree on a contact, address or codes, or in
  another currency than the shop's, or whose id is not plain printable ASCII;
and every other order of such a customer. See docs/decisions/0034-staged-csv-import.md."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from careloop.core import events
from careloop.core.money import exponent
from careloop.imports.backfill import BACKFILL_WINDOW
from careloop.imports.bulk import sqlite_utc
from careloop.imports.csvfile import ErrorLog
from careloop.imports.customer_writer import IMPORTED_FIELDS
from careloop.imports.fast_values import referral_codes, search_key
from careloop.imports.order_rows import LATER_TIMES, LineParser
from careloop.imports.order_writer import OrderData, OrderWrite, OrderWriter
from careloop.imports.staging import LINES, ORDERS, RAW_LINES, STAGE_CHUNK, differs
from careloop.orders.address import address_key
from careloop.orders.service import STATUS_EVENTS

CUSTOMERS: Final = "import_customers"
NEW_CUSTOMERS: Final = "import_new_customers"
ADDRESSES: Final = "import_addresses"
STATUS_TABLE: Final = "import_statuses"
TABLES: Final = (CUSTOMERS, NEW_CUSTOMERS, ADDRESSES, STATUS_TABLE)
# Orders written per round by the per-row writer (orders.ORDER_BATCH's value).
ROW_BATCH: Final = 2000

# orders.status.current_status over the effective times: the furthest rank reached;
# between returned and cancelled (both rank 4) the later, `returned` on a tie.
_CURRENT: Final = """CASE
 WHEN returned_at IS NOT NULL AND cancelled_at IS NOT NULL
   THEN CASE WHEN cancelled_at > returned_at THEN 'cancelled' ELSE 'returned' END
 WHEN returned_at IS NOT NULL THEN 'returned'
 WHEN cancelled_at IS NOT NULL THEN 'cancelled'
 WHEN delivered_at IS NOT NULL THEN 'delivered'
 WHEN shipped_at IS NOT NULL THEN 'shipped'
 WHEN paid_at IS NOT NULL THEN 'paid'
 ELSE 'placed' END"""


@dataclass(frozen=True)
class StagedWriter:
    session: Session
    shop_id: int
    currency: str
    now: datetime
    source: str
    log: ErrorLog

    @property
    def connection(self) -> Connection:
        return self.session.connection()

    def _sql(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        base = {"shop": self.shop_id, "now": sqlite_utc(self.now), "source": self.source}
        return self.connection.exec_driver_sql(sql, {**base, **(params or {})})

    def count_orders(self) -> int:
        return int(self._sql(f"SELECT count(*) FROM temp.{ORDERS}").scalar() or 0)

    def write(self, result: OrderWrite) -> None:
        """Write every staged order: the fresh ones set-based, the rest per row (first, so
        that the products and customers they create are there for the set-based part)."""
        self._customers()
        self._products()
        self._per_row(result)
        if self.log.count:
            return
        self._new_customers(result)
        self._set_based_orders(result)

    # --- what the file says per order and per customer ---------------------------------

    def _customers(self) -> None:
        """Per customer id of the file: its values, and whether the per-row writer must
        decide it (see the module's docstring)."""
        self._sql(
            f"""CREATE TEMP TABLE {CUSTOMERS} AS
SELECT customer_ext AS ext, min(last_line) AS position, max(name) AS name,
  max(email) AS email, max(phone) AS phone, min(placed_at) AS first_seen,
  (max(complex) OR {differs("name")} OR {differs("email")} OR {differs("phone")}
   OR max(accepts_marketing) IS NOT NULL) AS complex
FROM temp.{ORDERS} GROUP BY customer_ext"""
        )
        self._sql(f"CREATE UNIQUE INDEX temp.ix_{CUSTOMERS}_ext ON {CUSTOMERS} (ext)")
        self._sql(
            f"""UPDATE temp.{CUSTOMERS} SET complex = 1 WHERE NOT complex AND (
  EXISTS (SELECT 1 FROM customers c WHERE c.shop_id = :shop AND c.external_id = ext)
  OR EXISTS (SELECT 1 FROM customer_identities i
             WHERE i.shop_id = :shop AND i.external_id = ext)
  OR (phone IS NOT NULL AND EXISTS (SELECT 1 FROM customers c
                                    WHERE c.shop_id = :shop AND c.phone = {CUSTOMERS}.phone))
  OR (email IS NOT NULL AND EXISTS (SELECT 1 FROM customers c
                                    WHERE c.shop_id = :shop AND c.email = {CUSTOMERS}.email))
  OR phone IN (SELECT phone FROM temp.{CUSTOMERS} WHERE phone IS NOT NULL
               GROUP BY phone HAVING count(*) > 1)
  OR email IN (SELECT email FROM temp.{CUSTOMERS} WHERE email IS NOT NULL
               GROUP BY email HAVING count(*) > 1)
  OR ext IN (SELECT o.customer_ext FROM temp.{ORDERS} o WHERE EXISTS
             (SELECT 1 FROM orders s WHERE s.shop_id = :shop AND s.external_id = o.ext)))"""
        )
        self._sql(
            f"UPDATE temp.{ORDERS} SET complex = 1 WHERE NOT complex AND customer_ext IN"
            f" (SELECT ext FROM temp.{CUSTOMERS} WHERE complex)"
        )

    def _products(self) -> None:
        """Unknown skus become products from their first line in the order the per-row
        writer meets them (orders by their last line), as order_writer does."""
        self._sql(
            f"""INSERT INTO products (shop_id, sku, name, price_minor, created_at)
SELECT :shop, sku, CASE WHEN product_name <> '' THEN product_name ELSE sku END,
  unit_price_minor, :now
FROM (SELECT l.sku AS sku, l.product_name AS product_name,
  l.unit_price_minor AS unit_price_minor, o.last_line AS position, l.line AS line,
  row_number() OVER (PARTITION BY l.sku ORDER BY o.last_line, l.line) AS k
  FROM temp.{LINES} l JOIN temp.{ORDERS} o ON o.ext = l.order_id WHERE l.sku IS NOT NULL) f
WHERE f.k = 1
AND NOT EXISTS (SELECT 1 FROM products p WHERE p.shop_id = :shop AND p.sku = f.sku)
ORDER BY position, line
ON CONFLICT (shop_id, sku) DO NOTHING"""
        )

    # --- the per-row writer for what depends on the database or the file's order -------

    def _per_row(self, result: OrderWrite) -> None:
        rows = self._sql(
            f"SELECT r.*, o.last_line FROM ({RAW_LINES}) r JOIN temp.{ORDERS} o"
            " ON o.ext = r.order_id WHERE o.complex ORDER BY r.line"
        )
        writer = OrderWriter(
            session=self.session,
            shop_id=self.shop_id,
            now=self.now,
            source=self.source,
            log=self.log,
        )
        parser = LineParser(self.currency, ErrorLog(self.log.source))  # lines checked already
        pending: dict[str, OrderData] = {}
        batch: list[OrderData] = []
        for record in _stream(rows):
            line, values, last = record[0], tuple(record[1:-1]), record[-1]
            row = parser.parse(line, values)
            if row is None:  # pragma: no cover - staging.normalise accepted the line
                raise AssertionError(f"line {line} was accepted, then refused")
            data = pending.get(row.order_id)
            if data is None:
                data = pending[row.order_id] = OrderData.start(row)
            else:
                data.add(row)
            if line == last:
                batch.append(pending.pop(row.order_id))
                if len(batch) >= ROW_BATCH:
                    self._write_rows(writer, batch, result)
                    batch = []
        self._write_rows(writer, batch, result)

    def _write_rows(self, writer: OrderWriter, batch: list[OrderData], result: OrderWrite) -> None:
        if batch and not self.log.count:
            writer.write(batch, result)

    # --- fresh customers and orders, set-based -----------------------------------------

    def _new_customers(self, result: OrderWrite) -> None:
        """Customers: search keys and referral codes made in Python (once per customer),
        the rows and their `customer.created` events by INSERT … SELECT."""
        self._sql(
            f"CREATE TEMP TABLE {NEW_CUSTOMERS} (position INTEGER PRIMARY KEY, ext, name,"
            " email, phone, first_seen, search_key, referral_code)"
        )
        rows = self._sql(
            f"SELECT ext, name, email, phone, first_seen FROM temp.{CUSTOMERS}"
            " WHERE NOT complex ORDER BY position"
        )
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        insert = f"INSERT INTO temp.{NEW_CUSTOMERS} VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)"
        added = 0
        drawn: set[str] = set()
        while part := rows.fetchmany(STAGE_CHUNK):
            codes = _distinct_codes(len(part), drawn)
            cursor.executemany(
                insert,
                [
                    (
                        ext,
                        name,
                        email,
                        phone,
                        first_seen,
                        search_key({"name": name, "email": email, "phone": phone}, ext),
                        code,
                    )
                    for (ext, name, email, phone, first_seen), code in zip(part, codes, strict=True)
                ],
            )
            added += len(part)
        self._unique_codes(drawn)
        columns = ", ".join(IMPORTED_FIELDS)
        values = ", ".join(
            {"name": "coalesce(n.name, '')", "email": "n.email", "phone": "n.phone"}.get(
                name, "NULL"
            )
            for name in IMPORTED_FIELDS
        )
        self._sql(
            f"""INSERT INTO customers (shop_id, external_id, {columns}, search_key, tags,
  referral_code, created_at, updated_at)
SELECT :shop, n.ext, {values}, n.search_key, '[]', n.referral_code, :now, :now
FROM temp.{NEW_CUSTOMERS} n WHERE true ORDER BY n.position
ON CONFLICT (shop_id, external_id) DO NOTHING"""
        )
        self._sql(
            f"""INSERT INTO timeline_events (shop_id, customer_id, order_id, type, occurred_at,
  recorded_at, source, event_key, payload, summary, history)
SELECT :shop, c.id, NULL, :type, n.first_seen, :now, :source,
  'customer:' || n.ext || ':created', '{{}}', coalesce(n.name, ''), n.first_seen < :before
FROM temp.{NEW_CUSTOMERS} n JOIN customers c ON c.shop_id = :shop AND c.external_id = n.ext
WHERE true ORDER BY n.position
ON CONFLICT (shop_id, event_key) DO NOTHING""",
            {"type": events.CUSTOMER_CREATED, "before": self._history_before()},
        )
        result.customers_new += added

    def _unique_codes(self, codes: set[str]) -> None:
        """Draw again every referral code a stored customer holds (`codes`: those drawn for
        this file, distinct already)."""
        while True:
            clashes = [
                (position, code)
                for position, code in self._sql(
                    f"""SELECT n.position, n.referral_code FROM temp.{NEW_CUSTOMERS} n
WHERE EXISTS (SELECT 1 FROM customers c
              WHERE c.shop_id = :shop AND c.referral_code = n.referral_code)"""
                )
            ]
            if not clashes:
                return
            fresh = _distinct_codes(len(clashes), codes)
            cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.executemany(
                f"UPDATE temp.{NEW_CUSTOMERS} SET referral_code = ? WHERE position = ?",
                [(new, position) for new, (position, _old) in zip(fresh, clashes, strict=True)],
            )

    def _set_based_orders(self, result: OrderWrite) -> None:
        self._address_keys()
        scale = exponent(self.currency)
        total = (
            "CAST(o.total_minor AS TEXT)"
            if scale == 0
            else f"printf('%d.%0{scale}d', o.total_minor / {10**scale},"
            f" o.total_minor % {10**scale})"
        )
        times = ", ".join(f"o.{n}_at" for n in LATER_TIMES)
        inserted = self._sql(
            f"""INSERT INTO orders (shop_id, external_id, customer_id, status, currency,
  total_minor, discount_codes, shipping_address, shipping_address_key, placed_at,
  {", ".join(f"{n}_at" for n in LATER_TIMES)}, source, created_at, updated_at)
SELECT :shop, o.ext, c.id, {_CURRENT}, o.currency, o.total_minor,
  o.discount_codes, o.address, a.key, o.placed_at, {times}, :source, :now, :now
FROM temp.{ORDERS} o JOIN customers c ON c.shop_id = :shop AND c.external_id = o.customer_ext
LEFT JOIN temp.{ADDRESSES} a ON a.address = o.address
WHERE NOT o.complex
ON CONFLICT (shop_id, external_id) DO NOTHING"""
        ).rowcount
        result.orders_new += max(inserted, 0)
        lines = self._sql(
            f"""INSERT INTO order_lines (shop_id, order_id, product_id, sku, product_name,
  quantity, unit_price_minor)
SELECT :shop, s.id, p.id, l.sku, l.product_name, l.quantity, l.unit_price_minor
FROM temp.{LINES} l JOIN temp.{ORDERS} o ON o.ext = l.order_id
JOIN orders s ON s.shop_id = :shop AND s.external_id = l.order_id
LEFT JOIN products p ON p.shop_id = :shop AND p.sku = l.sku
WHERE l.has_item AND NOT o.complex ORDER BY l.line"""
        ).rowcount
        result.lines += max(lines, 0)
        self._status_table()
        at = "CASE st.status WHEN 'placed' THEN o.placed_at " + " ".join(
            f"WHEN '{n}' THEN o.{n}_at" for n in LATER_TIMES
        )
        self._sql(
            f"""INSERT INTO timeline_events (shop_id, customer_id, order_id, type, occurred_at,
  recorded_at, source, event_key, payload, summary, history)
SELECT :shop, customer_id, order_id, type, occurred_at, :now, :source, event_key, payload,
  summary, occurred_at < :before
FROM (SELECT s.customer_id AS customer_id, s.id AS order_id, st.type AS type,
  {at} END AS occurred_at, 'order:' || o.ext || ':' || st.status AS event_key,
  '{{"order_id": "' || o.ext || '", "status": "' || st.status || '", "total": "' || {total}
    || '", "currency": "' || o.currency || '"}}' AS payload,
  '#' || o.ext AS summary, o.last_line AS position, st.rank AS rank
  FROM temp.{ORDERS} o JOIN orders s ON s.shop_id = :shop AND s.external_id = o.ext
  CROSS JOIN temp.{STATUS_TABLE} st WHERE NOT o.complex)
WHERE occurred_at IS NOT NULL
ON CONFLICT (shop_id, event_key) DO NOTHING""",
            {"before": self._history_before()},
        )

    def _address_keys(self) -> None:
        """address_key (Python: folding and abbreviations) once per distinct address."""
        self._sql(f"CREATE TEMP TABLE {ADDRESSES} (address TEXT PRIMARY KEY, key TEXT)")
        found = self._sql(
            f"SELECT DISTINCT address FROM temp.{ORDERS} WHERE address IS NOT NULL AND NOT complex"
        ).fetchall()
        if found:
            cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.executemany(
                f"INSERT INTO temp.{ADDRESSES} VALUES (?, ?)",
                [(address, address_key(address)) for (address,) in found],
            )

    def _status_table(self) -> None:
        self._sql(f"CREATE TEMP TABLE {STATUS_TABLE} (status TEXT, type TEXT, rank INTEGER)")
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(
            f"INSERT INTO temp.{STATUS_TABLE} VALUES (?, ?, ?)",
            [(s, t, i) for i, (s, t) in enumerate(STATUS_EVENTS.items())],
        )

    def _history_before(self) -> str | None:
        """Events before this stored time are history (backfill.is_history)."""
        return sqlite_utc(self.now - BACKFILL_WINDOW)

    def drop(self) -> None:
        for name in TABLES:
            self._sql(f"DROP TABLE IF EXISTS temp.{name}")


def _stream(result: Any) -> Iterator[Any]:
    while part := result.fetchmany(STAGE_CHUNK):
        yield from part


def _distinct_codes(count: int, drawn: set[str]) -> list[str]:
    """`count` referral codes none of which is in `drawn` (which then holds them too)."""
    codes: list[str] = []
    while len(codes) < count:
        for code in referral_codes(count - len(codes)):
            if code not in drawn:
                drawn.add(code)
                codes.append(code)
    return codes
