"""Progress bars for long commands (seed, key rotation, imports, outreach, refreshes).

One helper for every command: `with progress("Re-sealing rows", total=n) as bar: bar.advance(k)`.
The bar is drawn on the terminal's standard error only when it is a terminal and the command was
not asked to be quiet (`redangel -q ...`); otherwise nothing is printed, so scripts and logs read
only the command's final line. `total=None` draws a counter without an end.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

_state = {"quiet": False}


def set_quiet(quiet: bool) -> None:
    """Silence (or allow) every bar drawn from now on in this process."""
    _state["quiet"] = quiet


def shown() -> bool:
    """Whether bars are drawn: standard error is a terminal and nobody asked for quiet."""
    return not _state["quiet"] and sys.stderr.isatty()


class Bar(Protocol):
    """What a command reports its progress to."""

    def advance(self, amount: int = 1) -> None:
        """Count `amount` more items done."""

    def set_total(self, total: int | None) -> None:
        """Say how many items there are, once known."""


class _Silent:
    def __init__(self) -> None:
        self.done = 0
        self.total: int | None = None

    def advance(self, amount: int = 1) -> None:
        self.done += amount

    def set_total(self, total: int | None) -> None:
        self.total = total


class _Drawn:
    def __init__(self, bar: Progress, task: TaskID) -> None:
        self._bar = bar
        self._task = task

    def advance(self, amount: int = 1) -> None:
        self._bar.advance(self._task, amount)

    def set_total(self, total: int | None) -> None:
        self._bar.update(self._task, total=total)


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator[Bar]:
    """A bar for one long step; silent when not on a terminal or when quiet."""
    if not shown():
        yield _Silent()
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=False)
    with bar:
        yield _Drawn(bar, bar.add_task(label, total=total))
