""" "Import the good rows, hand back the bad ones": the other choice besides all-or-nothing.

Works for every kind of file without touching the importers: the file is imported as usual;
when that fails with problems on data lines, those records are set aside (with their reasons)
and the rest is imported again, until it goes in whole. A problem with no line, or on the
header, still refuses the whole file. The bad records come back as CSV with the file's own
columns plus an `error` column, ready to fix and import again.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from careloop.context import AppContext
from careloop.core.csv_safe import safe_writer
from careloop.core.errors import FieldError, ValidationFailed
from careloop.imports.headers import canonical
from careloop.imports.order_rows import HEADERS as ORDER_HEADERS
from careloop.imports.registry import run_import
from careloop.imports.summary import ImportSummary
from careloop.shops.models import Shop

REASON_COLUMN: Final = "error"
# Each round sets aside every row the importer reported; cross-row checks (an order id seen
# twice) can reveal more once rows go, so a few rounds are allowed.
MAX_ROUNDS: Final = 20


def _describe(problem: FieldError) -> str:
    return f"line {problem.line}: {problem.field}: {problem.reason}"


@dataclass
class SkippedImport:
    summary: ImportSummary
    header: list[str]
    # Per bad record: its first line in the uploaded file, its cells, the reasons.
    bad: dict[int, tuple[list[str], list[FieldError]]] = field(default_factory=dict)

    def bad_rows_csv(
        self, describe: Callable[[FieldError], str] = _describe, reason_column: str = REASON_COLUMN
    ) -> str:
        """The bad records with a reason column naming line, field and reason (`describe` words
        each problem, e.g. in the reader's language)."""
        out = io.StringIO()
        writer = safe_writer(out)  # formula cells neutralised (core/csv_safe.py)
        writer.writerow([*self.header, reason_column])
        for line in sorted(self.bad):
            cells, problems = self.bad[line]
            writer.writerow([*cells, "; ".join(describe(p) for p in problems)])
        return out.getvalue()


def _records(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each record with the line it starts on (BOM dropped, UTF-8)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            reader = csv.reader(text)
            header = next(reader, None)
            if header is None:
                return [], []
            records: list[tuple[int, list[str]]] = []
            line = reader.line_num
            for record in reader:
                start, line = line + 1, reader.line_num
                if record and any(cell.strip() for cell in record):
                    records.append((start, record))
            return header, records
    except (UnicodeDecodeError, csv.Error):
        return [], []  # the importer reports these itself, as a whole-file problem


def import_skipping_bad_rows(
    ctx: AppContext, shop: Shop, kind: str, path: Path, *, progress: bool = False
) -> SkippedImport:
    """Import the rows that are right; raise ValidationFailed only for whole-file problems."""
    header, records = _records(path)
    bad: dict[int, tuple[list[str], list[FieldError]]] = {}
    folder = Path(tempfile.mkdtemp(prefix="careloop-good-rows-"))
    good = folder / path.name
    try:
        for _ in range(MAX_ROUNDS):
            if not header:
                return SkippedImport(run_import(ctx, shop, kind, path, progress=progress), [])
            kept = [(line, cells) for line, cells in records if line not in bad]
            original = _write(good, header, kept)
            try:
                summary = run_import(ctx, shop, kind, good, progress=progress)
            except ValidationFailed as exc:
                _set_aside(exc, original, dict(kept), bad, path, header)
                continue
            summary.source = str(path)
            summary.rows = len(kept)
            return SkippedImport(summary, header, bad)
        raise ValidationFailed([FieldError("file", "too many rounds of bad rows; fix the file")])
    finally:
        good.unlink(missing_ok=True)
        folder.rmdir()


def _write(target: Path, header: list[str], kept: list[tuple[int, list[str]]]) -> dict[int, int]:
    """Write the kept records; returns the new file's line of each record → its original line."""
    original: dict[int, int] = {}
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = safe_writer(out)  # formula cells neutralised (core/csv_safe.py)
        writer.writerow(header)
        line = 2
        for first, cells in kept:
            writer.writerow(cells)
            original[line] = first
            # A quoted cell with new lines takes more than one physical line.
            line += 1 + sum(cell.count("\n") for cell in cells)
    return original


def _set_aside(
    exc: ValidationFailed,
    original: dict[int, int],
    cells: dict[int, list[str]],
    bad: dict[int, tuple[list[str], list[FieldError]]],
    path: Path,
    header: list[str],
) -> None:
    """Move each reported record to `bad`; re-raise for problems that are not one row's."""
    found = 0
    for error in exc.errors:
        first = original.get(error.line) if error.line is not None else None
        if first is None:
            if error.field == "file" and error.line is None and found:
                continue  # "N more problem(s) not listed": the next round finds them
            raise ValidationFailed(
                [FieldError(e.field, e.reason, line=e.line, source=str(path)) for e in exc.errors]
            ) from None
        found += 1
        entry = bad.setdefault(first, (cells[first], []))
        entry[1].append(FieldError(error.field, error.reason, line=first))
    _whole_orders(header, bad, cells)


def _whole_orders(
    header: list[str],
    bad: dict[int, tuple[list[str], list[FieldError]]],
    cells: dict[int, list[str]],
) -> None:
    """An order spans lines (one per item): one bad line sets the whole order aside, so no
    order is imported with an item missing."""
    names = [canonical(name, ORDER_HEADERS) for name in header]  # "Mã đơn hàng" too
    if "order_id" not in names:
        return
    header_index = names.index("order_id")
    ids = {entry[0][header_index] for entry in bad.values() if len(entry[0]) > header_index}
    for line, row in cells.items():
        if line not in bad and len(row) > header_index and row[header_index] in ids:
            reason = "another line of this order is wrong"
            bad[line] = (row, [FieldError("order_id", reason, line=line)])
