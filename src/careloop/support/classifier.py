"""Guessing a ticket's problem type from what the customer wrote, in Vietnamese (with or
without diacritics) and English, so the right recovery playbook opens. Pure; staff can
change the guess.

Keywords are accent-folded ("bị vỡ" and "bi vo" are the same text) and tried type by type,
first match wins. The order says what matters most when a message names several things:
open anger first (it needs the 2-hour promise), then rude staff, a wrong or incomplete
parcel, one that never came, one that came late, damage, quality, how-to questions, and
plain dissatisfaction last.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from careloop.support.sla import ProblemType

KEYWORDS: Final[tuple[tuple[ProblemType, tuple[str, ...]], ...]] = (
    (
        ProblemType.ANGRY,
        (
            "lua dao",
            "qua te",
            "tuc gian",
            "buc minh",
            "boc phot",
            "scam",
            "furious",
            "terrible",
            "disgusting",
            "angry",
            "worst",
            "unacceptable",
        ),
    ),
    (
        ProblemType.RUDE_STAFF,
        (
            "thai do",
            "ton trong",
            "hon lao",
            "khong lich su",
            "cau gat",
            "quat khach",
            "rude",
            "impolite",
            "attitude",
            "disrespectful",
            "unfriendly",
            "unprofessional",
        ),
    ),
    (
        ProblemType.WRONG_ITEM,
        (
            "giao nham",
            "gui nham",
            "nham hang",
            "nham mau",
            "nham size",
            "nham san pham",
            "giao sai",
            "gui sai",
            "sai mau",
            "sai size",
            "sai hang",
            "sai san pham",
            "khong dung hang",
            "khong dung mau",
            "wrong item",
            "wrong product",
            "wrong size",
            "wrong colour",
            "wrong color",
            "wrong order",
            "sent the wrong",
            "not what i ordered",
        ),
    ),
    (
        ProblemType.MISSING_PART,
        (
            "thieu",
            "khong du",
            "missing",
            "incomplete",
            "not included",
            "wasn't included",
            "was not included",
        ),
    ),
    (
        ProblemType.NOT_ARRIVED,
        (
            "chua nhan",
            "chua toi",
            "chua den",
            "khong nhan duoc",
            "chua giao",
            "mat hang",
            "not arrived",
            "didn't arrive",
            "did not arrive",
            "never arrived",
            "not received",
            "where is my order",
            "haven't received",
            "lost package",
            "lost parcel",
        ),
    ),
    (
        ProblemType.LATE_DELIVERY,
        (
            "giao cham",
            "ship cham",
            "van chuyen cham",
            "cham qua",
            "qua cham",
            "cham tre",
            "giao tre",
            "tre hen",
            "giao lau",
            "lau qua",
            "late",
            "delayed",
            "delay",
            "slow delivery",
            "slow shipping",
            "took too long",
            "took forever",
        ),
    ),
    (
        ProblemType.DAMAGED_DEFECTIVE,
        (
            "hong",
            "vo",
            "bi be",
            "be roi",
            "be nat",
            "nut",
            "mop",
            "bi meo",
            "meo mo",
            "moc",
            "rach",
            "bi tray",
            "tray xuoc",
            "xuoc",
            "bi loi",
            "ro ri",
            "khong chay",
            "khong hoat dong",
            "damaged",
            "broken",
            "defective",
            "cracked",
            "dented",
            "crushed",
            "shattered",
            "smashed",
            "scratched",
            "leaking",
            "torn",
            "doesn't work",
            "does not work",
            "stopped working",
            "faulty",
        ),
    ),
    (
        ProblemType.POOR_QUALITY,
        (
            "chat luong kem",
            "chat luong te",
            "chat luong thap",
            "chat luong khong tot",
            "kem chat luong",
            "hang kem",
            "hang gia",
            "hang nhai",
            "hang dom",
            "poor quality",
            "bad quality",
            "low quality",
            "cheaply made",
            "flimsy",
            "counterfeit",
            "fake",
        ),
    ),
    (
        ProblemType.HOW_TO_USE,
        (
            "cach dung",
            "huong dan",
            "su dung the nao",
            "lam sao",
            "how to",
            "how do i",
            "instructions",
            "manual",
            "setup",
            "set up",
        ),
    ),
    (
        ProblemType.NOT_SATISFIED,
        (
            "khong hai long",
            "khong thich",
            "khong nhu",
            "that vong",
            "tra hang",
            "hoan tien",
            "not satisfied",
            "disappointed",
            "refund",
            "return",
            "not as described",
            "don't like",
        ),
    ),
)

_NOT_WORD: Final = re.compile(r"[^\w']+")
# Keywords this long may match inside a longer word ("delay" in "delayed"); shorter ones, such
# as the Vietnamese syllables "vo", "be", "hong", only as whole words.
_WHOLE_WORD_MAX: Final = 4


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics (đ -> d), so "hỏng" matches "hong"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def words_of(text: str) -> str:
    """The folded text as space-separated words with a space at each end."""
    plain = _NOT_WORD.sub(" ", fold(text).replace("\u2019", "'"))  # a typographic apostrophe
    return " " + " ".join(plain.split()) + " "


def matches(keyword: str, words: str) -> bool:
    return f" {keyword} " in words or (len(keyword) > _WHOLE_WORD_MAX and keyword in words)


def classify(text: str) -> ProblemType:
    """The problem type `text` names first (in KEYWORDS order); OTHER when none."""
    words = words_of(text)
    for problem, keywords in KEYWORDS:
        if any(matches(keyword, words) for keyword in keywords):
            return problem
    return ProblemType.OTHER
