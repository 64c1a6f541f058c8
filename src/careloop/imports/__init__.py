"""CSV imports: `careloop import customers|orders|products FILE` (and kinds other capabilities add).

Every import reports each bad row as `file:line: field: reason` and writes all of the file
in one transaction or nothing: customers are validated whole before the writing; orders are
checked while they are written, and the first problem stops the writing and rolls it back.
See docs/decisions/0003-csv-import.md."""

from careloop.imports.customers import import_customers
from careloop.imports.orders import import_orders
from careloop.imports.products import import_products
from careloop.imports.registry import register_importer, run_import
from careloop.imports.summary import ImportSummary

register_importer("customers", import_customers)
register_importer("orders", import_orders)
register_importer("products", import_products)

__all__ = ["ImportSummary", "register_importer", "run_import"]
