"""Progress bars on stderr for long library calls (loading, the demo, the bench),
so stdout keeps only a command's result. Outside the CLI package because the
benchmark's child processes draw the same bars and must not import the CLI."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


def progress_bar(console: Console | None = None) -> Progress:
    """A bar per task with its percentage and elapsed time; on stderr by default."""
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                    console=console or Console(stderr=True), transient=False)


def progress_callback(bar: Progress) -> Callable[[str, int, int], None]:
    """The ``(label, done, total)`` callback that the loader and the demo report to:
    one task on ``bar`` per label, added the first time the label is seen."""
    tasks: dict[str, int] = {}

    def update(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = bar.add_task(label, total=total)
        bar.update(tasks[label], completed=done, total=total)

    return update
