"""Metrics against hand-computed values, and the rolling-origin backtest end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from forecast_synthetic import TZ, make_history

from features.errors import InvalidInput
from forecasting import metrics
from forecasting.backtest import METRIC_COLUMNS, backtest

NAN = float("nan")


def test_wape_bias_mase_by_hand() -> None:
    actual = np.array([10.0, 20.0, 30.0])
    forecast = np.array([12.0, 18.0, 30.0])
    assert metrics.wape(actual, forecast) == pytest.approx(4 / 60)
    assert metrics.bias(actual, forecast) == pytest.approx(0.0)
    assert metrics.bias(actual, forecast + 6) == pytest.approx(18 / 60)
    assert metrics.mase(actual, forecast, scale=2.0) == pytest.approx((4 / 3) / 2)
    assert np.isnan(metrics.mase(actual, forecast, scale=0.0))
    assert np.isnan(metrics.wape(np.zeros(3), forecast))


def test_nan_pairs_are_ignored() -> None:
    assert metrics.wape(np.array([10.0, NAN]), np.array([12.0, 5.0])) == pytest.approx(0.2)
    assert metrics.coverage(
        np.array([5.0, NAN]), np.array([4.0, 0.0]), np.array([6.0, 1.0])
    ) == pytest.approx(1.0)


def test_seasonal_scale_is_mean_weekly_difference() -> None:
    history = np.arange(1.0, 10.0)[:, None]  # nine days, one slot: 1..9
    assert metrics.seasonal_scale(history) == pytest.approx(7.0)
    history[8, 0] = NAN
    assert metrics.seasonal_scale(history) == pytest.approx(7.0)
    assert np.isnan(metrics.seasonal_scale(history[:7]))


def test_coverage_and_pinball_by_hand() -> None:
    actual = np.array([10.0, 20.0, 30.0])
    low = np.array([9.0, 21.0, 25.0])
    high = np.array([11.0, 25.0, 30.0])
    assert metrics.coverage(actual, low, high) == pytest.approx(2 / 3)
    assert metrics.pinball(np.array([10.0]), np.array([12.0]), 0.1) == pytest.approx(1.8)
    assert metrics.pinball(np.array([10.0]), np.array([8.0]), 0.1) == pytest.approx(0.2)
    one = np.array([10.0])
    loss = metrics.mean_pinball(one, np.array([8.0]), np.array([10.0]), np.array([15.0]))
    assert loss == pytest.approx((0.2 + 0.0 + 0.5) / 3)


def test_peak_metrics_by_hand() -> None:
    assert metrics.peak_hit_rate(np.array([3, 5, 7, 9]), np.array([3, 6, 7, 9])) == 0.75
    assert metrics.peak_volume_error(
        np.array([100.0, 50.0]), np.array([90.0, 60.0])
    ) == pytest.approx(20 / 150)


def periodic_history(weeks: int = 5) -> pd.DataFrame:
    """The same week repeated exactly: the seasonal-naive forecast is perfect."""
    one_week = make_history(start="2026-01-05", end="2026-01-12", seed=3)
    frames = []
    for k in range(weeks):
        week = one_week.copy()
        week["interval_start"] = week["interval_start"] + pd.Timedelta(days=7 * k)
        frames.append(week)
    return pd.concat(frames, ignore_index=True)


def test_backtest_shapes_cutoffs_and_perfect_naive() -> None:
    history = periodic_history()
    fractions: list[float] = []
    result = backtest(
        history,
        ["seasonal_naive", "seasonal_average"],
        horizon_days=7,
        folds=2,
        progress=lambda f, m: fractions.append(f),
    )
    assert list(result.metrics.columns) == METRIC_COLUMNS
    assert len(result.metrics) == 2 * 2 * 2  # models x queues x folds
    cutoffs = sorted(result.metrics["cutoff"].unique())
    # The history's last day is Saturday 2026-02-07: folds end there, a week apart.
    assert cutoffs == [pd.Timestamp("2026-01-25", tz=TZ), pd.Timestamp("2026-02-01", tz=TZ)]
    assert fractions[-1] == 1.0
    naive = result.metrics[result.metrics["model"] == "seasonal_naive"]
    assert (naive["wape"] == 0).all()
    assert (naive["bias"] == 0).all()
    assert (naive["coverage_p10_p90"] == 1).all()
    assert (naive["peak_hit_rate"] == 1).all()
    assert (naive["peak_volume_error"] == 0).all()
    forecasts = result.forecasts
    assert {"actual", "cutoff", "fold", "scored"} <= set(forecasts.columns)
    assert len(forecasts) == 2 * 2 * 2 * 7 * 96


def test_backtest_metrics_match_forecast_rows_and_skip_missing_days() -> None:
    history = make_history(start="2026-01-05", end="2026-02-16", drop_days=("2026-02-11",))
    result = backtest(history, ["seasonal_average"], horizon_days=7, folds=1)
    rows = result.forecasts
    gap = rows["interval_start"].dt.strftime("%Y-%m-%d") == "2026-02-11"
    assert rows.loc[gap, "actual"].isna().all()
    assert not rows.loc[gap, "scored"].any()
    night = rows["interval_start"].dt.hour == 3
    assert not rows.loc[night, "scored"].any()
    for queue in ("billing", "sales"):
        mine = rows[(rows["queue"] == queue) & rows["scored"]]
        expected = np.abs(mine["actual"] - mine["volume"]).sum() / mine["actual"].sum()
        got = result.metrics.loc[result.metrics["queue"] == queue, "wape"].iloc[0]
        assert got == pytest.approx(expected)
        assert 0 < got < 0.5
    summary = result.summary()
    assert summary.loc[0, "model"] == "seasonal_average"
    assert 0.5 <= summary.loc[0, "coverage_p10_p90"] <= 1.0


def test_backtest_rejects_bad_settings() -> None:
    history = make_history(start="2026-01-05", end="2026-01-26")
    with pytest.raises(InvalidInput, match="too short"):
        backtest(history, ["seasonal_naive"], horizon_days=7, folds=4)
    with pytest.raises(InvalidInput):
        backtest(history, ["seasonal_naive"], horizon_days=0, folds=1)
    with pytest.raises(InvalidInput, match="unknown model"):
        backtest(history, ["nope"], horizon_days=7, folds=1)


def test_residual_quantiles_recover_a_known_band() -> None:
    from forecasting.quantiles import ResidualQuantiles

    rng = np.random.default_rng(0)
    forecast = np.full(5000, 100.0)
    actual = forecast + rng.normal(0, 10.0, size=forecast.size)  # sd 10 at level 100
    band = ResidualQuantiles.fit(np.full(forecast.size, "q"), actual, forecast)
    p10, p90 = band.band(np.array(["q", "other"]), np.array([100.0, 0.0]))
    # Normal 10 % / 90 % quantiles are -/+ 1.2816 sd.
    assert p10[0] == pytest.approx(100 - 12.816, abs=0.8)
    assert p90[0] == pytest.approx(100 + 12.816, abs=0.8)
    assert p10[1] == p90[1] == 0.0  # a closed interval has no band


def test_backtest_band_is_calibrated_on_poisson_volumes() -> None:
    history = make_history(start="2026-01-05", end="2026-03-23", seed=5)
    result = backtest(history, ["seasonal_average"], horizon_days=7, folds=3)
    coverage = result.summary().loc[0, "coverage_p10_p90"]
    assert 0.72 <= coverage <= 0.88
