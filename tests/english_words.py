"""English words in a text a Vietnamese reader sees, for the language checks of the CLI.

The same common-English word list as the page-language test (tests/web/test_page_language.py,
tests/fixtures/english/common_words.txt) and the same word shape: a run of 3+ Latin letters
not glued to a code (`order.delivered`, `cross_sell`, `an@x.vn`, `/docs`), so ids, event
types, paths and e-mail addresses are not words. That test reads HTML; this one reads plain
terminal text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

WORDS = frozenset(
    (Path(__file__).resolve().parent / "fixtures" / "english" / "common_words.txt")
    .read_text(encoding="utf-8")
    .split()
)
_WORD = re.compile(r"(?<![\w@./:#-])[A-Za-z]{3,}(?![\w@./:-])")


def english_words(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The common English words in `text` (lower case, sorted), except `allowed`."""
    allow = {word.lower() for word in allowed}
    found = {word.lower() for word in _WORD.findall(text)}
    return sorted(w for w in found if w in WORDS and w not in allow)
