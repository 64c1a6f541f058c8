"""Products, orders and their ingestion (API, CSV, platform connectors)."""
