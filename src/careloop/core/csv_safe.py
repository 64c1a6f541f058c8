"""CSV cells a spreadsheet cannot run as formulas (CSV injection, OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets treat a cell whose text starts with `=`, `+`, `-`, `@`,
a tab or a carriage return as a formula (a customer named `=HYPERLINK(...)` would run in the
shop owner's spreadsheet). Every CSV export writes through `safe_writer`, which prefixes
such text with a `'` (shown by spreadsheets as text, not printed). A text that already
starts with `'` gets one more, so `unquote_cell` (used by the importers) gives back exactly
what was exported: an export can be imported again unchanged.

Numbers (int, float, Decimal) are written as they are: a negative amount is not a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def safe_cell(value: Any) -> Any:
    """`value`, with a leading `'` if it is text a spreadsheet would run (or starts with
    `'` itself)."""
    if isinstance(value, str) and value.startswith((*TRIGGERS, QUOTE)):
        return QUOTE + value
    return value


def unquote_cell(value: str) -> str:
    """The inverse of `safe_cell` for a cell read back from one of our exports."""
    if len(value) > 1 and value[0] == QUOTE and value[1] in (*TRIGGERS, QUOTE):
        return value[1:]
    return value


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SafeWriter:
    """csv.writer whose every cell passes `safe_cell`."""

    def __init__(self, inner: _Writer) -> None:
        self._inner = inner

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._inner.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(out: Any, **options: Any) -> SafeWriter:
    """`csv.writer(out, **options)` with formula cells neutralised."""
    return SafeWriter(csv.writer(out, **options))
