"""`seatwise export KIND --format csv|parquet [--from --to] --out FILE`: exports for BI tools, the
same tables as ``GET /v1/exports/{kind}`` (:mod:`api.services.exports`), unscoped."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from api.cli.common import (
    DatabaseOpt,
    FromOpt,
    SiteTimezoneOpt,
    ToOpt,
    console,
    exits_on_bad_input,
    progress_bar,
    store_url,
)
from api.cli.history import _site_timezone_from_store, parse_bound
from api.services.exports import EXPORT_FORMATS, EXPORT_KINDS, export_frame, write_export
from features.calendar import check_timezone
from features.errors import FieldError, InvalidInput
from features.schema import ALLOWED_INTERVAL_MINUTES
from features.store.records_store import Store
from features.store.service_store import ServiceStore

DEFAULT_DAYS = 7
"""Days exported when --from is not given (ending at --to, or today)."""


def _check(kind: str, fmt: str, freq: int) -> None:
    errors = []
    if kind not in EXPORT_KINDS:
        errors.append(FieldError(None, "kind", f"must be one of {', '.join(EXPORT_KINDS)}", kind))
    if fmt not in EXPORT_FORMATS:
        errors.append(FieldError(None, "format", "must be csv or parquet", fmt))
    if freq not in ALLOWED_INTERVAL_MINUTES:
        errors.append(FieldError(None, "freq", "must be 5, 10, 15, 30 or 60 minutes", freq))
    if errors:
        raise InvalidInput("bad export arguments", errors)


@exits_on_bad_input
def export(
    kind: Annotated[str, typer.Argument(help=f"What to export: {', '.join(EXPORT_KINDS)}.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    from_: FromOpt = None,
    to: ToOpt = None,
    timezone: SiteTimezoneOpt = None,
    freq: Annotated[int, typer.Option(help="Interval length of `intervals`, minutes.")] = 15,
    database_url: DatabaseOpt = None,
) -> None:
    """Write an export for BI tools: intervals, kpis (every drill-down node), contacts, agents,
    performance, tickets, ticket-kpis, kb (knowledge-base events) or quality."""
    _check(kind, fmt, freq)
    if timezone is not None:
        check_timezone(timezone)
    store = Store(store_url(database_url))
    try:
        store.migrate()
        zone = timezone or _site_timezone_from_store(store) or "UTC"
        high = parse_bound(to, zone, end=True) or (
            pd.Timestamp.now(tz=zone).normalize() + pd.Timedelta(days=1)
        )
        low = parse_bound(from_, zone, end=False) or high - pd.Timedelta(days=DEFAULT_DAYS)
        if high <= low:
            raise InvalidInput(
                "empty range", [FieldError(None, "to", "must be after --from", str(to))]
            )
        with progress_bar(f"export {kind}") as progress:
            frame = export_frame(
                kind, store, ServiceStore(store.engine), low, high, timezone=zone,
                freq_minutes=freq, progress=progress,
            )  # fmt: skip
            out.parent.mkdir(parents=True, exist_ok=True)
            write_export(frame, str(out), fmt)
    finally:
        store.dispose()
    console.print(
        f"{kind}: {len(frame):,} rows, {low.isoformat()} to {high.isoformat()} ({zone}) -> {out}"
    )


def register(app: typer.Typer) -> None:
    """Add `export` to the `seatwise` app."""
    app.command("export")(export)
