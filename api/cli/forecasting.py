"""`seatwise forecast` and `seatwise backtest`: train, forecast, backtest and register models.

Both read an interval-history file (CSV or Parquet, ISO 8601 instants with offset, or naive ones
with ``--timezone``), log their runs to MLflow (``SEATWISE_MLFLOW_URI``, else ``models/``) and,
with ``--register NAME``, register a model version and point an alias (``champion``) at it.

The forecasting and MLflow modules are imported inside the commands: they are heavy, and the
other commands of the CLI should not pay for them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from api.cli.common import console, exits_on_bad_input, progress_bar
from api.cli.forecast_notes import (
    horizon_table,
    picks_table,
    print_calendar_notes,
    print_missing_days,
)
from features.calendar import check_timezone, intervals_in_days, local_midnight
from features.errors import FieldError, InvalidInput
from features.records.frame_io import read_frame, write_frame
from features.schema import (
    DEFAULT_INTERVAL_MINUTES,
    INTERVAL_START,
    MIN_TRAIN_DAYS,
    QUEUE,
    ProgressCallback,
)

if TYPE_CHECKING:
    from forecasting.base import Forecaster

HistoryArg = Annotated[
    Path,
    typer.Argument(
        metavar="HISTORY", help="Interval-history file (CSV or Parquet): queue, interval_start, ..."
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", help="Output file (.csv or .parquet).")]
TimezoneOpt = Annotated[
    str | None,
    typer.Option(
        "--timezone",
        help="The site's zone (IANA name). Needed for naive timestamps; UTC when not given.",
    ),
]
QueueOpt = Annotated[
    list[str] | None, typer.Option("--queue", help="Only this queue (repeat for several).")
]
CountryOpt = Annotated[
    str | None,
    typer.Option(
        "--country", help="ISO country code for public holidays (e.g. US); none if unset."
    ),
]
RegisterOpt = Annotated[
    str | None, typer.Option("--register", help="Register the model under this name.")
]
AliasOpt = Annotated[
    str, typer.Option("--alias", help="Alias given to the registered version (with --register).")
]


def _bad(field: str, rule: str, value: Any) -> InvalidInput:
    return InvalidInput(f"{field}: {rule}", [FieldError(None, field, rule, value)])


def load_history(path: Path, timezone: str | None, queues: list[str] | None) -> pd.DataFrame:
    """Read an interval history into the site's zone (UTC when unknown), keeping `queues` only.

    Raises
    ------
    InvalidInput
        Missing file, unknown timezone, naive timestamps without a timezone, missing
        ``queue``/``interval_start``/``offered`` columns, or a requested queue that is absent.
    """
    if timezone is not None:
        check_timezone(timezone)
    history = read_frame(path, timezone=timezone)
    missing = [c for c in (QUEUE, INTERVAL_START, "offered") if c not in history.columns]
    if missing:
        raise InvalidInput(
            f"{path}: not an interval history (columns {', '.join(missing)} missing)",
            [FieldError(None, c, "required column of an interval history") for c in missing],
        )
    if not queues:
        return history
    known = set(history[QUEUE].dropna().astype(str))
    unknown = [q for q in queues if q not in known]
    if unknown:
        raise InvalidInput(
            f"queue(s) not in the history: {', '.join(unknown)}",
            [FieldError(None, "queue", "must be a queue of the history", q) for q in unknown],
        )
    return history[history[QUEUE].astype(str).isin(queues)].reset_index(drop=True)


def forecast_window(
    start: str, days: int, timezone: str | None, interval_minutes: int
) -> tuple[pd.Timestamp, int]:
    """First interval (local midnight of `start`) and number of intervals of `days` local days.

    DST days count 23 or 25 hours, so a 15-minute day has 92, 96 or 100 intervals.
    """
    if days < 1:
        raise _bad("days", "must be at least 1", days)
    try:
        day = dt.date.fromisoformat(start)
    except ValueError as exc:
        raise _bad("start", "must be a date YYYY-MM-DD", start) from exc
    first = local_midnight(day, timezone or "UTC")
    return first, intervals_in_days(first, days, interval_minutes)


def _make(name: str, country: str | None) -> Forecaster:
    from forecasting.selection import make_forecaster

    return make_forecaster(name, country=country)


def _register(run_id: str, name: str, alias: str) -> int:
    from forecasting import registry

    version = registry.register_model(run_id, name)
    registry.promote(name, version, alias=alias)
    return version


def _scaled(progress: ProgressCallback, low: float, high: float) -> ProgressCallback:
    def report(fraction: float, message: str) -> None:
        progress(low + (high - low) * max(0.0, min(1.0, fraction)), message)

    return report


@exits_on_bad_input
def forecast(
    history_path: HistoryArg,
    start: Annotated[str, typer.Option("--start", help="First local day, YYYY-MM-DD.")],
    days: Annotated[int, typer.Option("--days", help="Number of local days to forecast (>= 1).")],
    out: OutOpt,
    model: Annotated[
        str, typer.Option("--model", help="Forecaster name (auto picks by backtest).")
    ] = "auto",
    timezone: TimezoneOpt = None,
    queue: QueueOpt = None,
    country: CountryOpt = None,
    register: RegisterOpt = None,
    alias: AliasOpt = "champion",
) -> None:
    """Train on HISTORY and forecast every interval of DAYS local days from START.

    Columns: queue, interval_start, volume with p10/p50/p90 (contacts per interval),
    aht_s (seconds), model, model_version. The training run is logged to MLflow.
    """
    from features.calendar import infer_interval_minutes
    from forecasting import registry

    if days < 1:
        raise _bad("days", "must be at least 1", days)
    with progress_bar("forecast") as progress:
        progress(0.0, "reading history")
        history = load_history(history_path, timezone, queue)
        forecaster = _make(model, country)
        minutes = infer_interval_minutes(history, default=DEFAULT_INTERVAL_MINUTES)
        first, periods = forecast_window(start, days, timezone, minutes)
        progress(0.1, f"fitting {model}")
        forecaster.fit(history)
        progress(0.7, "forecasting")
        result = forecaster.predict(first, periods)
        write_frame(result, out)
        progress(0.8, "logging to MLflow")
        run_id = registry.log_training_run(forecaster, history)
        version = None
        if register:
            progress(0.95, f"registering {register}")
            version = _register(run_id, register, alias)
        progress(1.0, "done")
    queues = result[QUEUE].nunique()
    console.print(
        f"wrote {len(result)} rows ({queues} queue(s) x {periods} intervals of {minutes} min) "
        f"to {out}; model {registry.forecaster_name(forecaster)}, MLflow run {run_id}"
    )
    if version is not None:
        console.print(f"registered {register} version {version} as @{alias}")
    print_missing_days(forecaster)
    print_calendar_notes(forecaster, first, days)


_SHORT_HEADERS = {
    "coverage_p10_p90": "cover",
    "peak_hit_rate": "peak hit",
    "peak_volume_error": "peak err",
}


def _summary_table(summary: pd.DataFrame) -> Table:
    table = Table(title="backtest: pooled over queues and folds (best WAPE first)")
    for column in summary.columns:
        if column == "model":
            table.add_column(column, no_wrap=True, min_width=len(max(summary["model"], key=len)))
        else:
            table.add_column(_SHORT_HEADERS.get(column, column), justify="right")
    for record in summary.to_dict("records"):
        table.add_row(
            *(
                f"{value:.3f}" if isinstance(value, float) else str(value)
                for value in record.values()
            )
        )
    return table


@exits_on_bad_input
def backtest(
    history_path: HistoryArg,
    horizon_days: Annotated[
        int, typer.Option("--horizon-days", help="Days forecast from each cutoff (>= 1).")
    ],
    out: OutOpt,
    folds: Annotated[
        int | None,
        typer.Option(
            "--folds", help="Number of rolling origins (>= 1); every origin the history allows."
        ),
    ] = None,
    min_train_days: Annotated[
        int | None,
        typer.Option(
            "--min-train-days",
            help=f"Days of history before the first origin without --folds ({MIN_TRAIN_DAYS}).",
        ),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--models", help="Forecasters to compare (repeat or comma-separate); all by default."
        ),
    ] = None,
    step_days: Annotated[
        int | None,
        typer.Option("--step-days", help="Days between cutoffs (default: the horizon)."),
    ] = None,
    timezone: TimezoneOpt = None,
    queue: QueueOpt = None,
    country: CountryOpt = None,
    register: Annotated[
        str | None,
        typer.Option(
            "--register",
            help="Refit the best model (lowest WAPE) on the whole history and register it.",
        ),
    ] = None,
    alias: AliasOpt = "champion",
) -> None:
    """Rolling-origin backtest of the models on HISTORY: metrics per model, queue and fold.

    Metrics: wape, mase, bias, peak_hit_rate, peak_volume_error, coverage_p10_p90, pinball.
    Each model's backtest is logged to MLflow.
    With --register, the best model (lowest WAPE pooled over queues and folds) is refitted
    on the whole history, logged, registered and given the alias (champion).
    """
    from forecasting import registry
    from forecasting.backtest import backtest as run_backtest
    from forecasting.backtest import winner_metrics
    from forecasting.selection import FORECASTERS

    errors = [
        FieldError(None, name, "must be at least 1", value)
        for name, value in (
            ("horizon_days", horizon_days),
            ("folds", folds),
            ("min_train_days", min_train_days),
        )
        if value is not None and value < 1
    ]
    if step_days is not None and step_days < 1:
        errors.append(FieldError(None, "step_days", "must be at least 1", step_days))
    if errors:
        raise InvalidInput("invalid backtest settings", errors)
    names = [n.strip() for item in (models or []) for n in item.split(",") if n.strip()]
    if not names:
        names = [n for n in FORECASTERS if n != "auto"]
    candidates = {name: _make(name, country) for name in names}
    with progress_bar("backtest") as progress:
        progress(0.0, "reading history")
        history = load_history(history_path, timezone, queue)
        result = run_backtest(
            history,
            list(candidates.values()),
            horizon_days=horizon_days,
            folds=folds,
            step_days=step_days,
            min_train_days=min_train_days or MIN_TRAIN_DAYS,
            progress=_scaled(progress, 0.02, 0.8),
        )
        write_frame(result.metrics, out)
        progress(0.8, "logging to MLflow")
        params = {
            "horizon_days": horizon_days,
            "folds": folds if folds is not None else "every origin",
            "min_train_days": min_train_days or MIN_TRAIN_DAYS,
            "step_days": step_days or horizon_days,
            "history": history_path.name,
        }
        run_ids = registry.log_backtest(result, params=params)
        summary = result.summary()
        best, metrics = winner_metrics(result)
        version = None
        if register:
            progress(0.85, f"refitting {best} on the whole history")
            chosen = candidates[best].fit(history)
            run_id = registry.log_training_run(
                chosen, history, metrics=metrics, tags={"seatwise.backtest_run": run_ids[best]}
            )
            progress(0.95, f"registering {register}")
            version = _register(run_id, register, alias)
        progress(1.0, "done")
    console.print(_summary_table(summary))
    console.print(picks_table(result))
    console.print(horizon_table(result))
    console.print(f"wrote {len(result.metrics)} metric rows to {out}; best model: {best}")
    if version is not None:
        console.print(f"registered {register} version {version} ({best}) as @{alias}")


def register(app: typer.Typer) -> None:
    """Add `forecast` and `backtest` to the `seatwise` app."""
    app.command("forecast")(forecast)
    app.command("backtest")(backtest)
