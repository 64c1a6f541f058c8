"""The `careloop` command: a root that loads a command's module only when that command runs.

`careloop --help` lists every command the capabilities' manifests declare (gathered by
careloop.bootstrap) without importing any capability, so it starts in the time Python needs
for Typer. Running `careloop shop list` imports the core commands and nothing of loyalty
or support. Each provider a manifest names adds its commands through `register(app)` (or
is itself a Typer group); a test checks that the manifests and the modules agree, so a
command cannot go missing from the help or the help drift from the command.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group

from careloop import bootstrap, cli_help
from careloop.core.manifest import Command

# The capabilities' commands, from their manifests (careloop.bootstrap imports only the
# manifests, which name each command's provider as "module:attr" without importing it).
COMMANDS: tuple[Command, ...] = bootstrap.commands()
_BY_NAME = {entry.name: entry for entry in COMMANDS}


@cache
def provided_by(provider: str) -> dict[str, Any]:
    """The click commands `provider` adds, by name (its module is imported here, once)."""
    target = bootstrap.resolve(provider)
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        name = next(e.name for e in COMMANDS if e.provider == provider)
        holder.add_typer(target, name=name)
    else:
        target(holder)
    return dict(get_group(holder).commands)


def load_command(name: str) -> Any:
    """The real command `name`; raises if its provider does not provide it."""
    commands = provided_by(_BY_NAME[name].provider)
    if name not in commands:
        raise RuntimeError(f"{_BY_NAME[name].provider} does not provide the command {name!r}")
    return commands[name]


class LazyGroup(TyperGroup):
    """Lists commands from the table; imports a command's module only to run it."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [entry.name for entry in COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = _BY_NAME.get(cmd_name)
        if entry is None:
            return None
        help_text = cli_help.short_text(entry.name, entry.help)
        return TyperCommand(name=entry.name, help=help_text, rich_markup_mode=None)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, TyperCommand) and command.callback is None:
            command = load_command(name)
            cli_help.translate(command, name)
        return name, command, rest

    def main(self, args: Any = None, *rest: Any, **extra: Any) -> Any:
        """Choose the help's language from argv and settings (never LANG/LC_*), then run."""
        argv = list(sys.argv[1:] if args is None else args)
        language = cli_help.help_language(argv)
        cli_help.use_language(language)
        cli_help.translate(self, cli_help.ROOT)
        try:
            if language == "en" or rest or extra.get("standalone_mode", True) is False:
                return super().main(args, *rest, **extra)
            # Click's usage errors are English f-strings: worded by cli_help instead.
            extra["standalone_mode"] = False
            cli_help.run_speaking(lambda: super(LazyGroup, self).main(args, **extra))
        except Exception as exc:
            if cli_help.schema_missing(exc):  # a command run before `careloop init`
                sys.stderr.write(cli_help.text("cli.db.not_initialised") or str(exc))
                sys.stderr.write("\n")
                sys.exit(1)
            raise
        finally:
            cli_help.end_run()


app = typer.Typer(
    cls=LazyGroup,
    help="Careloop: after-sales automation for small businesses.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="vi|en",
            help="The language of the output (default: the shop's staff language, "
            "else CARELOOP_CLI_LOCALE, else vi).",
        ),
    ] = None,
) -> None:
    """Careloop: after-sales automation for small businesses."""
    from careloop.core import cli_language

    try:
        cli_language.start(lang)
    except ValueError as exc:
        raise typer.BadParameter(str(exc).removeprefix("--lang: "), param_hint="--lang") from None


def __getattr__(name: str) -> Any:
    """Old names of the command kit, for modules not yet moved to `careloop.cli_kit`."""
    aliases = {
        "_ctx": "app_context",
        "load_shop": "load_shop",
        "fail": "fail",
        "_run_import": "run_csv_import",
    }
    if name in aliases:
        from careloop import cli_kit

        return getattr(cli_kit, aliases[name])
    raise AttributeError(name)


if __name__ == "__main__":
    app()
