"""`seatwise staff`: staffing requirements for every row of a forecast file.

Reads a forecast (CSV or Parquet with `queue`, `interval_start` with offset, `volume`, `aht_s`),
derives the agents needed per queue and interval with Erlang C (Erlang A with ``--patience-s``)
and writes the requirements file (REQUIREMENTS_COLUMNS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import console, exits_on_bad_input, progress_bar
from features.records.frame_io import read_frame, write_frame
from features.schema import DEFAULT_SL_THRESHOLD_S
from scheduling.requirements import ServiceTargets, compute_requirements

ForecastArg = Annotated[
    Path,
    typer.Argument(help="Forecast file (CSV or Parquet): queue, interval_start, volume, aht_s"),
]
OutOpt = Annotated[Path, typer.Option("--out", help="Requirements file to write (.csv/.parquet).")]


def staff(
    forecast: ForecastArg,
    out: OutOpt,
    service_level: Annotated[
        float, typer.Option(help="Share of contacts to answer within the threshold, in [0, 1).")
    ] = 0.8,
    threshold_s: Annotated[
        float, typer.Option(help="Service-level threshold in seconds.")
    ] = DEFAULT_SL_THRESHOLD_S,
    max_occupancy: Annotated[float, typer.Option(help="Occupancy cap, in (0, 1].")] = 0.85,
    shrinkage: Annotated[
        float, typer.Option(help="Share of paid time off the phones, in [0, 1).")
    ] = 0.3,
    asa_s: Annotated[
        float | None, typer.Option(help="Optional average-speed-of-answer target in seconds.")
    ] = None,
    patience_s: Annotated[
        float | None,
        typer.Option(help="Mean caller patience in seconds: use Erlang A (with abandonment)."),
    ] = None,
    interval_minutes: Annotated[
        int | None,
        typer.Option(help="Interval length in minutes; inferred from the file's spacing if unset."),
    ] = None,
    aht_s: Annotated[
        float | None, typer.Option("--aht-s", help="Handle time (s) for rows missing aht_s.")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="The site's zone (IANA); needed for naive timestamps, else UTC."),
    ] = None,
) -> None:
    """Staffing requirements (agents and scheduled agents) for every row of a forecast file."""
    targets = ServiceTargets(
        service_level=service_level,
        threshold_s=threshold_s,
        asa_s=asa_s,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
        patience_s=patience_s,
    )
    frame = read_frame(forecast, timezone=timezone)
    with progress_bar("staffing") as report:
        requirements = compute_requirements(
            frame, targets, interval_minutes=interval_minutes, default_aht_s=aht_s, progress=report
        )
    write_frame(requirements, out)
    busy = requirements[requirements["volume"] > 0]
    peak = int(requirements["agents_scheduled"].max()) if len(requirements) else 0
    console.print(
        f"{len(requirements)} requirement rows ({requirements['queue'].nunique()} queues) "
        f"written to {out}; peak {peak} scheduled agents; "
        f"lowest expected service level "
        f"{(busy['expected_service_level'].min() if len(busy) else 1.0):.1%} ({targets})",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add `seatwise staff` to the `seatwise` app."""
    app.command("staff")(exits_on_bad_input(staff))
