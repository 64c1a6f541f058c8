"""Runs the real `careloop` CLI in-process against a test database.

The same Typer app a user runs, invoked through Click's test runner instead of a new Python
process (which costs ~2 s of imports per call). Each call reads its settings afresh, as a
new process would, runs on a virtual clock (the tests' START unless given one) instead of
the wall clock, and disposes the database engines it opened so PostgreSQL connections do
not pile up across calls. No COLUMNS is set: the CLI's output must not depend on it.

The CLI speaks Vietnamese unless told otherwise (docs/decisions/0030-cli-language.md): tests
written about its English wording run it with `--lang en` (the default here); a test about
the Vietnamese output passes `lang="vi"`, or `lang=None` to let the shop and the settings
decide, as a user's run does.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from sqlalchemy import Engine
from typer.testing import CliRunner

from careloop import context
from careloop.cli import app
from careloop.core import cli_language
from careloop.core.clock import Clock, VirtualClock
from careloop.core.settings import get_settings
from tests.conftest import START


@contextmanager
def _engines_disposed_after() -> Iterator[None]:
    opened: list[Engine] = []
    make_engine = context.make_engine

    def tracking(url: str, *args: Any, **kwargs: Any) -> Engine:
        engine = make_engine(url, *args, **kwargs)
        opened.append(engine)
        return engine

    with mock.patch.object(context, "make_engine", tracking):
        try:
            yield
        finally:
            for engine in opened:
                engine.dispose()


def careloop(
    db_url: str,
    *args: str,
    input: str | None = None,
    clock: Clock | None = None,
    lang: str | None = "en",
) -> subprocess.CompletedProcess[str]:
    """Run `careloop *args`; "now" is `clock` (default: the tests' START), never the wall clock;
    in `lang` (`careloop --lang LANG ...`; None: no --lang)."""
    env = {"CARELOOP_DATABASE_URL": db_url}
    given = ["--lang", lang] if lang is not None else []
    the_clock = clock or VirtualClock(START)
    get_settings.cache_clear()
    try:
        with (
            _engines_disposed_after(),
            mock.patch.object(context, "SystemClock", lambda: the_clock),
        ):
            result = CliRunner().invoke(
                app, [*given, *args], input=input, env=env, prog_name="careloop"
            )
    finally:
        get_settings.cache_clear()
        cli_language.start(None)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(
        ["careloop", *args], result.exit_code, result.stdout, result.stderr
    )
