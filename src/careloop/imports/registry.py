"""Which importer handles which kind of file. Capabilities add theirs with
`register_importer`; a kind owned by a capability that is not installed yet gets a clear
"not supported yet" instead of a traceback."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Final, Protocol

from careloop.context import AppContext
from careloop.core.errors import FieldError, ValidationFailed
from careloop.imports.summary import ImportSummary
from careloop.shops.models import Shop


class Importer(Protocol):
    def __call__(
        self, ctx: AppContext, shop: Shop, path: Path, *, progress: bool
    ) -> ImportSummary: ...


_IMPORTERS: dict[str, Importer] = {}
# Kinds whose importer lives in another capability: importing the module registers it.
PROVIDERS: Final = {
    "community": "careloop.community.imports",
    "responses": "careloop.feedback.imports",
    "reviews": "careloop.feedback.imports",
}


def register_importer(kind: str, importer: Importer) -> None:
    _IMPORTERS[kind] = importer


def known_kinds() -> list[str]:
    return sorted(set(_IMPORTERS) | set(PROVIDERS))


def importer_for(kind: str) -> Importer:
    if kind not in _IMPORTERS and kind in PROVIDERS:
        module = PROVIDERS[kind]
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module.startswith(exc.name):
                raise
    importer = _IMPORTERS.get(kind)
    if importer is not None:
        return importer
    if kind in PROVIDERS:
        reason = f"importing {kind} is not supported yet in this version of Careloop"
    else:
        reason = f"unknown kind {kind!r} (one of {', '.join(known_kinds())})"
    raise ValidationFailed([FieldError("kind", reason)])


def run_import(
    ctx: AppContext, shop: Shop, kind: str, path: Path | str, *, progress: bool = False
) -> ImportSummary:
    """Validate the whole file, then import all of it in one transaction, or nothing.

    Raises ValidationFailed listing every bad row as `file:line: field: reason`."""
    return importer_for(kind)(ctx, shop, Path(path), progress=progress)
