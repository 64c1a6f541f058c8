"""Errors a user can cause. Each message names the field, line or id at fault."""

from __future__ import annotations

from dataclasses import dataclass


class CareloopError(Exception):
    """Base of every error Careloop raises on purpose."""


class NotFound(CareloopError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


class Conflict(CareloopError):
    """The request contradicts what is stored (e.g. an id reused for different data)."""


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    line: int | None = None
    source: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.source is not None and self.line is not None:
            where = f"{self.source}:{self.line}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        return f"{where}{self.field}: {self.reason}"


class ValidationFailed(CareloopError):
    """One or more fields are invalid; nothing was changed."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:50])
        more = f"\n... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} invalid field(s), nothing was changed:\n{shown}{more}")
