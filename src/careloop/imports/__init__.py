"""CSV imports: `careloop import customers|orders|products FILE` (and kinds other capabilities add).

Every import reports each bad row as `file:line: field: reason` and writes all of the file
in one transaction or nothing: customers are validated whole before the writing; orders are
checked while they are written, and the first problem stops the writing and rolls it back.
See docs/decisions/0003-csv-import.md.

The importers themselves are named in the capabilities' manifests (careloop.bootstrap) and
registered when first asked for; this package's face is loaded lazily, so that reading the
manifests (what `careloop --help` does) imports no importer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from careloop.imports.registry import register_importer, run_import
    from careloop.imports.summary import ImportSummary

__all__ = ["ImportSummary", "register_importer", "run_import"]

_FACE = {
    "ImportSummary": "careloop.imports.summary",
    "register_importer": "careloop.imports.registry",
    "run_import": "careloop.imports.registry",
}


def __getattr__(name: str) -> Any:
    if name in _FACE:
        from careloop import bootstrap

        return getattr(bootstrap.resolve(_FACE[name]), name)
    raise AttributeError(f"module 'careloop.imports' has no attribute {name!r}")
