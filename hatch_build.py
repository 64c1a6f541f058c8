"""Compile the message catalogue (.po -> .mo) whenever a wheel is built, so an installed
Careloop reads compiled translations; `make install` does the same for the work tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages import mofile, pofile
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogue(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        for po in sorted(Path(self.root, "src/careloop/locale").glob("*/LC_MESSAGES/*.po")):
            locale = po.parent.parent.name
            with po.open("rb") as fp:
                catalog = pofile.read_po(fp, locale=locale, domain=po.stem)
            with po.with_suffix(".mo").open("wb") as fp:
                mofile.write_mo(fp, catalog)
