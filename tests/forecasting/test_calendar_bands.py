"""Missing days, calibrated bands over many origins, handle time and what auto picks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from forecast_synthetic import TZ, make_history

from forecasting.backtest import backtest
from forecasting.handle_time import handle_time_forecast
from forecasting.history import prepare_history
from forecasting.quantiles import ResidualQuantiles, nb_quantile
from forecasting.selection import make_forecaster


def test_a_missing_day_is_skipped_not_a_zero() -> None:
    full = make_history(start="2026-01-05", end="2026-03-02", seed=11)
    gap = "2026-02-25"  # a Wednesday: an export gap in both queues
    dropped = full[full["interval_start"].dt.strftime("%Y-%m-%d") != gap]
    zeroed = full.copy()
    zeroed.loc[zeroed["interval_start"].dt.strftime("%Y-%m-%d") == gap, "offered"] = 0.0
    prepared = prepare_history(dropped)
    assert [str(d) for d in prepared.missing_days["billing"]] == [gap]
    wednesday = pd.Timestamp("2026-03-04", tz=TZ)
    for name in ("seasonal_average", "weekday_level"):
        with_gap = make_forecaster(name).fit(dropped)
        assert [str(d) for d in with_gap.missing_days_["sales"]] == [gap]
        skipped = with_gap.predict(wednesday, 96)
        complete = make_forecaster(name).fit(full).predict(wednesday, 96)
        zeros = make_forecaster(name).fit(zeroed).predict(wednesday, 96)
        # The gap changes the forecast little; read as a zero day it drags the mean of the last
        # four Wednesdays down by a quarter (weekday_level leaves any empty opening day out).
        assert skipped["volume"].sum() == pytest.approx(complete["volume"].sum(), rel=0.06)
        if name == "seasonal_average":
            assert zeros["volume"].sum() == pytest.approx(0.75 * complete["volume"].sum(), rel=0.01)


def test_a_small_queue_without_contacts_on_a_day_with_data_has_a_zero_day() -> None:
    history = make_history(start="2026-01-05", end="2026-02-16", seed=2)
    tiny = history[history["queue"] == "sales"].copy()
    tiny["queue"] = "tiny"
    tiny = tiny.iloc[::40].assign(offered=1.0)  # a few contacts a day
    day = "2026-02-11"
    tiny = tiny[tiny["interval_start"].dt.strftime("%Y-%m-%d") != day]
    prepared = prepare_history(pd.concat([history, tiny], ignore_index=True))
    q = prepared.queues.index("tiny")
    position = [str(d) for d in prepared.days].index(day)
    assert prepared.missing_days["tiny"] == []
    assert prepared.observed[q, position] and prepared.daily[q, position] == 0


def test_negative_binomial_dispersion_is_recovered() -> None:
    rng = np.random.default_rng(4)
    mean = np.full(20_000, 60.0)
    actual = rng.poisson(mean * rng.gamma(50.0, 1 / 50.0, size=mean.size)).astype(float)
    band = ResidualQuantiles.fit(np.full(mean.size, "q"), actual, mean)
    assert band.phi(np.array(["q"]))[0] == pytest.approx(1 / 50, rel=0.15)
    low, high = band.band(np.full(mean.size, "q"), mean)
    # At least 80 %; a little more because integer counts tie at the band edge.
    assert 0.80 <= ((actual >= low) & (actual <= high)).mean() <= 0.82
    # Poisson quantiles without extra dispersion; 0 for a closed interval.
    assert nb_quantile(np.array([100.0, 0.0]), np.zeros(2), 0.9).tolist()[1] == 0.0
    assert nb_quantile(np.array([100.0]), np.zeros(1), 0.9)[0] == pytest.approx(113.0, abs=1.0)


def _level_noise_history(weeks: int, cv: float, seed: int) -> pd.DataFrame:
    """One queue, weekdays 08:00-18:00, a fixed weekly shape, each day's level Gamma(cv)."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range(pd.Timestamp("2026-01-05", tz=TZ), periods=weeks * 7 * 96, freq="15min")
    local = starts.tz_localize(None)
    hours = local.hour + local.minute / 60
    is_open = (local.day_of_week < 5) & (hours >= 8) & (hours < 18)
    shape = 30.0 * np.exp(-(((hours - 12.0) / 3.0) ** 2)) + 5.0
    day = (local.normalize() - local[0].normalize()).days.to_numpy()
    level = rng.gamma(1 / cv**2, cv**2, size=day.max() + 1)[day]
    offered = rng.poisson(shape * level).astype(float)
    return pd.DataFrame({"queue": "q", "interval_start": starts, "offered": offered})[is_open]


def test_bands_recover_a_known_spread_over_many_origins() -> None:
    # Day levels spread 10 % around a stable week: the band must learn phi near 0.01 and cover
    # about 80 % of the intervals of weeks it has not seen, at every one of many origins.
    history = _level_noise_history(weeks=16, cv=0.10, seed=9)
    model = make_forecaster("weekday_level").fit(history)
    phi = model.quantiles_.phi(np.array(["q"] * 7), np.arange(1, 8))
    assert 0.006 <= phi.min() <= phi.max() <= 0.03
    result = backtest(history, ["weekday_level"], horizon_days=7, step_days=7)
    # The history ends on a Friday, so the folds start on Saturdays: every weekly cutoff with
    # four weeks of history before it.
    assert len(result.fold_scores()) == 11
    coverage = result.summary().loc[0, "coverage_p10_p90"]
    assert 0.75 <= coverage <= 0.85
    by_day = result.coverage_by_horizon()
    assert by_day["horizon_day"].tolist() == [3, 4, 5, 6, 7]  # Monday..Friday
    assert by_day["coverage_p10_p90"].between(0.65, 0.92).all()


def test_backtest_reports_what_auto_picked_at_each_cutoff() -> None:
    history = make_history(start="2026-01-05", end="2026-03-02", seed=5)
    result = backtest(history, ["auto"], horizon_days=7, folds=2)
    picks = result.picks
    assert list(picks.columns) == ["model", "queue", "fold", "cutoff", "picked"]
    assert len(picks) == 4  # two queues x two folds
    assert set(picks["picked"]) == {"auto[ets+weekday_level;pooled]"}
    assert (result.metrics["model"] == "auto").all()


def test_handle_time_is_the_recent_contact_weighted_mean() -> None:
    history = make_history(start="2026-01-05", end="2026-03-02", seed=6)
    rng = np.random.default_rng(1)
    billing = history["queue"] == "billing"
    history.loc[billing, "aht_s"] = rng.lognormal(np.log(200.0), 0.8, size=int(billing.sum()))
    prepared = prepare_history(history)
    forecast = handle_time_forecast(prepared)
    q = prepared.queues.index("billing")
    recent = history[billing & (history["interval_start"] >= pd.Timestamp("2026-02-02", tz=TZ))]
    expected = (recent["aht_s"] * recent["offered"]).sum() / recent["offered"].sum()
    volume = np.nan_to_num(prepared.volume[q, -28:])
    weekday = prepared.weekday[-28:]
    weighted = (forecast[q, weekday, :] * volume).sum() / volume.sum()
    assert weighted == pytest.approx(expected, rel=0.03)
    assert np.isnan(forecast[prepared.queues.index("sales")]).all()
