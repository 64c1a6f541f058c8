"""CLI output meant for scripts and tests never depends on the terminal width.

Rich sizes a console from COLUMNS, else the terminal, else 80 columns, and folds or cuts a
table to fit (Rich docs, "Console API" → "Terminal detection" and "Tables" → "Column
options"). careloop.core.console gives output that is not a terminal a fixed width, so a
table reads the same with COLUMNS unset (CI), set narrow (a small terminal that started
the run), or set wide."""

from __future__ import annotations

import io
import sys

import pytest
from rich.table import Table

from careloop.core.console import PIPE_WIDTH, make_console

LONG = "golden_hours_day_0_thank_you_and_care_guide_for_the_customers_first_order_" * 2


def printed_table(monkeypatch: pytest.MonkeyPatch) -> str:
    out = io.StringIO()  # not a terminal, as under CI or a pipe
    monkeypatch.setattr(sys, "stdout", out)
    table = Table("key", "name", "status")
    table.add_row("golden_hours", LONG, "active")
    make_console().print(table)
    return out.getvalue()


@pytest.mark.parametrize("columns", [None, "40", "300"])
def test_a_piped_table_is_printed_whole_whatever_columns_says(
    monkeypatch: pytest.MonkeyPatch, columns: str | None
) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    text = printed_table(monkeypatch)
    assert LONG[: PIPE_WIDTH // 2] in text
    assert "active" in text


def test_the_test_run_itself_has_no_columns_from_the_terminal_that_started_it() -> None:
    """tests/conftest.py drops COLUMNS and LINES, so a developer's terminal runs what CI runs."""
    import os

    assert "COLUMNS" not in os.environ and "LINES" not in os.environ
