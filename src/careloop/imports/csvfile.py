"""Streaming a CSV file: header check, rows with their line numbers, progress by bytes,
and a bounded list of the problems found."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Final

from careloop.core.csv_safe import QUOTE, unquote_cell
from careloop.core.errors import FieldError, ValidationFailed
from careloop.imports.headers import HeaderTable, accepted, canonical
from careloop.imports.progress import Advance

# Every bad row is reported, up to this many; past it only the count grows, so a file
# of a million bad rows cannot exhaust memory.
MAX_REPORTED_ERRORS: Final = 1000
# Report progress every this many rows (a Rich update per row would dominate).
PROGRESS_EVERY_ROWS: Final = 4096

Row = tuple[str, ...]


class ErrorLog:
    """Problems of one file, each as `file:line: field: reason`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[FieldError] = []
        self.count = 0

    def add(self, line: int, field: str, reason: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(FieldError(field, reason, line=line, source=self.source))

    def raise_if_any(self) -> None:
        if not self.count:
            return
        errors = list(self.errors)
        if self.count > len(errors):
            hidden = self.count - len(errors)
            errors.append(FieldError("file", f"{hidden} more problem(s) not listed"))
        raise ValidationFailed(errors)


class CsvFile:
    """A CSV file with a header row, read as rows of the columns an importer knows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = str(path)
        self.size = path.stat().st_size

    def rows(
        self,
        columns: Sequence[str],
        required: Sequence[str],
        errors: ErrorLog,
        advance: Advance,
        headers: HeaderTable | None = None,
    ) -> Iterator[tuple[int, Row]]:
        """(line, values in the order of `columns`, stripped; absent columns are "").

        Header cells are read through `headers` (the importer's Vietnamese names, see
        headers.py) once, here, so every path after this one sees only canonical names.

        A missing required column, or a file that is not UTF-8 CSV, stops the reading with
        ValidationFailed; row-level problems are the caller's to log."""
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            line = 0  # the physical line the reader has reached
            try:
                header = next(reader, None)
                if header is None:
                    errors.add(1, "file", "is empty; expected a header row")
                    errors.raise_if_any()
                    return
                pick = self._picker(header, columns, required, errors, headers)
                width = len(header)
                padding = [""] * (width + 1)
                line = reader.line_num
                for record in reader:
                    # A quoted cell may span lines: report the line the record starts on.
                    start, line = line + 1, reader.line_num
                    if not record or (len(record) == 1 and not record[0].strip()):
                        continue  # blank line
                    if len(record) > width:
                        del record[width:]
                    record.extend(padding[: width + 1 - len(record)])
                    values = tuple(map(str.strip, pick(record)))
                    if QUOTE in "".join(values):
                        # Our exports quote formula-like cells (core/csv_safe): read them back.
                        values = tuple(unquote_cell(c).strip() for c in values)
                    yield start, values
                    if start % PROGRESS_EVERY_ROWS == 0:
                        advance(raw.tell())
            except UnicodeDecodeError:
                errors.add(line + 1, "file", "is not UTF-8 text (save the CSV as UTF-8)")
                errors.raise_if_any()
            except csv.Error as exc:
                errors.add(reader.line_num, "file", f"is not valid CSV: {exc}")
                errors.raise_if_any()
            advance(self.size)

    def _picker(
        self,
        header: list[str],
        columns: Sequence[str],
        required: Sequence[str],
        errors: ErrorLog,
        headers: HeaderTable | None,
    ) -> Callable[[list[str]], Row]:
        names = [canonical(h, headers) for h in header]
        seen: dict[str, int] = {}
        for index, name in enumerate(names):
            if name in columns and name in seen:
                first = seen[name]
                errors.add(
                    1,
                    name,
                    f"column appears twice (columns {first + 1} and {index + 1}:"
                    f' "{header[first].strip()}" and "{header[index].strip()}")',
                )
            seen.setdefault(name, index)
        written = ", ".join(h.strip() for h in header)
        for name in required:
            if name not in seen:
                errors.add(
                    1,
                    name,
                    f"required column {name} is missing (accepted headers:"
                    f" {', '.join(accepted(name, headers))}; the header has: {written})",
                )
        errors.raise_if_any()
        # An absent column reads the blank cell appended at the end of every row.
        indices = [seen.get(name, len(header)) for name in columns]
        if len(indices) < 2:
            raise ValueError("an importer reads at least two columns")
        pick: Callable[[list[str]], Row] = itemgetter(*indices)  # type: ignore[arg-type]
        return pick
