"""The live progress bar on a terminal (rich); nothing but the final summary anywhere else."""

from __future__ import annotations

import sys

from rich.console import Console, Group
from rich.filesize import decimal
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from .report import Tally


class RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} img/s" if speed else "– img/s")


class BytesColumn(ProgressColumn):
    def render(self, task) -> Text:
        done, total = task.fields.get("bytes", 0), task.fields.get("total_bytes", 0)
        return Text(f"{decimal(done)}/{decimal(total)}")


class Display:
    """Files done / total, bytes, images per second, ETA and the running counts by outcome."""

    def __init__(self, files: int, size: int, *, live: bool | None = None) -> None:
        self.console = Console(file=sys.stderr)
        self.live = self.console.is_terminal if live is None else live
        self.progress = None
        if self.live:
            self.progress = Progress(
                TextColumn("importing"),
                BarColumn(bar_width=20),
                MofNCompleteColumn(),
                BytesColumn(),
                RateColumn(),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.task = self.progress.add_task("import", total=files, bytes=0, total_bytes=size)
            self.counts = Text("")
            # Refreshed by our own calls, from the main thread: no refresh thread exists when
            # the worker pool forks a replacement process.
            self.screen = Live(
                Group(self.progress, self.counts),
                console=self.console,
                auto_refresh=False,
                transient=False,
            )
            self.screen.start()

    def update(self, tally: Tally) -> None:
        if self.progress:
            self.progress.update(self.task, completed=tally.files, bytes=tally.bytes)
            self.counts.plain = tally.counts_text()
            self.screen.refresh()

    def tick(self) -> None:
        if self.progress:
            self.screen.refresh()

    def note(self, line: str) -> None:
        """A line that must be seen (an error), above the bar or plainly on stderr."""
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def close(self) -> None:
        if self.progress:
            self.screen.stop()
