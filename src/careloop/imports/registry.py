"""Which importer handles which kind of file: the kinds the capabilities' manifests declare
(careloop.bootstrap), each registered the first time it is asked for. A kind nobody declares
gets a clear error naming the kinds there are; a kind registered twice by two different
functions raises."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from careloop import bootstrap
from careloop.context import AppContext
from careloop.core.errors import FieldError, ValidationFailed
from careloop.imports.summary import ImportSummary
from careloop.shops.models import Shop


class Importer(Protocol):
    def __call__(
        self, ctx: AppContext, shop: Shop, path: Path, *, progress: bool
    ) -> ImportSummary: ...


class DuplicateImporter(RuntimeError):
    """Two different importers claim one kind."""


_IMPORTERS: dict[str, Importer] = {}


def register_importer(kind: str, importer: Importer) -> None:
    known = _IMPORTERS.get(kind)
    if known is not None and _where(known) != _where(importer):
        raise DuplicateImporter(
            f"importer {kind!r} is registered by both {_where(known)} and {_where(importer)}"
        )
    _IMPORTERS[kind] = importer


def _where(importer: Importer) -> str:
    return f"{getattr(importer, '__module__', '?')}.{getattr(importer, '__qualname__', '?')}"


def known_kinds() -> list[str]:
    return sorted(set(_IMPORTERS) | set(bootstrap.importers()))


def importer_for(kind: str) -> Importer:
    if kind not in _IMPORTERS and kind in bootstrap.importers():
        register_importer(kind, bootstrap.resolve(bootstrap.importers()[kind]))
    importer = _IMPORTERS.get(kind)
    if importer is not None:
        return importer
    reason = f"unknown kind {kind!r} (one of {', '.join(known_kinds())})"
    raise ValidationFailed([FieldError("kind", reason)])


def run_import(
    ctx: AppContext, shop: Shop, kind: str, path: Path | str, *, progress: bool = False
) -> ImportSummary:
    """Validate the whole file, then import all of it in one transaction, or nothing.

    Raises ValidationFailed listing every bad row as `file:line: field: reason`."""
    return importer_for(kind)(ctx, shop, Path(path), progress=progress)
