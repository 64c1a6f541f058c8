"""Feedback themes: the recurring complaints and praises in comments, tickets and reviews,
found by keywords and phrases in Vietnamese and English. No external AI: every theme lists
the texts that matched and the phrase that matched them, so an owner can check it."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True)
class ThemeRule:
    key: str
    label_en: str
    label_vi: str
    polarity: str  # complaint | praise
    phrases: tuple[str, ...]  # matched without diacritics, on word boundaries


RULES: Final[tuple[ThemeRule, ...]] = (
    ThemeRule(
        "late_delivery",
        "Late or missing delivery",
        "Giao hàng chậm / không nhận được",
        "complaint",
        (
            "giao cham",
            "giao hang cham",
            "chua nhan duoc",
            "chua nhan",
            "khong nhan duoc",
            "cho lau",
            "late",
            "delayed",
            "never arrived",
            "not arrived",
            "hasn't arrived",
            "still waiting",
            "slow delivery",
        ),
    ),
    ThemeRule(
        "damaged",
        "Damaged or defective product",
        "Hàng lỗi / hư hỏng",
        "complaint",
        (
            "bi vo",
            "bi hong",
            "hang loi",
            "bi loi",
            "mop",
            "rach",
            "khong hoat dong",
            "damaged",
            "broken",
            "defective",
            "doesn't work",
            "does not work",
            "stopped working",
            "cracked",
        ),
    ),
    ThemeRule(
        "wrong_item",
        "Wrong or missing item",
        "Giao sai / thiếu hàng",
        "complaint",
        (
            "giao sai",
            "sai hang",
            "thieu hang",
            "thieu",
            "nham",
            "wrong item",
            "wrong size",
            "missing item",
            "wrong colour",
            "wrong color",
        ),
    ),
    ThemeRule(
        "how_to_use",
        "Does not know how to use it",
        "Không biết cách dùng",
        "complaint",
        (
            "khong biet dung",
            "khong biet cach",
            "huong dan",
            "kho dung",
            "how to use",
            "instructions",
            "confusing",
            "hard to use",
            "manual",
        ),
    ),
    ThemeRule(
        "quality",
        "Quality below expectations",
        "Chất lượng chưa tốt",
        "complaint",
        (
            "chat luong kem",
            "khong giong hinh",
            "khong nhu quang cao",
            "poor quality",
            "not as described",
            "cheap",
            "disappointed",
            "thất vọng",
            "that vong",
            "bland",
            "weak",
        ),
    ),
    ThemeRule(
        "service",
        "Slow or rude service",
        "Phục vụ chậm / thái độ",
        "complaint",
        (
            "thai do",
            "khong tra loi",
            "tra loi cham",
            "bat lich su",
            "rude",
            "no reply",
            "no response",
            "ignored",
            "unhelpful",
            "slow response",
        ),
    ),
    ThemeRule(
        "price",
        "Price too high",
        "Giá cao",
        "complaint",
        ("dat qua", "gia cao", "hoi dat", "too expensive", "overpriced", "pricey"),
    ),
    ThemeRule(
        "packaging",
        "Packaging",
        "Đóng gói",
        "complaint",
        ("dong goi so sai", "dong goi kem", "mop hop", "poor packaging", "badly packed"),
    ),
    ThemeRule(
        "great_quality",
        "Great quality",
        "Chất lượng tốt",
        "praise",
        (
            "chat luong tot",
            "rat ngon",
            "ngon",
            "thom",
            "tuyet voi",
            "xuat sac",
            "dung tot",
            "great quality",
            "excellent",
            "delicious",
            "amazing",
            "love it",
            "works great",
            "high quality",
        ),
    ),
    ThemeRule(
        "fast_delivery",
        "Fast delivery",
        "Giao hàng nhanh",
        "praise",
        (
            "giao nhanh",
            "giao hang nhanh",
            "nhan hang nhanh",
            "fast delivery",
            "arrived quickly",
            "quick delivery",
            "fast shipping",
        ),
    ),
    ThemeRule(
        "friendly_service",
        "Friendly, helpful service",
        "Phục vụ tận tình",
        "praise",
        (
            "nhiet tinh",
            "tan tinh",
            "than thien",
            "chu dao",
            "de thuong",
            "friendly",
            "helpful",
            "great service",
            "attentive",
        ),
    ),
    ThemeRule(
        "nice_packaging",
        "Beautiful packaging",
        "Đóng gói đẹp",
        "praise",
        (
            "dong goi dep",
            "dong goi can than",
            "hop dep",
            "beautiful packaging",
            "well packed",
            "nicely packed",
            "lovely box",
        ),
    ),
)


@dataclass(frozen=True)
class Feedback:
    """One text to look at: a survey comment, a ticket, a review."""

    source: str  # comment | ticket | review
    ref: str  # its id, for the owner to open
    text: str
    month: str = ""  # YYYY-MM, for the trend


@dataclass
class Theme:
    rule: ThemeRule
    matches: list[tuple[Feedback, str]] = field(default_factory=list)  # (text, phrase)

    @property
    def count(self) -> int:
        return len(self.matches)

    def by_month(self) -> dict[str, int]:
        trend: dict[str, int] = {}
        for item, _ in self.matches:
            trend[item.month] = trend.get(item.month, 0) + 1
        return dict(sorted(trend.items()))


def fold(text: str) -> str:
    """Lower case without diacritics ("Giao chậm" -> "giao cham"; đ -> d)."""
    text = text.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


_PATTERNS: Final = {
    rule.key: [(p, re.compile(rf"(?<!\w){re.escape(fold(p))}(?!\w)")) for p in rule.phrases]
    for rule in RULES
}


def themes_of(text: str) -> list[tuple[ThemeRule, str]]:
    """Every theme `text` touches, with the first phrase that matched it."""
    return list(_themes_of(text))


# Folding and ~100 patterns per text is most of the themes page's time; the same texts come
# back on every view (a year of feedback), so remember the answers for the recent ones.
@functools.lru_cache(maxsize=20_000)
def _themes_of(text: str) -> tuple[tuple[ThemeRule, str], ...]:
    folded = fold(text)
    found = []
    for rule in RULES:
        for phrase, pattern in _PATTERNS[rule.key]:
            if pattern.search(folded):
                found.append((rule, phrase))
                break
    return tuple(found)


def group(items: Iterable[Feedback]) -> list[Theme]:
    """Themes with their matching texts, most frequent first (ties by key, deterministic)."""
    themes: dict[str, Theme] = {}
    for item in items:
        for rule, phrase in themes_of(item.text):
            themes.setdefault(rule.key, Theme(rule)).matches.append((item, phrase))
    return sorted(themes.values(), key=lambda t: (-t.count, t.rule.key))


def top_complaints(items: Iterable[Feedback], n: int = 3) -> list[Theme]:
    return [t for t in group(items) if t.rule.polarity == "complaint"][:n]
