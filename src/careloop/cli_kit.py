"""The kit every capability's commands are built from: the context, the shop, failing, and
the texts a person reads.

It sits below the capabilities (they import it; it imports none of them), so a command
module never reaches up into the `careloop` root command for a private helper. Importing it
costs nothing: the application context is built only when a command runs, and the message
catalogue (Babel) is loaded on the first text asked for.

Texts: `_("cli.shop.created", slug=...)` is the catalogue's text (locale/*.po, keys under
"cli.") in this run's language (careloop.core.cli_language: --lang, else the shop's staff
language, else CARELOOP_CLI_LOCALE, else Vietnamese); numbers, money, percentages and dates
go through the staff UI's Babel formats (`num`, `money`, `pct`, `day`). Machine output
(--json, CSV, ids, codes, keys) is never translated.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from careloop.core.cli_language import cli_locale
from careloop.core.console import make_console

if TYPE_CHECKING:
    from careloop.context import AppContext
    from careloop.core.errors import FieldError
    from careloop.imports.summary import ImportSummary
    from careloop.shops.models import Shop

console = make_console(stderr=True)


def _(key: str, /, **params: object) -> str:
    """The text of catalogue key `key` in this run's language, with `params` filled in."""
    from careloop.core.catalogue import t

    text = t(key, cli_locale())
    return text.format(**params) if params else text


def label(prefix: str, code: str | None, sep: str = ".") -> str:
    """A stored code ("pending_customer") as its catalogue label (`<prefix>.<code>`) in
    Vietnamese; English keeps the code, as scripts and the API read it."""
    if not code or cli_locale() != "vi":
        return code or ""
    from careloop.core.catalogue import has_message, t

    key = f"{prefix}{sep}{code}"
    return t(key, "vi") if has_message(key, "vi") else code


def lang() -> str:
    """This run's language, "vi" or "en"."""
    return cli_locale()


def num(value: int | float | None, digits: int = 0) -> str:
    """12345 as '12.345' (vi) or '12,345' (en)."""
    from careloop.web.ui.format import format_number

    return format_number(value, cli_locale(), digits)


def money(minor: int | None, currency: str) -> str:
    """Minor units as '1.250.000 ₫' (vi) or '₫1,250,000' (en)."""
    from careloop.web.ui.format import format_money_local

    return format_money_local(minor, currency, cli_locale())


def pct(fraction: float | None, digits: int = 1) -> str:
    """0.692 as '69,2%' (vi) or '69.2%' (en)."""
    from careloop.web.ui.format import format_percent

    return format_percent(fraction, cli_locale(), digits)


def day(value: date | datetime | None, tz: str | None = None) -> str:
    """A date as the reader writes it: '07/12/2026' (vi), 'Dec 7, 2026' (en)."""
    from careloop.web.ui.format import format_date

    return format_date(value, cli_locale(), tz)


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
    """Print `error: message` ("lỗi: …") on stderr; raise what this returns to exit with `code`."""
    console.print(f"[red]{_('cli.error')}[/red] {message}", highlight=False)
    return typer.Exit(code)


def cli_error_text(exc: BaseException) -> str:
    """`exc` as a person reads it on the terminal, in this run's language: a NotFound
    (core/error_text.py), a ValidationFailed with each field and reason worded as the import
    page words them; any other error as raised."""
    from careloop.core.error_text import cli_error_text as worded
    from careloop.core.errors import ValidationFailed

    if isinstance(exc, ValidationFailed) and lang() == "vi":
        lines = [problem_text(error) for error in exc.errors[:50]]
        if len(exc.errors) > 50:
            lines.append(_("cli.problem.more", n=num(len(exc.errors) - 50)))
        return "\n".join([_("cli.problem.invalid", n=num(len(exc.errors))), *lines])
    return worded(exc)


def load_shop(ctx: AppContext, slug: str) -> Shop:
    """The shop called `slug`, or exit with an error that says how to create it."""
    from careloop.core.cli_language import use_shop_locale
    from careloop.core.errors import CareloopError
    from careloop.shops.service import get_shop

    with ctx.sessions() as session:
        try:
            shop = get_shop(session, slug)
        except CareloopError as exc:
            raise fail(_("cli.shop.missing", error=cli_error_text(exc), slug=slug)) from None
    use_shop_locale(shop.locale)
    return shop


def run_csv_import(
    kind: str, slug: str, file: Path, skip_bad_rows: bool = False, bad_rows_out: Path | None = None
) -> None:
    """Import `file` as `kind`: all or nothing, or (--skip-bad-rows) the good rows only."""
    from careloop.core.errors import ValidationFailed
    from careloop.imports import run_import

    ctx = app_context()
    the_shop = load_shop(ctx, slug)
    if not file.exists():
        raise fail(_("cli.file.missing", file=file))
    if bad_rows_out is not None and not skip_bad_rows:
        raise fail(_("cli.import.bad_out_needs_skip"))
    if skip_bad_rows:
        _import_good_rows(ctx, the_shop, kind, file, bad_rows_out)
        return
    try:
        summary = run_import(ctx, the_shop, kind, file, progress=True)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(problem_text(error), file=sys.stderr)
        raise fail(_("cli.import.nothing_imported", n=num(len(exc.errors)), file=file)) from None
    print(import_summary_text(summary))


def problem_text(error: FieldError) -> str:
    """A problem of an import or a form, naming its file, line and field, in this run's
    language (in English, exactly as raised: scripts and logs read that)."""
    if lang() != "vi":
        return str(error)
    from careloop.imports.reasons import reason_in

    reason = reason_in(error.reason, "vi")
    if error.line is None:
        return _("cli.problem.field", field=error.field, reason=reason)
    if error.source is None:
        return _("cli.problem.line", line=error.line, field=error.field, reason=reason)
    return _(
        "cli.problem.file_line",
        file=error.source,
        line=error.line,
        field=error.field,
        reason=reason,
    )


def import_summary_text(summary: ImportSummary) -> str:
    """What an import did, in one line; in English exactly the summary's own wording."""
    if lang() != "vi":
        return str(summary)
    parts = [
        _(
            "cli.import.summary",
            n=num(summary.rows),
            kind=_(f"cli.import.kind.{summary.kind}"),
            file=summary.source,
            seconds=num(summary.seconds, 1),
        )
    ]
    counts = {
        "customers": (summary.customers_new, summary.customers_updated),
        "orders": (summary.orders_new, summary.orders_updated),
        "products": (summary.products_new, summary.products_updated),
    }
    shown = {"customers": ("customers",), "orders": ("customers", "orders")}
    for what in shown.get(summary.kind, ("products",) if summary.kind == "products" else ()):
        new, updated = counts[what]
        parts.append(_(f"cli.import.counts.{what}", new=num(new), updated=num(updated)))
    if summary.kind == "orders":
        parts.append(_("cli.import.lines", n=num(summary.lines)))
    return "; ".join(parts)


def _import_good_rows(
    ctx: AppContext, the_shop: Shop, kind: str, file: Path, bad_rows_out: Path | None
) -> None:
    from careloop.core.errors import ValidationFailed
    from careloop.imports.bad_rows import import_skipping_bad_rows

    try:
        result = import_skipping_bad_rows(ctx, the_shop, kind, file, progress=True)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(problem_text(error), file=sys.stderr)
        raise fail(_("cli.import.nothing_imported", n=num(len(exc.errors)), file=file)) from None
    print(import_summary_text(result.summary))
    if result.bad:
        for line in sorted(result.bad):
            for problem in result.bad[line][1]:
                reason = problem.reason
                if lang() == "vi":
                    from careloop.imports.reasons import reason_in

                    reason = reason_in(reason, "vi")
                print(
                    _(
                        "cli.import.skipped",
                        file=file,
                        line=line,
                        field=problem.field,
                        reason=reason,
                    ),
                    file=sys.stderr,
                )
        if bad_rows_out is not None:
            bad_rows_out.write_text(result.bad_rows_csv(), encoding="utf-8-sig")
            print(_("cli.import.bad_written", n=num(len(result.bad)), file=bad_rows_out))
        else:
            print(_("cli.import.bad_skipped", n=num(len(result.bad))))
