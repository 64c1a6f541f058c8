"""Git merge driver for the gettext catalogue: two branches that each add texts merge cleanly.

The catalogue is keyed by message id, so a merge is a union of entries: an entry one side
changed and the other did not takes the change; an entry both sides changed differently keeps
ours and the driver exits 1 (a real conflict to look at). Enable it once per clone:

    git config merge.catalogue.driver ".venv/bin/python scripts/po_merge.py %O %A %B"

(`.gitattributes` routes `*.po` and `*.pot` to it; without the config git merges them as text.)
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages import pofile
from babel.messages.catalog import Catalog


def _read(path: str) -> Catalog:
    with Path(path).open("rb") as fp:
        return pofile.read_po(fp)


def merge(base: Catalog, ours: Catalog, theirs: Catalog) -> tuple[Catalog, list[str]]:
    """The union of both sides' entries; conflicting ids are kept as ours and named."""
    conflicts: list[str] = []
    merged = ours
    for message in theirs:
        if not message.id:
            continue
        mine = ours.get(message.id)
        before = base.get(message.id)
        if mine is None:
            if before is None or before.string != message.string:
                merged[message.id] = message  # theirs added it (or changed one ours removed)
            continue
        if mine.string == message.string:
            continue
        if before is not None and mine.string == before.string:
            mine.string = message.string  # only theirs changed it
        elif before is None or message.string != before.string:
            conflicts.append(str(message.id))
    for message in list(ours):
        if not message.id or theirs.get(message.id) is not None:
            continue
        before = base.get(message.id)
        if before is not None and before.string == message.string:
            del merged[message.id]  # theirs removed it, ours left it alone
    return merged, conflicts


def main(base_path: str, ours_path: str, theirs_path: str) -> int:
    merged, conflicts = merge(_read(base_path), _read(ours_path), _read(theirs_path))
    with Path(ours_path).open("wb") as fp:
        pofile.write_po(fp, merged, width=100, sort_output=True, ignore_obsolete=True)
    for key in conflicts:
        print(f"catalogue conflict (kept ours): {key}", file=sys.stderr)
    return 1 if conflicts else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
