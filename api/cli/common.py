"""Helpers every CLI command shares: bad input → exit code 2, Rich progress bars, and the
store's URL (``--database-url``, else the service settings')."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from api.settings import DEFAULT_DATABASE_URL, Settings
from features.errors import Infeasible, InvalidInput, NotFound, SeatwiseError
from features.schema import ProgressCallback

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="SEATWISE_DATABASE_URL",
        help=f"SQLAlchemy URL of the store (default {DEFAULT_DATABASE_URL}).",
    ),
]
FromOpt = Annotated[str | None, typer.Option("--from", help="First date or instant (local).")]
"""``--from``: a local date (its midnight) or an ISO instant."""
ToOpt = Annotated[str | None, typer.Option("--to", help="Last date (inclusive) or end instant.")]
"""``--to``: a local date (included whole) or an ISO instant."""
SiteTimezoneOpt = Annotated[
    str | None,
    typer.Option(help="The site's IANA zone (default: the agents' zone in the store, else UTC)."),
]
"""``--timezone`` of commands that read the store: the site's zone."""


def store_url(option: str | None) -> str:
    """The store's URL: `option` (``--database-url``) when given, else the service settings'
    (``SEATWISE_DATABASE_URL``, else SQLite under ``./data``)."""
    return option or Settings().database_url


def exits_on_bad_input(fn: F) -> F:
    """Wrap a command so that bad input prints a clear message and exits with code 2.

    Infeasible plans exit with code 3; other Seatwise errors with code 1.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (InvalidInput, NotFound) as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from exc
        except Infeasible as exc:
            err_console.print(f"[bold red]infeasible:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(EXIT_INFEASIBLE) from exc
        except SeatwiseError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from exc

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """A Rich progress bar; yields a callback taking (fraction done 0..1, message)."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[note]}"),
    )
    with Progress(*columns, console=err_console, transient=False) as bar:
        task = bar.add_task(description, total=100.0, note="")

        def report(fraction: float, message: str = "") -> None:
            bar.update(task, completed=max(0.0, min(1.0, fraction)) * 100.0, note=message)

        yield report
        bar.update(task, completed=100.0)
