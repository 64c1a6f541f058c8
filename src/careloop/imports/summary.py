"""What an import did, for the CLI to print."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ImportSummary:
    kind: str
    source: str
    rows: int = 0
    customers_new: int = 0
    customers_updated: int = 0
    orders_new: int = 0
    orders_updated: int = 0
    lines: int = 0
    products_new: int = 0
    products_updated: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        parts = [
            f"imported {self.rows:,} {self.kind} row(s) from {self.source} in {self.seconds:.1f} s"
        ]
        if self.kind in ("customers", "orders"):
            parts.append(
                f"customers {self.customers_new:,} new, {self.customers_updated:,} updated"
            )
        if self.kind == "orders":
            parts.append(f"orders {self.orders_new:,} new, {self.orders_updated:,} updated")
            parts.append(f"{self.lines:,} order line(s)")
        if self.kind == "products":
            parts.append(f"products {self.products_new:,} new, {self.products_updated:,} updated")
        return "; ".join(parts)
