"""What imports plug in: the CSV importers of customers, orders and products."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest

MANIFEST = Manifest(
    name="imports",
    importers=(
        ("customers", "careloop.imports.customers:import_customers"),
        ("orders", "careloop.imports.orders:import_orders"),
        ("products", "careloop.imports.products:import_products"),
    ),
    commands=(
        Command(
            "import",
            "Import CSV files (validated whole first: all or nothing).",
            "careloop.cli_commands:register",
        ),
    ),
    catalogue_domain="import",
)
