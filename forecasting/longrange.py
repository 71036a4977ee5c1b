"""Long-range forecasts: contacts and handle time per queue and local week, 26-78 weeks out.

Per queue, the clean weekly totals of :mod:`forecasting.weekly` (gaps, holidays and known events
taken out) are modelled on the log scale with statsmodels:

* ETS (``ETSModel``, additive errors) on the level only, or with a damped additive trend once
  there are :data:`TREND_MIN_WEEKS` weeks; the variant with the lower AICc is kept (a few
  months of history rarely justify a trend, and an undamped one would run away over a year);
* with at least :data:`YEARLY_MIN_WEEKS` (two years) of weeks, the same choice is made on the
  STL seasonally adjusted series and the 52-week season added back (``STLForecast``); with less,
  there is no yearly season (one year cannot tell a season from noise).

The p10-p90 band is ``exp(mean +- 1.2816 sigma_1 sqrt(h))`` at ``h`` weeks ahead; ``sigma_1``
is the larger of the in-sample one-step error and the error measured by refitting the model at
several origins in the latest year of the history (``sigma_h = sigma_1 sqrt(h)`` fitted to those
errors), so the band widens with the horizon and reflects how the model really did. Handle time
is forecast the same way from its weekly contact-weighted means.

Future weeks get their calendar back: each day's weight is its weekday share (latest weeks)
times the queue's holiday factor on public holidays (``holidays`` package) times the factors of
known events. The week's total is the normal week times the sum of its days' weights; to staff
it, :meth:`LongRangeForecaster.intervals` spreads each day over its local intervals with the
intraday profile of the latest weeks (:func:`forecasting.profiles.weekday_profile`), so DST
days of 23 or 25 hours keep their day's total.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd

from features.calendar import check_freq_minutes, floor_local, interval_grid
from features.errors import FieldError, InvalidInput, NotFitted
from features.schema import (
    INTERVAL_START,
    QUEUE,
    WEEK_START,
    WEEKLY_FORECAST_COLUMNS,
)
from forecasting.features_calendar import holiday_mask
from forecasting.handle_time import handle_time_forecast
from forecasting.history import Grid, PreparedHistory, prepare_history, weekday_of
from forecasting.profiles import weekday_profile
from forecasting.weekly import (
    Event,
    WeeklyHistory,
    event_factors,
    fill_gaps,
    monday_of,
    weekly_history,
)

YEARLY_PERIOD = 52
"""Weeks in the yearly season."""
YEARLY_MIN_WEEKS = 2 * YEARLY_PERIOD
"""Weeks of history needed before a yearly season is fitted."""
TREND_MIN_WEEKS = 8
"""Weeks of history needed before a (damped) trend is fitted."""
MIN_WEEKS = 4
"""Fewest known weeks a queue needs to be forecast at all."""
NAIVE_WEEKS = 4
"""The naive baseline repeats the mean of this many latest weeks."""
BAND_Z = 1.2815515655446004
"""Standard-normal 90 % quantile: the p10-p90 band is mean +- BAND_Z sigma (log scale)."""
CALIBRATION_ORIGINS = 8
"""Origins (in the latest year of history) at which the band's error growth is measured."""
CALIBRATION_HORIZON = 26
"""Longest horizon, in weeks, scored at those origins."""
PROFILE_WEEKS = 8
"""Latest weeks behind the intraday profile."""
MODELS = ("ets", "naive")
"""Long-range models: ``ets`` (see the module docstring) and the ``naive`` baseline."""


@dataclass(frozen=True)
class SeriesForecast:
    """A log-scale forecast of one weekly series.

    Attributes
    ----------
    model:
        Which model made it: ``ets_level``, ``ets_damped``, ``stl_ets_level``,
        ``stl_ets_damped`` or ``naive``.
    mean:
        Log-scale forecast for 1..len(mean) weeks ahead.
    sigma:
        Log-scale standard error one week ahead (``sigma * sqrt(h)`` at ``h`` weeks).
    """

    model: str
    mean: np.ndarray
    sigma: float


def _fit_ets(
    log_values: np.ndarray, yearly_min_weeks: int, variant: str | None = None
) -> tuple[str, Any]:
    """The ETS variant with the lowest AICc: level only, or damped additive trend (from
    TREND_MIN_WEEKS weeks), on the STL seasonally adjusted series from `yearly_min_weeks`;
    `variant` (``level`` or ``damped``) skips the choice."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.forecasting.stl import STLForecast

    series = pd.Series(log_values)
    n = log_values.size
    variants: list[tuple[str, dict[str, Any]]] = [("level", {"error": "add"})]
    if n >= TREND_MIN_WEEKS:
        variants.append(("damped", {"error": "add", "trend": "add", "damped_trend": True}))
    if variant is not None:
        variants = [v for v in variants if v[0] == variant] or variants[:1]
    best: tuple[float, str, Any] | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, kwargs in variants:
            if n >= yearly_min_weeks:
                fitted: Any = STLForecast(
                    series, ETSModel, model_kwargs=kwargs, period=YEARLY_PERIOD, robust=True
                ).fit(fit_kwargs={"disp": False})
                score, kind = float(fitted.model_result.aicc), f"stl_ets_{name}"
            else:
                fitted = ETSModel(series, **kwargs).fit(disp=False)
                score, kind = float(fitted.aicc), f"ets_{name}"
            if best is None or (np.isfinite(score) and score < best[0]):
                best = (score, kind, fitted)
    assert best is not None
    return best[1], best[2]


def _residual_sigma(kind: str, fitted: Any) -> float:
    resid = np.asarray(
        fitted.model_result.resid if kind.startswith("stl") else fitted.resid, dtype=float
    )
    resid = resid[np.isfinite(resid)][1:]
    return float(np.sqrt(np.mean(resid**2))) if resid.size else 0.0


def point_path(
    values: np.ndarray,
    steps: int,
    model: str = "ets",
    yearly_min_weeks: int = YEARLY_MIN_WEEKS,
    variant: str | None = None,
) -> tuple[str, np.ndarray, float]:
    """Log-scale forecast path of a positive weekly series, with its in-sample one-step error.

    Parameters
    ----------
    values:
        Weekly values (> 0, no NaN), oldest first.
    steps:
        Weeks to forecast after the last value.
    model:
        ``ets`` (see the module docstring) or ``naive`` (mean of the latest weeks, repeated).
    yearly_min_weeks:
        Weeks from which a yearly season is fitted.
    variant:
        ``level`` or ``damped`` to fit that ETS variant only (None: the lower AICc).

    Returns
    -------
    tuple
        (model name, log-scale path of `steps` values, one-step log-scale error).
    """
    logs = np.log(values)
    if model == "naive" or logs.size < MIN_WEEKS:
        level = float(np.log(np.mean(values[-NAIVE_WEEKS:])))
        diffs = np.diff(logs)
        sigma = float(np.sqrt(np.mean(diffs**2))) if diffs.size else 0.0
        return "naive", np.full(steps, level), sigma
    try:
        kind, fitted = _fit_ets(logs, yearly_min_weeks, variant)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = np.asarray(fitted.forecast(steps), dtype=float)
        sigma = _residual_sigma(kind, fitted)
    except (ValueError, np.linalg.LinAlgError):
        return point_path(values, steps, "naive", yearly_min_weeks)
    if not np.all(np.isfinite(path)):
        return point_path(values, steps, "naive", yearly_min_weeks)
    return kind, path, sigma


def horizon_errors(
    values: np.ndarray,
    model: str,
    horizon: int,
    origins: Sequence[int],
    yearly_min_weeks: int,
    variant: str | None = None,
) -> list[tuple[int, int, float]]:
    """Log-scale errors of forecasts refitted at each origin: ``(origin, h, log actual - log
    forecast)`` for ``h = 1..horizon`` weeks while actuals exist (NaN actuals skipped); the
    refits use the ETS `variant` when given."""
    rows: list[tuple[int, int, float]] = []
    for origin in origins:
        train = values[:origin]
        train = fill_gaps(train[: int(np.flatnonzero(np.isfinite(train))[-1]) + 1])
        steps = min(horizon, values.size - origin)
        if steps < 1 or train.size < MIN_WEEKS:
            continue
        _, path, _ = point_path(train, steps, model, yearly_min_weeks, variant)
        for h in range(1, steps + 1):
            actual = values[origin + h - 1]
            if np.isfinite(actual) and actual > 0:
                rows.append((origin, h, float(np.log(actual) - path[h - 1])))
    return rows


def calibration_origins(n_weeks: int) -> list[int]:
    """Origins spread over the latest year of an `n_weeks` history (each keeps MIN_WEEKS+1 weeks
    of training)."""
    first = max(MIN_WEEKS + 1, n_weeks - YEARLY_PERIOD)
    if first > n_weeks - 1:
        return []
    grid = np.linspace(first, n_weeks - 1, CALIBRATION_ORIGINS)
    return sorted({int(round(x)) for x in grid})


def forecast_series(
    values: np.ndarray,
    steps: int,
    model: str = "ets",
    yearly_min_weeks: int = YEARLY_MIN_WEEKS,
) -> SeriesForecast:
    """Forecast a weekly series `steps` weeks past its last value, with a horizon-wide band.

    Parameters
    ----------
    values:
        Weekly values (contacts or seconds; NaN where unknown, interior gaps interpolated).
    steps:
        Weeks ahead to forecast (>= 1).
    model:
        ``ets`` or ``naive``.
    yearly_min_weeks:
        Weeks from which a yearly season is fitted.

    Returns
    -------
    SeriesForecast
        Its ``sigma`` is the larger of the in-sample one-step error and the one fitted to the
        errors of refits at :func:`calibration_origins` (``sigma_h = sigma sqrt(h)``).
    """
    filled = fill_gaps(values)
    kind, path, sigma = point_path(filled, steps, model, yearly_min_weeks)
    # The refits keep the variant chosen on the whole series: the band is the chosen model's.
    errors = horizon_errors(
        values,
        model,
        CALIBRATION_HORIZON,
        calibration_origins(values.size),
        yearly_min_weeks,
        kind.rsplit("_", 1)[-1] if kind != "naive" else None,
    )
    if errors:
        h = np.array([e[1] for e in errors], dtype=float)
        e = np.array([e[2] for e in errors])
        sigma = max(sigma, float(np.sqrt(np.mean(e**2 / h))))
    return SeriesForecast(model=kind, mean=path, sigma=sigma)


def _band(mean: np.ndarray, sigma: float, horizon: np.ndarray) -> tuple[np.ndarray, ...]:
    spread = BAND_Z * sigma * np.sqrt(np.maximum(horizon, 1))
    return np.exp(mean), np.exp(mean - spread), np.exp(mean + spread)


def coarsen_history(history: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """An interval history summed into longer local intervals (``offered`` summed, ``aht_s``
    weighted by ``offered``); the history's own zone defines the wall clock."""
    check_freq_minutes(minutes)
    starts = history[INTERVAL_START]
    tz = str(starts.dt.tz)
    frame = pd.DataFrame(
        {
            QUEUE: history[QUEUE].astype(str),
            INTERVAL_START: floor_local(starts, minutes, tz),
            "offered": pd.to_numeric(history["offered"], errors="coerce").astype(float),
        }
    )
    has_aht = "aht_s" in history.columns
    if has_aht:
        aht = pd.to_numeric(history["aht_s"], errors="coerce").astype(float)
        known = aht.notna()
        frame["seconds"] = np.where(known, aht.fillna(0.0) * frame["offered"], 0.0)
        frame["weight"] = np.where(known, frame["offered"], 0.0)
    grouped = frame.groupby([QUEUE, INTERVAL_START], as_index=False, sort=True).sum()
    out = grouped[[QUEUE, INTERVAL_START, "offered"]].copy()
    if has_aht:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["aht_s"] = np.where(
                grouped["weight"] > 0, grouped["seconds"] / grouped["weight"], np.nan
            )
    return out


def _check_start(start_week: Any) -> dt.date:
    try:
        day = pd.Timestamp(start_week).date()
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "start_week must be a date",
            [FieldError(None, "start_week", "must be a date (YYYY-MM-DD)", str(start_week))],
        ) from exc
    if day.weekday() != 0:
        raise InvalidInput(
            f"start_week must be a Monday, got {day} ({day:%A})",
            [FieldError(None, "start_week", "must be a Monday", day.isoformat())],
        )
    return day


class LongRangeForecaster:
    """Weekly volume and handle-time forecasts per queue (see the module docstring).

    Parameters
    ----------
    model:
        ``ets`` (the model) or ``naive`` (the mean of the latest weeks: the baseline).
    country:
        ISO country code of the public holidays (``holidays`` package); None for none.
    events:
        Known events, in the history (divided out) and in the future (multiplied in).
    interval_minutes:
        Interval length of the expanded forecast; the history is summed into it first. None
        keeps the history's own length.
    holiday_factor:
        A holiday's volume as a share of a normal day, for every queue; None learns it per queue
        from the history (0 when it shows the queue closed on holidays, 1 when it holds none).
    yearly_min_weeks:
        Weeks of history from which a yearly season is fitted.

    Examples
    --------
    >>> forecaster = LongRangeForecaster(country="US")  # doctest: +SKIP
    >>> weekly = forecaster.fit(history).predict("2026-06-01", 26)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        model: str = "ets",
        country: str | None = None,
        events: Sequence[Event] = (),
        interval_minutes: int | None = None,
        holiday_factor: float | None = None,
        yearly_min_weeks: int = YEARLY_MIN_WEEKS,
    ) -> None:
        self.model = model
        self.country = country
        self.events = events
        self.interval_minutes = interval_minutes
        self.holiday_factor = holiday_factor
        self.yearly_min_weeks = yearly_min_weeks

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters given to ``__init__``."""
        return {
            "model": self.model,
            "country": self.country,
            "events": self.events,
            "interval_minutes": self.interval_minutes,
            "holiday_factor": self.holiday_factor,
            "yearly_min_weeks": self.yearly_min_weeks,
        }

    def clone(self) -> LongRangeForecaster:
        """An unfitted copy with the same hyperparameters."""
        return LongRangeForecaster(**self.get_params())

    def fit(self, history: pd.DataFrame) -> Self:
        """Learn weekly totals, weekday shares and intraday profiles from an interval history.

        Parameters
        ----------
        history:
            Interval history (``queue``, tz-aware ``interval_start``, ``offered`` contacts per
            interval, optional ``aht_s`` seconds) of one or many queues.

        Raises
        ------
        InvalidInput
            A broken history, an unknown model, or a queue with fewer than :data:`MIN_WEEKS`
            known weeks.
        """
        if self.model not in MODELS:
            raise InvalidInput(
                f"unknown long-range model {self.model!r}; models: {', '.join(MODELS)}",
                [FieldError(None, "model", f"must be one of {', '.join(MODELS)}", self.model)],
            )
        if self.interval_minutes is not None:
            history = coarsen_history(history, self.interval_minutes)
        prepared = prepare_history(history, country=self.country, minutes=self.interval_minutes)
        return self.fit_prepared(prepared)

    def fit_prepared(self, prepared: PreparedHistory) -> Self:
        """Learn from a history already on its local grid (see :meth:`fit`)."""
        weekly = weekly_history(prepared, self.events)
        short = [
            FieldError(None, "history", f"queue needs at least {MIN_WEEKS} known weeks", q)
            for i, q in enumerate(weekly.queues)
            if np.isfinite(weekly.clean[i]).sum() < MIN_WEEKS
        ]
        if short:
            raise InvalidInput(
                f"history too short for a long-range forecast of {len(short)} queue(s)", short
            )
        self.prepared_ = prepared
        self.weekly_ = weekly
        if self.holiday_factor is not None:
            weekly.holiday_factor[:] = self.holiday_factor
        self.profile_ = weekday_profile(prepared, PROFILE_WEEKS)
        profile_aht = handle_time_forecast(prepared)
        known = np.isfinite(weekly.aht)
        count = known.sum(axis=1)
        mean_aht = np.where(known, weekly.aht, 0.0).sum(axis=1) / np.maximum(count, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            relative = profile_aht / np.where(count > 0, mean_aht, np.nan)[:, None, None]
        self.aht_relative_ = np.where(np.isfinite(relative) & (relative > 0), relative, 1.0)
        return self

    def _fitted(self) -> WeeklyHistory:
        weekly = getattr(self, "weekly_", None)
        if weekly is None:
            raise NotFitted("LongRangeForecaster is not fitted: call fit(history) first")
        return weekly

    @property
    def queues(self) -> list[str]:
        """The fitted queues."""
        return list(self._fitted().queues)

    @property
    def grid(self) -> Grid:
        """The local interval grid of the fitted history."""
        self._fitted()
        return self.prepared_.grid

    def last_week(self) -> dt.date:
        """Monday of the week holding the history's last day."""
        weekly = self._fitted()
        return pd.Timestamp(weekly.week_starts[-1]).date()

    def history_frame(self) -> pd.DataFrame:
        """The history's weekly totals: ``queue``, ``week_start`` (tz-aware), ``actual``
        (contacts counted), ``clean`` (a normal week's contacts), ``complete``, ``aht_s``."""
        weekly = self._fitted()
        starts = self._week_instants(weekly.week_starts)
        frames = [
            pd.DataFrame(
                {
                    QUEUE: q,
                    WEEK_START: starts,
                    "actual": weekly.actual[i],
                    "clean": weekly.clean[i],
                    "complete": weekly.complete[i],
                    "aht_s": weekly.aht[i],
                }
            )
            for i, q in enumerate(weekly.queues)
        ]
        return pd.concat(frames, ignore_index=True)

    def _week_instants(self, mondays: np.ndarray) -> pd.DatetimeIndex:
        tz = self.prepared_.grid.tz
        return pd.DatetimeIndex(pd.to_datetime(mondays.astype("datetime64[ns]"))).tz_localize(
            tz, nonexistent="shift_forward", ambiguous=True
        )

    def _shape_index(self, queue: str, like: str | None) -> int:
        queues = self._fitted().queues
        source = like or queue
        if source not in queues:
            raise InvalidInput(
                f"queue {source!r} has no history to take a weekly and intraday shape from",
                [FieldError(None, "queue", f"must be one of {queues}", source)],
            )
        return queues.index(source)

    def week_weights(
        self, queue: str, mondays: np.ndarray, like: str | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each day's weight in its week and its handle-time factor, per (week, weekday).

        A day's weight is its weekday share; a public holiday's is that times the queue's
        holiday factor, and the volume it loses goes, times the carry-over, to the week's other
        open days in proportion to their shares; known events multiply the result. A normal
        week's weights sum to 1.

        Parameters
        ----------
        queue:
            The queue (events are matched by its name).
        mondays:
            Mondays (``datetime64[D]``) of the weeks.
        like:
            A fitted queue whose shares, holiday factor and carry-over `queue` borrows (a new
            queue); None for `queue` itself.

        Returns
        -------
        tuple of numpy.ndarray
            (weight, event handle-time factor, public-holiday flag), each (week, 7).
        """
        weekly = self._fitted()
        q = self._shape_index(queue, like)
        mondays = np.asarray(mondays, dtype="datetime64[D]")
        days = (mondays[:, None] + np.arange(7)[None, :]).reshape(-1)
        holiday = holiday_mask(days, self.country).reshape(-1, 7)
        volume_factor, aht_factor = event_factors(self.events, [queue], days)
        share = np.broadcast_to(weekly.weekday_share[q], holiday.shape)
        factor = weekly.holiday_factor[q]
        on_holiday = holiday & (share > 0)
        lost = np.where(on_holiday, share * (1.0 - factor), 0.0).sum(axis=1, keepdims=True)
        others = np.where(on_holiday, 0.0, share).sum(axis=1, keepdims=True)
        boost = np.divide(
            weekly.carry_over[q] * lost, others, out=np.zeros_like(lost), where=others > 0
        )
        weight = np.where(on_holiday, share * factor, share * (1.0 + boost))
        weight = weight * volume_factor[0].reshape(-1, 7)
        return weight, aht_factor[0].reshape(-1, 7), holiday

    def predict(
        self, start_week: dt.date | str, weeks: int, *, handle_time: bool = True
    ) -> pd.DataFrame:
        """Forecast every fitted queue for `weeks` local weeks from the Monday `start_week`.

        Parameters
        ----------
        start_week:
            A Monday after the history's last week.
        weeks:
            Number of weeks (>= 1).
        handle_time:
            Forecast handle time too (False leaves ``aht_s`` NaN: backtests of volume).

        Returns
        -------
        pandas.DataFrame
            WEEKLY_FORECAST_COLUMNS, one row per (queue, week): contacts per week (``volume`` =
            ``volume_p50``, ``volume_p10``, ``volume_p90``), handle time in seconds (NaN for a
            queue whose history has none), days with weight (``open_days``), public holidays,
            weeks ahead of the queue's last known week, and the model that made it.
        """
        weekly = self._fitted()
        first = _check_start(start_week)
        if isinstance(weeks, bool) or not isinstance(weeks, (int, np.integer)) or weeks < 1:
            raise InvalidInput(
                "weeks must be an integer >= 1", [FieldError(None, "weeks", ">= 1", weeks)]
            )
        if first <= self.last_week():
            raise InvalidInput(
                f"start_week {first} must be after the history's last week "
                f"(week of {self.last_week()})",
                [FieldError(None, "start_week", "must be after the history", first.isoformat())],
            )
        mondays = np.datetime64(first, "D") + 7 * np.arange(int(weeks))
        frames = []
        for q, queue in enumerate(weekly.queues):
            span = weekly.known_span(q)
            last = weekly.week_starts[span.stop - 1]
            horizon = ((mondays - last).astype(np.int64) // 7).astype(np.int64)
            volume = forecast_series(
                weekly.clean[q, span], int(horizon.max()), self.model, self.yearly_min_weeks
            )
            mean, p10, p90 = _band(volume.mean[horizon - 1], volume.sigma, horizon)
            weight, aht_factor, holiday = self.week_weights(queue, mondays)
            factor = weight.sum(axis=1)
            aht_mean = aht_p10 = aht_p90 = np.full(weeks, np.nan)
            aht_known = weekly.aht[q, span]
            if handle_time and np.isfinite(aht_known).sum() >= 1:
                aht = forecast_series(
                    aht_known, int(horizon.max()), self.model, self.yearly_min_weeks
                )
                aht_mean, aht_p10, aht_p90 = _band(aht.mean[horizon - 1], aht.sigma, horizon)
                with np.errstate(invalid="ignore", divide="ignore"):
                    scale = np.where(factor > 0, (weight * aht_factor).sum(axis=1) / factor, 1.0)
                aht_mean, aht_p10, aht_p90 = aht_mean * scale, aht_p10 * scale, aht_p90 * scale
            frames.append(
                pd.DataFrame(
                    {
                        QUEUE: queue,
                        WEEK_START: self._week_instants(mondays),
                        "volume": mean * factor,
                        "volume_p10": p10 * factor,
                        "volume_p50": mean * factor,
                        "volume_p90": p90 * factor,
                        "aht_s": aht_mean,
                        "aht_s_p10": aht_p10,
                        "aht_s_p90": aht_p90,
                        "open_days": (weight > 0).sum(axis=1),
                        "holidays": holiday.sum(axis=1),
                        "horizon_weeks": horizon,
                        "model": volume.model,
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        frame[QUEUE] = frame[QUEUE].astype("str")
        return frame[WEEKLY_FORECAST_COLUMNS]

    def daily(
        self,
        weekly: pd.DataFrame,
        columns: Sequence[str] = ("volume", "volume_p10", "volume_p90"),
        shapes: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """Spread weekly totals over the days of their weeks.

        Parameters
        ----------
        weekly:
            Rows with ``queue``, ``week_start`` (a Monday), `columns` (contacts per week) and
            ``aht_s`` (seconds), e.g. :meth:`predict`'s answer, possibly rescaled.
        columns:
            Weekly volume columns to spread.
        shapes:
            Queue -> fitted queue whose weekday shares it borrows (new queues).

        Returns
        -------
        pandas.DataFrame
            ``queue``, ``date`` (local, ``datetime64[D]``), `columns` (contacts per day) and
            ``aht_s`` (seconds; the week's value times the day's event factor).
        """
        shapes = shapes or {}
        frames = []
        for queue, rows in weekly.groupby(QUEUE, sort=True):
            name = str(queue)
            mondays = np.array(
                [np.datetime64(pd.Timestamp(w).date(), "D") for w in rows[WEEK_START]]
            )
            days = (mondays[:, None] + np.arange(7)[None, :]).reshape(-1)
            weight, aht_factor, _ = self.week_weights(name, mondays, shapes.get(name))
            totals = weight.sum(axis=1, keepdims=True)
            share = np.divide(weight, totals, out=np.zeros_like(weight), where=totals > 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                aht_scale = np.where(
                    totals[:, 0] > 0,
                    (weight * aht_factor).sum(axis=1) / totals[:, 0],
                    1.0,
                )
            data: dict[str, Any] = {QUEUE: name, "date": days}
            for column in columns:
                data[column] = (rows[column].to_numpy(dtype=float)[:, None] * share).reshape(-1)
            base_aht = rows["aht_s"].to_numpy(dtype=float) / aht_scale
            data["aht_s"] = (base_aht[:, None] * aht_factor).reshape(-1)
            frames.append(pd.DataFrame(data))
        return pd.concat(frames, ignore_index=True)

    def monthly(
        self,
        weekly: pd.DataFrame,
        columns: Sequence[str] = ("volume", "volume_p10", "volume_p90"),
        shapes: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """Monthly totals of weekly forecasts (days spread as in :meth:`daily`).

        Returns
        -------
        pandas.DataFrame
            ``queue``, ``month`` (``YYYY-MM``), `columns` (contacts in the month's covered
            days; the p10/p90 sums treat weeks as fully correlated, so the band is not narrowed
            by adding weeks), ``aht_s`` (contact-weighted seconds), ``days`` covered and
            ``days_in_month``.
        """
        daily = self.daily(weekly, columns, shapes)
        month = pd.DatetimeIndex(daily["date"].to_numpy()).to_period("M")
        daily["month"] = month.astype(str)
        daily["seconds"] = daily["aht_s"].fillna(0.0) * daily["volume"]
        daily["weight"] = np.where(daily["aht_s"].notna(), daily["volume"], 0.0)
        daily["days"] = 1
        out = daily.groupby([QUEUE, "month"], as_index=False, sort=True)[
            [*columns, "seconds", "weight", "days"]
        ].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["aht_s"] = np.where(out["weight"] > 0, out["seconds"] / out["weight"], np.nan)
        out["days_in_month"] = pd.PeriodIndex(out["month"], freq="M").days_in_month
        return out[[QUEUE, "month", *columns, "aht_s", "days", "days_in_month"]]

    def intervals(
        self,
        weekly: pd.DataFrame,
        column: str = "volume",
        shapes: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """Spread weekly totals over every local interval of their weeks, for the staffing maths.

        Parameters
        ----------
        weekly:
            Rows with ``queue``, ``week_start``, `column` (contacts per week) and ``aht_s``.
        column:
            The weekly volume column to spread (``volume``, ``volume_p10``, ``volume_p90``).
        shapes:
            Queue -> fitted queue whose weekday and intraday shape it borrows (new queues).

        Returns
        -------
        pandas.DataFrame
            ``queue``, ``interval_start`` (tz-aware, local grid of the history), ``volume``
            (contacts per interval) and ``aht_s`` (seconds), only intervals with contacts. Each
            day's intraday shares are normalised over the intervals the day really has, so a
            23- or 25-hour DST day keeps its total.
        """
        self._fitted()
        shapes = shapes or {}
        grid = self.prepared_.grid
        daily = self.daily(weekly, (column,), shapes)
        frames = []
        for queue, rows in daily.groupby(QUEUE, sort=True):
            name = str(queue)
            q = self._shape_index(name, shapes.get(name))
            rows = rows.sort_values("date")
            days = rows["date"].to_numpy(dtype="datetime64[D]")
            span = int((days[-1] - days[0]).astype(np.int64)) + 1
            instants = interval_grid(pd.Timestamp(days[0]).date(), span, grid.minutes, grid.tz)
            on_day, slot = grid.locate(instants)
            position = np.minimum(np.searchsorted(days, on_day), days.size - 1)
            wanted = days[position] == on_day
            instants, on_day, slot, position = (
                instants[wanted],
                on_day[wanted],
                slot[wanted],
                position[wanted],
            )
            weekday = weekday_of(on_day)
            shares = self.profile_[q, weekday, slot]
            relative = self.aht_relative_[q, weekday, slot]
            day_sum = np.zeros(days.size)
            np.add.at(day_sum, position, shares)
            norm = np.divide(
                shares, day_sum[position], out=np.zeros_like(shares), where=day_sum[position] > 0
            )
            # The day's contact-weighted handle time stays the day's forecast: the profile only
            # moves it between intervals.
            day_relative = np.zeros(days.size)
            np.add.at(day_relative, position, norm * relative)
            relative = relative / np.where(day_relative[position] > 0, day_relative[position], 1.0)
            volume = rows[column].to_numpy(dtype=float)[position] * norm
            aht = rows["aht_s"].to_numpy(dtype=float)[position] * relative
            busy = volume > 0
            frames.append(
                pd.DataFrame(
                    {
                        QUEUE: name,
                        INTERVAL_START: instants[busy],
                        "volume": volume[busy],
                        "aht_s": aht[busy],
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        frame[QUEUE] = frame[QUEUE].astype("str")
        return frame


def week_of(instants: pd.Series) -> pd.Series:
    """Local midnight of the Monday starting each instant's local week (same zone)."""
    tz = instants.dt.tz
    days = instants.dt.tz_localize(None).to_numpy().astype("datetime64[D]")
    mondays = monday_of(days).astype("datetime64[ns]")
    return pd.Series(
        pd.DatetimeIndex(mondays).tz_localize(tz, nonexistent="shift_forward", ambiguous=True),
        index=instants.index,
    )
