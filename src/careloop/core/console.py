"""Rich consoles for the CLI: the terminal's own width, and never truncated in a pipe.

Rich falls back to 80 columns when its output is not a terminal, which cuts tables short
in scripts (`careloop shop list | grep x`), cron mail and CI logs. Output that is not a
terminal gets a fixed wide width instead, so what a script reads never depends on
COLUMNS or on the terminal it happened to start from.
"""

from __future__ import annotations

import sys
from typing import Final

from rich.console import Console

PIPE_WIDTH: Final = 200  # columns used when the stream is a pipe, a file or a test runner


def make_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr), sized to the terminal or PIPE_WIDTH when piped."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if _is_terminal(stream) else PIPE_WIDTH
    return Console(stderr=stderr, width=width)


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
