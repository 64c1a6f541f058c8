"""The one message catalogue (gettext .po files, Babel): every message id the code and the
templates use has a Vietnamese and an English text, and the catalogue works without a build.

Extraction is Babel's own (`babel.messages.extract.extract_from_dir` with the method map of
`babel.cfg`, Babel docs "Messages Extraction"), the same as `pybabel extract -F babel.cfg`;
Jinja2 templates go through Jinja2's `babel_extract` (Jinja2 docs, "i18n Extension" →
"Babel"). A .po without a compiled .mo is read with `babel.messages.pofile.read_po`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from careloop.core import catalogue
from careloop.web.i18n import LOCALES, catalogue_messages, t

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "careloop"
KEYWORDS = {"t": None, "_": None, "gettext": None, "ngettext": (1, 2)}
# A message id is a dotted key ("nav.home"); other strings passed to `t`/`_` are not ids.
KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def _extracted_ids() -> dict[str, str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid and KEY.match(msgid):
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_message_id_in_code_and_templates_has_vietnamese_and_english_text() -> None:
    used = _extracted_ids()
    assert len(used) > 300  # the extraction really read the code and the templates
    messages = catalogue_messages()
    missing = [
        f"{where}: {msgid} has no {locale} text"
        for msgid, where in sorted(used.items())
        for locale in LOCALES
        if messages.get(msgid, {}).get(locale, msgid) == msgid
    ]
    assert missing == []


def test_every_catalogue_entry_exists_in_both_languages_and_not_only_as_its_key() -> None:
    incomplete = [
        f"{key}: {locale}"
        for key, texts in catalogue_messages().items()
        for locale in LOCALES
        if not texts.get(locale) or texts[locale] == key
    ]
    assert incomplete == []


def test_no_module_keeps_a_text_dictionary_outside_the_catalogue() -> None:
    """`register_messages` is only a bridge for merged branches: run
    scripts/i18n_dicts_to_po.py to move their dictionaries into the .po files."""
    bridge = re.compile(r"^\s*(register_messages\(|EVENT_LABELS_VI\.update\()", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if path.name not in ("catalogue.py", "i18n.py")
        and bridge.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_a_fresh_clone_without_compiled_files_reads_the_po_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "locale"
    shutil.copytree(catalogue.LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(catalogue, "LOCALE_DIR", copy)
    catalogue.translations.cache_clear()
    try:
        assert not list(copy.rglob("*.mo"))
        assert t("nav.customers", "vi") == "Khách hàng"
        assert t("nav.customers", "en") == "Customers"
        assert t("header.signed_in_as", "vi", name="Lan") == "Đăng nhập: Lan"
    finally:
        catalogue.translations.cache_clear()
