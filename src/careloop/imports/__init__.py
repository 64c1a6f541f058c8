"""CSV imports: `careloop import customers|orders|products FILE` (and kinds other capabilities add).

Every import reads the file twice: first to validate all of it, reporting each bad row as
`file:line: field: reason`; then, only if nothing was wrong, to write all of it in one
transaction. See docs/decisions/0003-csv-import.md."""

from careloop.imports.customers import import_customers
from careloop.imports.orders import import_orders
from careloop.imports.products import import_products
from careloop.imports.registry import register_importer, run_import
from careloop.imports.summary import ImportSummary

register_importer("customers", import_customers)
register_importer("orders", import_orders)
register_importer("products", import_products)

__all__ = ["ImportSummary", "register_importer", "run_import"]
