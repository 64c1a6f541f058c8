"""Move every per-module text dictionary into the gettext catalogue, then out of the source.

Modules written before the catalogue add their strings at import time with
`register_messages({key: {"en": ..., "vi": ...}})` or `EVENT_LABELS_VI.update({...})`
(careloop.web.i18n keeps both as a bridge). This script imports every careloop module, takes
what they registered, writes it into `src/careloop/locale/{en,vi}/LC_MESSAGES/careloop.po`
(and the .pot), then deletes those calls (and a module-level dict used only by them) from the
source. Module-level text tables written as literals, either locale first
(`TEXTS = {"en": {name: text}, "vi": {...}}`) or name first (`LABELS = {name: {"en": ..,
"vi": ..}}`), become catalogue keys `<module>.<table>.<name>` and the literal becomes
`catalogue_texts(...)` / `catalogue_pairs(...)`, which read the same shape back.

It is re-runnable: run it again after merging branches that added new dicts; texts
already in the .po files are updated, other entries are kept.

    .venv/bin/python scripts/i18n_dicts_to_po.py [--no-strip]
"""

from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

from babel.messages import pofile
from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE_DIR = SRC / "careloop"
SKIP_MODULES = ("careloop.db.migrations",)
BRIDGE_CALLS = {"register_messages"}
BRIDGE_UPDATES = {"EVENT_LABELS_VI"}


def import_everything() -> None:
    """Import every careloop module so each one's registrations run."""
    import careloop
    import careloop.web.app  # the app first: it imports the pages in an order without cycles

    for info in pkgutil.walk_packages(careloop.__path__, "careloop."):
        if info.name.startswith(SKIP_MODULES):
            continue
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # a module that cannot import registers nothing: say so
            print(f"warning: could not import {info.name}: {exc}", file=sys.stderr)


def collect() -> dict[str, dict[str, str]]:
    """Every registered message, keyed by msgid, with its text per locale."""
    from careloop.core import catalogue as i18n
    from careloop.core import events

    messages = {key: dict(texts) for key, texts in i18n.MESSAGES.items()}
    for event_type, vi in i18n.EVENT_LABELS_VI.items():
        messages[f"event.{event_type}"] = {"en": events.label(event_type), "vi": vi}
    return messages


def read_catalog(path: Path, locale: str | None) -> Catalog:
    if path.exists():
        with path.open("rb") as fp:
            return pofile.read_po(fp, locale=locale, domain="careloop")
    return Catalog(locale=locale, domain="careloop", project="Careloop", fuzzy=False)


def write_catalog(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.fuzzy = False
    with path.open("wb") as fp:
        pofile.write_po(fp, catalog, width=100, sort_output=True, ignore_obsolete=True)


def merge_into_po(messages: dict[str, dict[str, str]], *, add_only: bool = False) -> None:
    """Add or update every message in the en and vi catalogues and the template; with
    `add_only`, texts already in the catalogue win (a merge keeps the catalogue's fixes)."""
    from careloop.core.catalogue import LOCALE_DIR, LOCALES

    for locale in LOCALES:
        path = LOCALE_DIR / locale / "LC_MESSAGES" / "careloop.po"
        catalog = read_catalog(path, locale)
        for key, texts in messages.items():
            text = texts.get(locale, "")
            existing = catalog.get(key)
            if add_only and existing is not None and existing.string:
                continue
            if text or key not in catalog:
                catalog.add(key, string=text)
        write_catalog(path, catalog)
    template = read_catalog(LOCALE_DIR / "careloop.pot", None)
    english = read_catalog(LOCALE_DIR / "en" / "LC_MESSAGES" / "careloop.po", "en")
    for message in english:
        if message.id and message.id not in template:
            template.add(message.id, string="")
    write_catalog(LOCALE_DIR / "careloop.pot", template)


def _is_bridge_call(node: ast.stmt) -> ast.Call | None:
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return None
    func = node.value.func
    if isinstance(func, ast.Name) and func.id in BRIDGE_CALLS:
        return node.value
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "update"
        and isinstance(func.value, ast.Name)
        and func.value.id in BRIDGE_UPDATES
    ):
        return node.value
    return None


def _name_used_elsewhere(name: str, module_file: Path, tree: ast.Module, call: ast.Call) -> bool:
    uses = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
    ]
    if len(uses) > 1 or any(n is not call.args[0] for n in uses):
        return True
    module = ".".join(module_file.relative_to(SRC).with_suffix("").parts)
    pattern = re.compile(
        rf"from {re.escape(module)} import[^\n]*\b{name}\b|{re.escape(module)}\.{name}\b"
    )
    return any(
        pattern.search(other.read_text(encoding="utf-8"))
        for other in list(SRC.rglob("*.py")) + list((ROOT / "tests").rglob("*.py"))
        if other != module_file
    )


def strip_file(path: Path) -> bool:
    """Delete the bridge calls (and dicts only they used) from one module; True if changed."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    doomed: set[int] = set()
    for node in tree.body:
        call = _is_bridge_call(node)
        if call is None:
            continue
        start = node.lineno - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        doomed.update(range(start, node.end_lineno or node.lineno))
        if len(call.args) == 1 and isinstance(call.args[0], ast.Name):
            name = call.args[0].id
            for other in tree.body:
                targets = (
                    [other.target]
                    if isinstance(other, ast.AnnAssign)
                    else other.targets
                    if isinstance(other, ast.Assign)
                    else []
                )
                named = any(isinstance(t, ast.Name) and t.id == name for t in targets)
                if named and not _name_used_elsewhere(name, path, tree, call):
                    doomed.update(range(other.lineno - 1, other.end_lineno or other.lineno))
    if not doomed:
        return False
    kept = [line for i, line in enumerate(lines) if i not in doomed]
    path.write_text("".join(kept), encoding="utf-8")
    return True


LOCALE_KEYS = {"en", "vi"}
IMPORT_LINE = "from careloop.core.catalogue import catalogue_pairs, catalogue_texts\n"


def _is_text_map(value: object) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    )


def table_shape(value: object) -> str | None:
    """'texts' for {locale: {name: text}}, 'pairs' for {name: {locale: text}}, else None."""
    if not isinstance(value, dict) or not value:
        return None
    if set(value) <= LOCALE_KEYS and "en" in value and all(map(_is_text_map, value.values())):
        return "texts"
    if all(
        isinstance(k, str) and _is_text_map(v) and set(v) <= LOCALE_KEYS and "en" in v
        for k, v in value.items()
    ):
        return "pairs"
    return None


def table_prefix(path: Path, name: str) -> str:
    module = ".".join(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
    return f"{module}.{name.lower().strip('_')}"


def convert_tables(path: Path, messages: dict[str, dict[str, str]]) -> bool:
    """Move the module's literal text tables into `messages`; rewrite them as catalogue reads."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[ast.expr, str]] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Dict):
            continue
        try:
            literal = ast.literal_eval(value)
        except ValueError:
            continue
        shape = table_shape(literal)
        if shape is None:
            continue
        prefix = table_prefix(path, target.id)
        if shape == "texts":
            for locale, texts in literal.items():
                for name, text in texts.items():
                    messages.setdefault(f"{prefix}.{name}", {})[locale] = text
        else:
            for name, texts in literal.items():
                messages.setdefault(f"{prefix}.{name}", {}).update(texts)
        edits.append((value, f'catalogue_{shape}("{prefix}")'))
    if not edits:
        return False
    for value, replacement in sorted(edits, key=lambda e: -e[0].lineno):
        first, last = value.lineno - 1, (value.end_lineno or value.lineno) - 1
        head = lines[first][: value.col_offset]
        tail = lines[last][value.end_col_offset or 0 :]
        lines[first : last + 1] = [head + replacement + tail]
    text = "".join(lines)
    if IMPORT_LINE not in text:
        anchor = "from __future__ import annotations\n"
        text = (
            text.replace(anchor, anchor + "\n" + IMPORT_LINE, 1)
            if anchor in text
            else IMPORT_LINE + text
        )
    path.write_text(text, encoding="utf-8")
    return True


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if path.name not in ("i18n.py", "catalogue.py") and "migrations" not in path.parts
    ]


def convert_all_tables(messages: dict[str, dict[str, str]]) -> list[Path]:
    return [path for path in _modules() if convert_tables(path, messages)]


def tidy(changed: list[Path]) -> None:
    ruff = ROOT / ".venv" / "bin" / "ruff"
    if changed and ruff.exists():
        files = [str(p) for p in changed]
        subprocess.run([str(ruff), "check", "--fix", "--select", "F401,I001", *files], check=False)
        subprocess.run([str(ruff), "format", *files], check=False)


def strip_sources() -> list[Path]:
    changed = [path for path in _modules() if strip_file(path)]
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-strip", action="store_true", help="only write the .po files")
    parser.add_argument(
        "--add-only",
        action="store_true",
        help="keep texts already in the catalogue; only add new keys (after a merge)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(SRC))
    import_everything()
    messages = collect()
    converted = [] if args.no_strip else convert_all_tables(messages)
    merge_into_po(messages, add_only=args.add_only)
    print(f"{len(messages)} messages written to the catalogue")
    if not args.no_strip:
        stripped = strip_sources()
        tidy(sorted(set(converted) | set(stripped)))
        for path in sorted(set(converted) | set(stripped)):
            print(f"moved text tables of {path.relative_to(ROOT)} into the catalogue")


if __name__ == "__main__":
    main()
