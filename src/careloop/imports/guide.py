"""What the import page tells staff about each kind of file: the columns it reads, the
header names accepted for each (imports/headers.py) and which are required, and a sample
file's header row in the staff's language."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from careloop.core.csv_safe import safe_writer
from careloop.imports import customers, order_rows, products
from careloop.imports.headers import HeaderTable, vietnamese_name


@dataclass(frozen=True, slots=True)
class ColumnGuide:
    name: str  # the importer's own (English) column name
    header: str  # how the staff's language heads it
    also: tuple[str, ...]  # the other Vietnamese header names read as this column
    required: bool


@dataclass(frozen=True, slots=True)
class KindColumns:
    columns: Sequence[str]
    required: Sequence[str]
    headers: HeaderTable | None = None


KIND_COLUMNS: Final[dict[str, KindColumns]] = {
    "customers": KindColumns(customers.COLUMNS, customers.REQUIRED, customers.HEADERS),
    "orders": KindColumns(order_rows.COLUMNS, order_rows.REQUIRED, order_rows.HEADERS),
    "products": KindColumns(products.COLUMNS, products.REQUIRED, products.HEADERS),
}


def column_guide(kind: KindColumns, locale: str) -> list[ColumnGuide]:
    """Required columns first, each in the file's column order."""
    vietnamese = locale.lower().startswith("vi")
    guide = []
    for name in sorted(kind.columns, key=lambda c: c not in kind.required):
        header = vietnamese_name(name, kind.headers) if vietnamese else name
        names = (kind.headers or {}).get(name, ())
        guide.append(
            ColumnGuide(
                name=name,
                header=header,
                also=tuple(n for n in names if n != header),
                required=name in kind.required,
            )
        )
    return guide


def sample_csv(kind: KindColumns, locale: str) -> str:
    """A header row a shop can fill in: Vietnamese names for Vietnamese staff (the byte
    order mark lets Excel open the accents intact), the English names otherwise."""
    out = io.StringIO()
    safe_writer(out, lineterminator="\r\n").writerow([c.header for c in column_guide(kind, locale)])
    return "\ufeff" + out.getvalue()
