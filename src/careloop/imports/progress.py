"""A Rich progress bar over the bytes of a file, one bar per pass; silent when disabled."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from careloop.core.console import make_console

Advance = Callable[[int], None]


def _ignore(_completed: int) -> None:
    return None


def _pass_name(description: str) -> str:
    """ "reading", "validating", "importing" in the CLI's language (the bar is the CLI's)."""
    from careloop.core.catalogue import has_message, t
    from careloop.core.cli_language import cli_locale

    key = f"cli.import.pass.{description}"
    return t(key, cli_locale()) if has_message(key) else description


class ByteProgress:
    def __init__(self, enabled: bool) -> None:
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description:<12}"),
                BarColumn(),
                TaskProgressColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=make_console(stderr=True),
                transient=False,
            )

    def __enter__(self) -> ByteProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def task(self, description: str, total: int) -> Advance:
        """A callback taking how many bytes of `total` are done."""
        progress = self._progress
        if progress is None:
            return _ignore
        task_id = progress.add_task(_pass_name(description), total=total)

        def advance(completed: int) -> None:
            progress.update(task_id, completed=completed)

        return advance
