"""The kit every capability's commands are built from: the context, the shop, failing.

It sits below the capabilities (they import it; it imports none of them), so a command
module never reaches up into the `careloop` root command for a private helper. Importing it
costs nothing: the application context is built only when a command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from careloop.core.console import make_console

if TYPE_CHECKING:
    from careloop.context import AppContext
    from careloop.shops.models import Shop

console = make_console(stderr=True)

ShopOpt = Annotated[str, typer.Option("--shop", help="Shop slug.")]
SkipBadOpt = Annotated[
    bool,
    typer.Option(
        "--skip-bad-rows",
        help="Import the good rows and set the bad ones aside (else nothing is imported).",
    ),
]
BadOutOpt = Annotated[
    Path | None,
    typer.Option(
        "--bad-rows-out",
        help="With --skip-bad-rows: write the bad rows here as CSV, with an 'error' column.",
    ),
]


def app_context() -> AppContext:
    """The application context (settings, database, clock) for one command run."""
    from careloop import bootstrap
    from careloop.context import build_context

    bootstrap.assemble()  # the schema checked, the ports bound, the send gates loaded
    return build_context()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `error: message` on stderr; raise what this returns to exit with `code`."""
    console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def cli_error_text(exc: BaseException) -> str:
    """`exc` as a person reads it on the terminal: a NotFound in the CLI's language
    (CARELOOP_CLI_LOCALE, core/error_text.py), any other error as raised."""
    from careloop.core.error_text import cli_error_text as worded

    return worded(exc)


def load_shop(ctx: AppContext, slug: str) -> Shop:
    """The shop called `slug`, or exit with an error that says how to create it."""
    from careloop.core.errors import CareloopError
    from careloop.shops.service import get_shop

    with ctx.sessions() as session:
        try:
            return get_shop(session, slug)
        except CareloopError as exc:
            raise fail(
                f"{cli_error_text(exc)} (create it with `careloop shop create {slug}`)"
            ) from None


def run_csv_import(
    kind: str, slug: str, file: Path, skip_bad_rows: bool = False, bad_rows_out: Path | None = None
) -> None:
    """Import `file` as `kind`: all or nothing, or (--skip-bad-rows) the good rows only."""
    from careloop.core.errors import ValidationFailed
    from careloop.imports import run_import

    ctx = app_context()
    the_shop = load_shop(ctx, slug)
    if not file.exists():
        raise fail(f"{file}: no such file")
    if bad_rows_out is not None and not skip_bad_rows:
        raise fail("--bad-rows-out needs --skip-bad-rows")
    if skip_bad_rows:
        _import_good_rows(ctx, the_shop, kind, file, bad_rows_out)
        return
    try:
        summary = run_import(ctx, the_shop, kind, file, progress=True)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(str(error), file=sys.stderr)
        raise fail(f"{len(exc.errors)} problem(s) in {file}; nothing was imported") from None
    print(summary)


def _import_good_rows(
    ctx: AppContext, the_shop: Shop, kind: str, file: Path, bad_rows_out: Path | None
) -> None:
    from careloop.core.errors import ValidationFailed
    from careloop.imports.bad_rows import import_skipping_bad_rows

    try:
        result = import_skipping_bad_rows(ctx, the_shop, kind, file, progress=True)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(str(error), file=sys.stderr)
        raise fail(f"{len(exc.errors)} problem(s) in {file}; nothing was imported") from None
    print(result.summary)
    if result.bad:
        for line in sorted(result.bad):
            for problem in result.bad[line][1]:
                print(f"{file}:{line}: skipped: {problem.field}: {problem.reason}", file=sys.stderr)
        if bad_rows_out is not None:
            bad_rows_out.write_text(result.bad_rows_csv(), encoding="utf-8-sig")
            print(f"{len(result.bad)} bad row(s) written to {bad_rows_out}")
        else:
            print(f"{len(result.bad)} bad row(s) skipped")
