"""The `careloop` root command lists every command without importing it, and the list is true."""

from __future__ import annotations

import subprocess
import sys

from careloop import cli


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def test_every_listed_command_is_provided_by_its_module_with_the_same_help() -> None:
    for entry in cli.COMMANDS:
        command = cli.load_command(entry.name)
        assert _words(command.help).startswith(_words(entry.help)), entry.name


def test_every_command_a_module_provides_is_listed() -> None:
    listed = {entry.name for entry in cli.COMMANDS}
    for provider in {entry.provider for entry in cli.COMMANDS}:
        assert set(cli.provided_by(provider)) <= listed, provider


def test_no_command_name_is_listed_twice() -> None:
    names = [entry.name for entry in cli.COMMANDS]
    assert len(names) == len(set(names))


def test_help_imports_no_capability() -> None:
    """`careloop --help` must start in Typer's own time: no capability, no SQLAlchemy, no Rich.

    It reads the command table from the capabilities' manifests (careloop.bootstrap), which
    name their code without importing it: the manifests, their (empty) packages and the
    Manifest type are all it may load, and the help's language (careloop.cli_help, which
    reads CARELOOP_CLI_LOCALE through the settings)."""
    probe = (
        "import sys\n"
        "from careloop.cli import app\n"
        "try:\n"
        "    app(['--help'], prog_name='careloop')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('careloop.', 'sqlalchemy', 'rich')\n"
        "light = ('careloop.cli', 'careloop.bootstrap', 'careloop.core.manifest',\n"
        "         'careloop.cli_help', 'careloop.core.cli_language',\n"
        "         'careloop.core.settings', 'careloop.core.errors')\n"
        "def allowed(m):\n"
        "    parts = m.split('.')\n"
        "    package = hasattr(sys.modules[m], '__path__')\n"
        "    return m in light or (len(parts) == 2 and package) or parts[2:] == ['manifest']\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(heavy) and not allowed(m))\n"
        "print('LOADED', ' '.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = result.stdout.split("LOADED", 1)[1].split()
    assert loaded == [], loaded
    # The help speaks CARELOOP_CLI_LOCALE's language, Vietnamese by default (decision 0030).
    assert "journeys" in result.stdout
    assert "Commands" in result.stdout or "Lệnh" in result.stdout


def test_a_command_runs_through_the_lazy_root(tmp_path: object) -> None:
    from tests.cli_runner import careloop

    result = careloop("sqlite:///" + str(tmp_path) + "/c.db", "init")
    assert result.returncode == 0, result.stderr
    assert "schema up to date" in result.stdout + result.stderr
