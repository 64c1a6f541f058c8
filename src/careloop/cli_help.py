"""`careloop … --help` in the CLI's language (docs/decisions/0030-cli-language.md, "Help").

The help language is chosen before Click parses anything: `--lang` when it is in argv, else
the instance's `CARELOOP_CLI_LOCALE`, else Vietnamese; never the machine's LANG/LC_*
(a shop owner's laptop set to English must not turn the help English, nor a server's `C`).
Command and option help are the catalogue texts `cli.help.<command path>` and
`cli.help.<command path>.<parameter>` (the root's path is `careloop`), read from the compiled
`.mo` with the standard library so `--help` does not load Babel. Typer's own words that go
through `gettext.gettext` ("Options", "Commands", "[default: …]", "[required]", …) are
looked up in the same catalogue under `cli.chrome.*` by a lookup placed in front of the
standard library's `dgettext`, so no environment variable is set or read.
"""

from __future__ import annotations

import gettext
import re
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final

from careloop.core.cli_language import FIRST, SPOKEN

LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
ROOT: Final = "careloop"
_ENGLISH: Final = "_careloop_english_help"

# Typer's words that go through gettext (typer/core.py, typer/rich_utils.py, Typer 0.29),
# exactly as written there, and their catalogue keys.
CHROME: Final[dict[str, str]] = {
    "Arguments": "cli.chrome.arguments",
    "Options": "cli.chrome.options",
    "Commands": "cli.chrome.commands",
    "Error": "cli.chrome.error",
    "[default: {}]": "cli.chrome.default_bracketed",
    "default: {default}": "cli.chrome.default",
    "[required]": "cli.chrome.required_bracketed",
    "required": "cli.chrome.required",
    "[env var: {}]": "cli.chrome.envvar_bracketed",
    "env var: {var}": "cli.chrome.envvar",
    "(deprecated) ": "cli.chrome.deprecated",
    "(dynamic)": "cli.chrome.dynamic",
    "Aborted.": "cli.chrome.aborted_period",
    "Aborted!": "cli.chrome.aborted",
    "Missing command.": "cli.chrome.missing_command",
    "No such command {name!r}.": "cli.chrome.no_such_command",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "cli.chrome.try_help",
}
# typer.rich_utils computes these once, at import: they are recomputed when the language
# changes within one process (tests run many commands in one process).
_RICH_CONSTANTS: Final[dict[str, str]] = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}

_chrome: dict[str, str] = {}
_language: str = FIRST
_touched: dict[int, Any] = {}  # the commands and parameters reworded in this run, by id


def _spoken(value: str | None) -> str | None:
    base = (value or "").strip().split("-")[0].split("_")[0].lower()
    return base if base in SPOKEN else None


def help_language(argv: Sequence[str]) -> str:
    """The language of this run's help: `--lang` in argv, else CARELOOP_CLI_LOCALE, else vi."""
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(argv):
            if (given := _spoken(argv[index + 1])) is not None:
                return given
            break
        if arg.startswith("--lang="):
            if (given := _spoken(arg.removeprefix("--lang="))) is not None:
                return given
            break
    from careloop.core.settings import current_settings

    return _spoken(current_settings().cli_locale) or FIRST


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of `language` (the standard library's reader, not Babel)."""
    return gettext.translation("careloop", LOCALE_DIR, languages=[language], fallback=True)


def text(key: str, language: str | None = None) -> str | None:
    """The catalogue text of `key` in `language` (default: this run's), or None."""
    found = catalogue(language or _language).gettext(key)
    return None if found == key else found


def _chrome_dgettext(original: Callable[[str, str], str]) -> Callable[[str, str], str]:
    def dgettext(domain: str, message: str) -> str:
        translated = _chrome.get(message)
        return translated if translated is not None else original(domain, message)

    dgettext.careloop_original = original  # type: ignore[attr-defined]
    return dgettext


def use_language(language: str) -> None:
    """Speak `language` in the help of this process from now on (Typer's words included)."""
    global _language
    _language = language
    _chrome.clear()
    if language != "en":
        for english, key in CHROME.items():
            if (found := text(key, language)) is not None:
                _chrome[english] = found
    if not hasattr(gettext.dgettext, "careloop_original"):
        gettext.dgettext = _chrome_dgettext(gettext.dgettext)  # type: ignore[assignment]
    _word_usage_lines()
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        for name, english in _RICH_CONSTANTS.items():
            setattr(rich_utils, name, _chrome.get(english, english))


def _word_usage_lines() -> None:
    """Typer's Click writes "Usage: " as a literal default of `HelpFormatter.write_usage`
    (help pages and usage errors alike): give it this run's word instead, once per process."""
    from typer._click.formatting import HelpFormatter

    original = HelpFormatter.write_usage
    if hasattr(original, "careloop_original"):
        return

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None and _language != "en":
            prefix = f"{text('cli.usage.usage') or 'Usage:'} "
        original(self, prog, args, prefix)

    write_usage.careloop_original = original  # type: ignore[attr-defined]
    HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]


def _english(item: Any, *fields: str) -> tuple[Any, ...]:
    """The item's English texts as first built (kept so a later English run restores them)."""
    kept: tuple[Any, ...] | None = item.__dict__.get(_ENGLISH)
    if kept is None:
        kept = (*(getattr(item, field) for field in fields), fields)
        item.__dict__[_ENGLISH] = kept
    _touched[id(item)] = item
    return kept[:-1]


def translate(command: Any, path: str) -> None:
    """Word `command` (and every command under it) in this run's language, in place."""
    help_text, short_help = _english(command, "help", "short_help")
    found = text(f"cli.help.{path}")
    command.help = found if found is not None else help_text
    command.short_help = None if found is not None else short_help
    for param in command.params:
        if not hasattr(param, "help") or param.name is None:
            continue
        (param_help,) = _english(param, "help")
        param.help = text(f"cli.help.{path}.{param.name}") or param_help
    _translate_help_option(command)
    children = getattr(command, "commands", None) or {}
    for name, child in children.items():
        translate(child, name if path == ROOT else f"{path}.{name}")


def _translate_help_option(command: Any) -> None:
    """`--help`'s own line: Typer's Click builds that option once per command, on first use,
    with a fixed English text ("Show this message and exit."), so it is built here first,
    the way `Command.get_help_option` builds it (the command's context settings)."""
    if not hasattr(command, "_help_option"):
        return
    context = command.context_class(command, **command.context_settings)
    option = command.get_help_option(context)
    if option is not None:
        (english,) = _english(option, "help")
        option.help = text("cli.chrome.help") or english


def end_run() -> None:
    """Put back the English texts and words: the commands are built once per process and
    shared by every in-process run (tests), so one run's language must not outlive it."""
    for item in _touched.values():
        *english, fields = item.__dict__[_ENGLISH]
        for field, value in zip(fields, english, strict=True):
            setattr(item, field, value)
    _touched.clear()
    use_language("en")


def short_text(name: str, english: str | None) -> str | None:
    """A top-level command's help in the root's listing (before its module is imported)."""
    return text(f"cli.help.{name}") or english


# --- Usage errors --------------------------------------------------------------------------
# Typer 0.29's own copy of Click writes its usage errors with plain f-strings ("Usage: …",
# "Try '…' for help.", "Missing option '--shop'.", "No such option: --x", "Got unexpected
# extra argument(s) (…)"), out of reach of gettext. In any language but English a run is
# therefore made in Click's non-standalone mode and its usage errors are worded here, from
# the exception's own fields (never by parsing its English), then the process exits with
# Click's code, as standalone mode would.

_KINDS: Final = {"option", "argument", "parameter"}


def _hint(error: Any) -> str | None:
    from typer._click.exceptions import _join_param_hints

    if error.param_hint is not None:
        return _join_param_hints(error.param_hint)
    if error.param is not None:
        return _join_param_hints(error.param.get_error_hint())
    return None


def _say(key: str, **values: object) -> str:
    found = text(key)
    return (found or key).format(**values)


# Typer 0.29 converts option values with pydantic; its refusals start with these words
# (pydantic-core's error messages), and are said in this run's language instead.
_CONVERSIONS: Final = {
    "Input should be a valid integer": "cli.usage.not_integer",
    "Input should be a valid number": "cli.usage.not_number",
    "Input should be a valid boolean": "cli.usage.not_boolean",
    "Input should be a valid date": "cli.usage.not_date",
    "Input should be a valid datetime": "cli.usage.not_datetime",
}
_LANG_REFUSED: Final = re.compile(r"^one of (.+) \(got (.+)\)$")


def _conversion_message(message: str) -> str:
    for english, key in _CONVERSIONS.items():
        if message.startswith(english) and message[len(english) : len(english) + 1] in ("", ","):
            return _say(key)
    if (refused := _LANG_REFUSED.match(message)) is not None:
        return _say("cli.usage.one_of", choices=refused.group(1), value=refused.group(2))
    return message


def usage_message(error: Any) -> str:
    """The usage error's message in this run's language."""
    from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption

    if isinstance(error, MissingParameter):
        kind = error.param_type or (error.param.param_type_name if error.param else "parameter")
        kind = kind if kind in _KINDS else "parameter"
        hint = _hint(error)
        said = _say(f"cli.usage.missing_{kind}", name=hint or "")
        return f"{said} {error.message}".strip() if error.message else said
    if isinstance(error, NoSuchOption):
        said = _say("cli.usage.no_such_option", name=error.option_name)
        if error.possibilities:
            said += " " + _say("cli.usage.possible", options=", ".join(sorted(error.possibilities)))
        return said
    if isinstance(error, BadParameter):
        hint = _hint(error)
        message = _conversion_message(error.message)
        if hint is None:
            return _say("cli.usage.invalid_value", message=message)
        return _say("cli.usage.invalid_value_for", name=hint, message=message)
    message = str(error.format_message())
    if message.startswith("Got unexpected extra argument"):
        # Click's only words in this message are that sentence; the arguments close it.
        extra = re.search(r"\(([^()]*)\)$", message)
        return _say("cli.usage.extra_arguments", arguments=extra.group(1) if extra else "")
    return message


def usage_error_text(error: Any) -> str:
    """What the terminal shows for a usage error: the usage line, where help is, the error."""
    lines: list[str] = []
    ctx = error.ctx
    if ctx is not None:
        usage = ctx.get_usage()
        lines.append(usage)  # worded by `_word_usage_lines`
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(
                _say(
                    "cli.usage.try_help", command=ctx.command_path, option=ctx.help_option_names[0]
                )
            )
        lines.append("")
    lines.append(f"{_say('cli.chrome.error')}: {usage_message(error)}")
    return "\n".join(lines)


def run_speaking(run: Callable[[], Any]) -> None:
    """Run Click in non-standalone mode (`run`), then do what standalone mode does, with
    usage errors worded in this run's language; always ends the process (SystemExit)."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
    from typer._click.utils import echo
    from typer.exceptions import Abort

    try:
        returned = run()
    except NoArgsIsHelpError as error:
        error.show()  # the help itself, already in this run's language
        sys.exit(error.exit_code)
    except UsageError as error:
        echo(usage_error_text(error), err=True)
        sys.exit(error.exit_code)
    except ClickException as error:
        echo(f"{_say('cli.chrome.error')}: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except Abort:
        echo(_say("cli.chrome.aborted"), err=True)
        sys.exit(1)
    # Non-standalone Click returns the exit code of a `typer.Exit` (and of --help), else
    # what the command returned (Careloop's commands return None).
    sys.exit(returned if isinstance(returned, int) else 0)


def schema_missing(exc: BaseException) -> bool:
    """Whether `exc` is the database saying Careloop's tables do not exist yet (SQLite's "no
    such table", PostgreSQL's undefined_table 42P01): the database was never initialised."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "42P01" or getattr(orig, "pgcode", None) == "42P01":
        return True
    return "no such table" in str(orig)
