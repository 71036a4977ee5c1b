"""Rolling-origin backtests: refit every model at each cutoff and score the next days.

Folds end at the last day of the history: fold ``k`` of ``K`` tests the `horizon_days` local
days starting ``horizon_days + step_days * (K - 1 - k)`` days before the end, with every model
refitted on the history before that local midnight (the cutoff). With ``folds=None`` there is a
fold at every such cutoff the history allows (at least `min_train_days` days of training).

The evaluation is nested: each model is fitted on the history before the cutoff only, so
anything it chooses (auto's members, the band width, the calendar) is chosen from data before
the cutoff, and its own inner rolling origins never see the fold. Scored intervals are the same
for every model: open slots of open weekdays and any interval with contacts, on days present in
the history (missing days are never scored).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import MIN_TRAIN_DAYS, ProgressCallback
from forecasting import metrics
from forecasting.base import Forecaster, scoring_mask
from forecasting.history import PreparedHistory, prepare_history, validate_history
from forecasting.peaks import daily_peaks
from forecasting.selection import make_forecaster

METRIC_COLUMNS = [
    "model",
    "queue",
    "fold",
    "cutoff",
    "wape",
    "mase",
    "bias",
    "peak_hit_rate",
    "peak_volume_error",
    "coverage_p10_p90",
    "pinball",
]


@dataclass
class BacktestResult:
    """Backtest output.

    Attributes
    ----------
    metrics:
        One row per (model, queue, fold): METRIC_COLUMNS.
    forecasts:
        The forecast rows of every fold (FORECAST_COLUMNS, ``model`` being the backtested
        model's name) with ``picked`` (what produced the row: the forecast's own ``model``
        column, e.g. ``auto[ets+weekday_level]``), ``fold``, ``cutoff``, ``horizon_day`` (1 =
        the cutoff's day), ``actual`` (contacts; NaN on missing days) and ``scored`` (True where
        the interval is scored).
    """

    metrics: pd.DataFrame
    forecasts: pd.DataFrame

    @property
    def picks(self) -> pd.DataFrame:
        """What each model used for each queue at each cutoff (for auto: its members).

        Returns
        -------
        pandas.DataFrame
            ``model``, ``queue``, ``fold``, ``cutoff``, ``picked``; one row per (model, queue,
            fold).
        """
        columns = ["model", "queue", "fold", "cutoff", "picked"]
        return self.forecasts[columns].drop_duplicates(
            ["model", "queue", "fold"], ignore_index=True
        )

    def fold_scores(self) -> pd.DataFrame:
        """WAPE, bias and p10-p90 coverage per (model, fold), pooled over queues.

        Returns
        -------
        pandas.DataFrame
            ``model``, ``fold``, ``cutoff``, ``wape``, ``bias``, ``coverage_p10_p90``.
        """
        rows = []
        scored = self.forecasts[self.forecasts["scored"]]
        for (model, fold), part in scored.groupby(["model", "fold"], sort=False):
            a = part["actual"].to_numpy()
            rows.append(
                {
                    "model": model,
                    "fold": fold,
                    "cutoff": part["cutoff"].iloc[0],
                    "wape": metrics.wape(a, part["volume"].to_numpy()),
                    "bias": metrics.bias(a, part["volume"].to_numpy()),
                    "coverage_p10_p90": metrics.coverage(
                        a, part["volume_p10"].to_numpy(), part["volume_p90"].to_numpy()
                    ),
                }
            )
        return pd.DataFrame(
            rows, columns=["model", "fold", "cutoff", "wape", "bias", "coverage_p10_p90"]
        )

    def coverage_by_horizon(self) -> pd.DataFrame:
        """p10-p90 coverage and WAPE per (model, horizon day), pooled over queues and folds.

        Returns
        -------
        pandas.DataFrame
            ``model``, ``horizon_day`` (1 = the cutoff's day), ``coverage_p10_p90``, ``wape``,
            ``intervals`` (scored intervals).
        """
        rows = []
        scored = self.forecasts[self.forecasts["scored"]]
        for (model, day), part in scored.groupby(["model", "horizon_day"], sort=True):
            a = part["actual"].to_numpy()
            rows.append(
                {
                    "model": model,
                    "horizon_day": int(day),
                    "coverage_p10_p90": metrics.coverage(
                        a, part["volume_p10"].to_numpy(), part["volume_p90"].to_numpy()
                    ),
                    "wape": metrics.wape(a, part["volume"].to_numpy()),
                    "intervals": len(part),
                }
            )
        return pd.DataFrame(
            rows, columns=["model", "horizon_day", "coverage_p10_p90", "wape", "intervals"]
        )

    def summary(self) -> pd.DataFrame:
        """Metrics per model pooled over every queue and fold (scored intervals only), with the
        spread of the fold WAPEs.

        Returns
        -------
        pandas.DataFrame
            ``model``, ``wape`` (pooled), ``wape_median`` and ``wape_worst`` (over folds, each
            fold pooled over queues), ``bias``, ``coverage_p10_p90``, ``pinball`` (pooled) and
            the fold means of ``mase``, ``peak_hit_rate``, ``peak_volume_error``; best WAPE
            first.
        """
        rows = []
        scored = self.forecasts[self.forecasts["scored"]]
        folds = self.fold_scores()
        for model, part in scored.groupby("model", sort=False):
            a = part["actual"].to_numpy()
            mine = folds.loc[folds["model"] == model, "wape"]
            rows.append(
                {
                    "model": model,
                    "wape": metrics.wape(a, part["volume"].to_numpy()),
                    "wape_median": float(mine.median()),
                    "wape_worst": float(mine.max()),
                    "bias": metrics.bias(a, part["volume"].to_numpy()),
                    "coverage_p10_p90": metrics.coverage(
                        a, part["volume_p10"].to_numpy(), part["volume_p90"].to_numpy()
                    ),
                    "pinball": metrics.mean_pinball(
                        a,
                        part["volume_p10"].to_numpy(),
                        part["volume_p50"].to_numpy(),
                        part["volume_p90"].to_numpy(),
                    ),
                }
            )
        pooled = pd.DataFrame(rows)
        means = (
            self.metrics.groupby("model", sort=False)[
                ["mase", "peak_hit_rate", "peak_volume_error"]
            ]
            .mean()
            .reset_index()
        )
        return pooled.merge(means, on="model").sort_values("wape").reset_index(drop=True)


def winner_metrics(result: BacktestResult) -> tuple[str, dict[str, float]]:
    """The model with the lowest pooled WAPE and its backtest distribution, as registry metrics.

    Returns
    -------
    tuple
        The model's name and ``backtest_<metric>`` for every pooled summary column (``wape``,
        ``wape_median``, ``wape_worst``, ``coverage_p10_p90``, ...), plus ``backtest_folds``
        (origins scored) and ``backtest_wape_best`` (its best fold's WAPE).
    """
    summary = result.summary()
    best = str(summary["model"].iloc[0])
    scores = summary[summary["model"] == best].drop(columns="model").iloc[0]
    found = {f"backtest_{k}": float(v) for k, v in scores.items()}
    folds = result.fold_scores()
    wape = folds.loc[folds["model"] == best, "wape"]
    found["backtest_folds"] = float(len(wape))
    found["backtest_wape_best"] = float(wape.min())
    return best, found


def fold_cutoffs(
    prepared: PreparedHistory,
    horizon_days: int,
    folds: int | None,
    step_days: int,
    min_train_days: int = MIN_TRAIN_DAYS,
) -> list[np.datetime64]:
    """First local day of each fold's test window, oldest first.

    The latest fold ends with the history; the others are `step_days` apart. With
    ``folds=None`` every cutoff with at least `min_train_days` days before it is a fold.
    """
    end = prepared.start_day + prepared.volume.shape[1]
    if folds is None:
        room = int((end - horizon_days - prepared.start_day).astype(np.int64)) - min_train_days
        folds = max(room // step_days + 1, 0)
    return [end - horizon_days - step_days * (folds - 1 - k) for k in range(folds)]


def local_midnight(day: np.datetime64, tz: str) -> pd.Timestamp:
    """The first instant of a local calendar day."""
    return pd.Timestamp(str(day)).tz_localize(tz, nonexistent="shift_forward", ambiguous=False)


def backtest(
    history: pd.DataFrame,
    models: Sequence[str | Forecaster],
    horizon_days: int,
    folds: int | None = None,
    step_days: int | None = None,
    progress: ProgressCallback | None = None,
    min_train_days: int = MIN_TRAIN_DAYS,
) -> BacktestResult:
    """Rolling-origin backtest of several models on an interval history of many queues.

    Parameters
    ----------
    history:
        Interval history (``queue``, tz-aware ``interval_start``, ``offered`` contacts).
    models:
        Forecaster names (see ``FORECASTERS``) or unfitted forecasters (each is cloned per fold).
    horizon_days:
        Local days forecast after each cutoff.
    folds:
        Number of cutoffs; None (the default) for every cutoff the history allows.
    step_days:
        Days between consecutive cutoffs (default: `horizon_days`).
    progress:
        Optional callback receiving (fraction done, message).
    min_train_days:
        Days of history before the first cutoff when `folds` is None.

    Returns
    -------
    BacktestResult

    Raises
    ------
    InvalidInput
        Bad history, unknown model name, non-positive horizon/folds/step, or a history too short
        for the folds (each fold needs at least 7 days of training history).
    """
    step = horizon_days if step_days is None else step_days
    settings = [
        ("horizon_days", horizon_days),
        ("step_days", step),
        ("min_train_days", min_train_days),
    ]
    if folds is not None:
        settings.append(("folds", folds))
    errors = [
        FieldError(None, name, "must be an integer >= 1", value)
        for name, value in settings
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
    ]
    if not models:
        errors.append(FieldError(None, "models", "name at least one model", list(models)))
    if errors:
        raise InvalidInput("invalid backtest settings", errors)
    forecasters = [make_forecaster(m) if isinstance(m, str) else m for m in models]
    clean = validate_history(history)
    prepared = prepare_history(clean)
    cutoffs = fold_cutoffs(prepared, horizon_days, folds, step, min_train_days)
    if not cutoffs or (cutoffs[0] - prepared.start_day).astype(np.int64) < 7:
        count = folds or 1
        need = horizon_days + step * (count - 1) + (7 if folds else min_train_days)
        raise InvalidInput(
            f"history of {prepared.volume.shape[1]} days is too short for {count} folds of "
            f"{horizon_days} days (need {need} days)",
            [FieldError(None, "folds", "history too short for these folds", folds)],
        )
    tz = prepared.grid.tz
    metric_rows: list[dict[str, object]] = []
    frames: list[pd.DataFrame] = []
    total = len(cutoffs) * len(forecasters)
    done = 0
    for fold, day in enumerate(cutoffs):
        cutoff = local_midnight(day, tz)
        stop = local_midnight(day + horizon_days, tz)
        periods = len(pd.date_range(cutoff, stop, freq=prepared.grid.freq, inclusive="left"))
        train = clean[clean["interval_start"] < cutoff]
        training = prepared.until(day)
        for forecaster in forecasters:
            model = _fresh(forecaster)
            forecast = model.fit(train).predict(cutoff, periods)
            forecast = _attach_actuals(forecast, prepared)
            forecast["picked"] = forecast["model"]
            forecast["model"] = model.name
            forecast["fold"] = fold
            forecast["cutoff"] = cutoff
            local_days, _ = prepared.grid.locate(forecast["interval_start"])
            forecast["horizon_day"] = (local_days - day).astype(np.int64) + 1
            frames.append(forecast)
            metric_rows.extend(_fold_metrics(forecast, training, fold, cutoff))
            done += 1
            if progress is not None:
                progress(done / total, f"fold {fold + 1}/{len(cutoffs)}: {model.name}")
    result_metrics = pd.DataFrame(metric_rows, columns=METRIC_COLUMNS)
    return BacktestResult(metrics=result_metrics, forecasts=pd.concat(frames, ignore_index=True))


def _fresh(forecaster: Forecaster) -> Forecaster:
    """An unfitted copy: ``clone()`` when the model has one, else a deep copy."""
    clone = getattr(forecaster, "clone", None)
    return clone() if callable(clone) else copy.deepcopy(forecaster)


def _attach_actuals(forecast: pd.DataFrame, prepared: PreparedHistory) -> pd.DataFrame:
    out = forecast.copy()
    days, slots = prepared.grid.locate(out["interval_start"])
    q_pos = pd.Index(prepared.queues).get_indexer(pd.Index(out["queue"]))
    d_pos = prepared.day_index(days)
    inside = (q_pos >= 0) & (d_pos >= 0) & (d_pos < prepared.volume.shape[1])
    actual = np.full(len(out), np.nan)
    actual[inside] = prepared.volume[q_pos[inside], d_pos[inside], slots[inside]]
    scored = np.zeros(len(out), dtype=bool)
    if inside.any():
        unique_days = np.unique(days[inside])
        mask = scoring_mask(prepared, unique_days)
        u_pos = np.searchsorted(unique_days, days[inside])
        scored[inside] = mask[q_pos[inside], u_pos, slots[inside]]
    out["actual"] = actual
    out["scored"] = scored & ~np.isnan(actual)
    return out


def _fold_metrics(
    forecast: pd.DataFrame, training: PreparedHistory, fold: int, cutoff: pd.Timestamp
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    scored = forecast[forecast["scored"]]
    for key, part in scored.groupby("queue", sort=True):
        queue = str(key)
        a = part["actual"].to_numpy()
        f = part["volume"].to_numpy()
        q_pos = training.queues.index(queue) if queue in training.queues else None
        scale = float("nan")
        if q_pos is not None:
            open_cells = np.where(
                training.open_slot[q_pos][training.weekday], training.volume[q_pos], np.nan
            )
            scale = metrics.seasonal_scale(open_cells)
        actual_peaks = daily_peaks(part, "actual")
        forecast_peaks = daily_peaks(part, "volume")
        joined = actual_peaks.merge(forecast_peaks, on=["queue", "date"], how="left")
        rows.append(
            {
                "model": str(part["model"].iloc[0]),
                "queue": queue,
                "fold": fold,
                "cutoff": cutoff,
                "wape": metrics.wape(a, f),
                "mase": metrics.mase(a, f, scale),
                "bias": metrics.bias(a, f),
                "peak_hit_rate": metrics.peak_hit_rate(
                    joined["interval_start_x"].to_numpy(), joined["interval_start_y"].to_numpy()
                ),
                "peak_volume_error": metrics.peak_volume_error(
                    joined["actual"].to_numpy(), joined["volume"].fillna(0.0).to_numpy()
                ),
                "coverage_p10_p90": metrics.coverage(
                    a, part["volume_p10"].to_numpy(), part["volume_p90"].to_numpy()
                ),
                "pinball": metrics.mean_pinball(
                    a,
                    part["volume_p10"].to_numpy(),
                    part["volume_p50"].to_numpy(),
                    part["volume_p90"].to_numpy(),
                ),
            }
        )
    return rows
