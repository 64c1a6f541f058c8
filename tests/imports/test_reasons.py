"""Every reason the import's own parsers write has its Vietnamese; English stays as written."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from careloop.imports import fields
from careloop.imports.reasons import reason_in

BAD_CELLS: list[tuple[Callable[[str], object], str]] = [
    (fields.day, "31/02/2026"),
    (fields.day, "hôm qua"),
    (fields.moment, "yesterday"),
    (lambda raw: fields.money(raw, "VND"), "một triệu"),
    (lambda raw: fields.money(raw, "VND"), "-5"),
    (lambda raw: fields.money(raw, "VND"), "1.25"),
    (fields.quantity, "hai"),
    (fields.quantity, "0"),
    (fields.email, "lan@"),
    (fields.phone, "12"),
    (fields.boolean, "Có lẽ"),
    (fields.currency, "dong"),
]


@pytest.mark.parametrize(("parse", "raw"), BAD_CELLS)
def test_each_parser_reason_reads_in_vietnamese(parse: Callable[[str], object], raw: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse(raw)
    english = str(caught.value)
    vietnamese = reason_in(english, "vi")
    assert vietnamese != english
    assert raw in vietnamese or raw.upper() in vietnamese or "âm" in vietnamese
    assert reason_in(english, "en") == english


def test_row_checks_read_in_vietnamese() -> None:
    assert reason_in("'C-1' is already on line 2", "vi") == "'C-1' đã có ở dòng 2"
    assert reason_in("required", "vi") == "bắt buộc"
    assert reason_in("a rule from elsewhere", "vi") == "a rule from elsewhere"
