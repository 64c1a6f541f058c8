"""Header names a shop writes for an import's columns, read as the importer's own names.

A Vietnamese shop exports from Excel, Haravan, Sapo or KiotViet with Vietnamese headers
("Mã khách hàng", "Số điện thoại", "SĐT"). Each importer declares, next to its columns, one
table of the Vietnamese names it accepts per column (data: the first is how the import page
and its errors name the column). A header cell is folded like a staff search
(`customers.search_key.fold`: no accents, lower case, single spaces), so "Mã khách hàng",
"ma khach hang" and " MÃ KHÁCH HÀNG " are one name; the canonical English name is always
accepted. Headers nobody declares keep their own (lowered) name and are ignored as before.

Haravan, Sapo and KiotViet publish no column list for their spreadsheet exports that we could
find (searched 2026-12-08), so the tables hold the everyday Vietnamese words for each field;
add the exact header of a real export to its column's table when a shop brings one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from careloop.customers.search_key import fold

# canonical column -> the Vietnamese header names accepted for it (first: its display name)
HeaderTable = Mapping[str, tuple[str, ...]]


class HeaderClash(ValueError):
    """One table gives one folded header name to two columns (a mistake in the table)."""


def accepted(name: str, table: HeaderTable | None) -> tuple[str, ...]:
    """The header names read as column `name`: its own, then the table's."""
    return (name, *(table or {}).get(name, ()))


def vietnamese_name(name: str, table: HeaderTable | None) -> str:
    """How Vietnamese staff read column `name` (its own name if the table has none)."""
    names = (table or {}).get(name, ())
    return names[0] if names else name


@lru_cache(maxsize=32)
def _lookup(items: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, names in items:
        for header in (name, *names):
            key = fold(header)
            if lookup.setdefault(key, name) != name:
                raise HeaderClash(f"{header!r} is a header of both {lookup[key]} and {name}")
    return lookup


def lookup(table: HeaderTable | None) -> dict[str, str]:
    """Folded header name -> canonical column, for every name the table accepts."""
    return _lookup(tuple((name, tuple(names)) for name, names in (table or {}).items()))


def canonical(cell: str, table: HeaderTable | None) -> str:
    """The column a header cell names: canonical if the table knows it, else the cell's
    own stripped, lowered text (what the importers matched before headers were folded)."""
    if table:
        name = lookup(table).get(fold(cell))
        if name is not None:
            return name
    return cell.strip().lower()
