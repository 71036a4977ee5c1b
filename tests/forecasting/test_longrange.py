"""Long-range weekly forecasts: clean weekly totals (gaps, holidays, events), the weekly model
with its band, the calendar of future weeks, and the spread back to days and intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput, NotFitted
from features.schema import WEEKLY_FORECAST_COLUMNS
from forecasting.history import prepare_history
from forecasting.longrange import LongRangeForecaster, forecast_series
from forecasting.longrange_backtest import backtest_longrange
from forecasting.weekly import Event, weekly_history
from tests.forecasting.longrange_synthetic import make_weekly_history


def test_a_missing_day_is_estimated_from_the_weekday_shares():
    history = make_weekly_history(weeks=6, closed_days=["2026-01-23"])  # a Friday gap
    weekly = weekly_history(prepare_history(history))
    np.testing.assert_allclose(weekly.weekday_share[0], [0.24, 0.2, 0.2, 0.2, 0.16, 0, 0])
    # Week 3 lost its Friday (16 %): (1000 - 160) / (1 - 0.16) = 1000.
    np.testing.assert_allclose(weekly.clean[0], 1000.0)
    assert weekly.actual[0, 2] == pytest.approx(840.0)
    assert weekly.complete[0].tolist() == [True, True, False, True, True, True]


def test_holiday_weeks_measure_holiday_factor_and_carry_over():
    # Good Friday 2026-04-03 and Easter Monday 2026-04-06 (DE) are closed; half of Easter
    # Monday's volume (0.24 x 1000 / 2 = 120) is phoned in on the Tuesday after.
    history = make_weekly_history(
        weeks=8,
        start="2026-03-02",
        closed_days=["2026-04-03", "2026-04-06"],
        day_factors={"2026-04-07": 1.6},
    )
    weekly = weekly_history(prepare_history(history, country="DE"))
    assert np.isnan(weekly.clean[0, 4]) and np.isnan(weekly.clean[0, 5])
    assert weekly.actual[0, 4] == pytest.approx(840.0) and weekly.complete[0, 4]
    assert weekly.actual[0, 5] == pytest.approx(880.0) and weekly.complete[0, 5]
    assert weekly.holiday_factor[0] == 0.0
    # Carry-over per holiday week: 1 - (1 - kept) / lost = 0 (Friday) and 1 - 0.12/0.24 = 0.5.
    assert weekly.carry_over[0] == pytest.approx(0.25)
    forecaster = LongRangeForecaster(country="DE").fit(history)
    forecast = forecaster.predict("2026-04-27", 2).set_index("week_start")["volume"]
    # Labour Day (Friday 2026-05-01): 1 - 0.16 + 0.25 x 0.16 = 0.88 of a normal week.
    assert forecast.iloc[0] == pytest.approx(880.0, rel=1e-6)
    assert forecast.iloc[1] == pytest.approx(1000.0, rel=1e-6)


def test_events_are_divided_out_of_history_and_multiplied_into_the_future():
    past = Event(
        "mailing",
        pd.Timestamp("2026-01-20").date(),
        pd.Timestamp("2026-01-20").date(),
        queue="billing",
        volume_factor=2.0,
    )
    future = Event(
        "price change",
        pd.Timestamp("2026-03-11").date(),
        pd.Timestamp("2026-03-11").date(),
        volume_factor=2.0,
        aht_factor=1.5,
    )
    history = make_weekly_history(weeks=8, aht_s=300.0, day_factors={"2026-01-20": 2.0})
    weekly = weekly_history(prepare_history(history), [past])
    np.testing.assert_allclose(weekly.clean[0], 1000.0)
    forecaster = LongRangeForecaster(events=[past, future]).fit(history)
    forecast = forecaster.predict("2026-03-02", 2)
    # Wednesday (20 %) doubled: 1.2 normal weeks; its handle time x 1.5 weighs 400 of 1200.
    assert forecast["volume"].tolist() == pytest.approx([1000.0, 1200.0], rel=1e-6)
    assert forecast["aht_s"].iloc[1] == pytest.approx(300.0 * (800 + 400 * 1.5) / 1200, rel=1e-6)
    daily = forecaster.daily(forecast).set_index("date")
    assert daily.loc[np.datetime64("2026-03-11"), "volume"] == pytest.approx(400.0)
    assert daily.loc[np.datetime64("2026-03-11"), "aht_s"] == pytest.approx(450.0)
    assert daily.loc[np.datetime64("2026-03-12"), "aht_s"] == pytest.approx(300.0)


def test_forecast_frame_band_and_validation():
    bumpy = lambda k: 1.0 + 0.05 * math.sin(1.7 * k)  # noqa: E731
    history = make_weekly_history(weeks=20, level_of_week=bumpy)
    forecaster = LongRangeForecaster()
    with pytest.raises(NotFitted):
        forecaster.predict("2026-06-01", 4)
    forecaster.fit(history)
    forecast = forecaster.predict("2026-05-25", 26)
    assert list(forecast.columns) == WEEKLY_FORECAST_COLUMNS
    assert forecast["horizon_weeks"].tolist() == list(range(1, 27))
    width = (forecast["volume_p90"] - forecast["volume_p10"]) / forecast["volume"]
    assert (np.diff(width) > 0).all()
    assert (forecast["volume_p10"] < forecast["volume"]).all()
    assert (forecast["volume"] < forecast["volume_p90"]).all()
    assert forecast["aht_s"].isna().all()
    assert forecast["open_days"].eq(5).all()
    with pytest.raises(InvalidInput) as monday:
        forecaster.predict("2026-05-26", 4)
    assert monday.value.errors[0].field == "start_week"
    with pytest.raises(InvalidInput) as inside:
        forecaster.predict("2026-05-18", 4)
    assert "after the history" in str(inside.value)
    with pytest.raises(InvalidInput) as short:
        LongRangeForecaster().fit(make_weekly_history(weeks=3))
    assert short.value.errors[0].value == "billing"


def test_two_years_of_history_fit_the_yearly_season():
    season = lambda k: 1.0 + 0.3 * math.sin(2 * math.pi * k / 52)  # noqa: E731
    history = make_weekly_history(weeks=110, start="2024-01-01", level_of_week=season)
    forecaster = LongRangeForecaster().fit(history)
    forecast = forecaster.predict((pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=110)).date(), 52)
    assert forecast["model"].iloc[0].startswith("stl_ets")
    expected = np.array([1000 * season(110 + h) for h in range(52)])
    wape = np.abs(forecast["volume"].to_numpy() - expected).sum() / expected.sum()
    assert wape < 0.03
    one_year = LongRangeForecaster().fit(history[history["interval_start"] >= "2025-01-06"])
    assert (
        not one_year.predict(forecast["week_start"].iloc[0].date(), 4)["model"]
        .iloc[0]
        .startswith("stl")
    )


def test_series_band_uses_the_larger_of_fit_and_rolling_errors():
    values = np.array([100.0, 110, 90, 105, 95, 100, 108, 92, 101, 99, 104, 96])
    result = forecast_series(values, 4)
    assert result.mean.shape == (4,) and result.sigma > 0
    naive = forecast_series(values, 4, model="naive")
    assert naive.model == "naive"
    assert np.exp(naive.mean[0]) == pytest.approx(np.mean(values[-4:]))


def test_intervals_keep_day_totals_on_dst_days():
    history = make_weekly_history(
        weeks=5, start="2026-02-16", open_hours=(0, 24), weekday_shares=(1 / 7,) * 7
    )
    forecaster = LongRangeForecaster().fit(history)
    weekly = forecaster.predict("2026-03-23", 1)
    intervals = forecaster.intervals(weekly)
    day = intervals["interval_start"].dt.strftime("%Y-%m-%d")
    assert (day == "2026-03-29").sum() == 23  # spring forward: 23 local hours
    assert (day == "2026-03-28").sum() == 24
    totals = intervals.groupby(day)["volume"].sum()
    np.testing.assert_allclose(totals.to_numpy(), weekly["volume"].iloc[0] / 7)
    assert intervals["volume"].sum() == pytest.approx(weekly["volume"].iloc[0])


def test_monthly_totals_add_up_the_days_of_each_month():
    history = make_weekly_history(weeks=10, aht_s=200.0)
    forecaster = LongRangeForecaster().fit(history)
    weekly = forecaster.predict("2026-06-01", 9)  # June 1 to August 2
    monthly = forecaster.monthly(weekly).set_index("month")
    assert monthly.loc["2026-06", "days"] == 30 and monthly.loc["2026-06", "days_in_month"] == 30
    assert monthly.loc["2026-08", "days"] == 2
    assert monthly["volume"].sum() == pytest.approx(weekly["volume"].sum())
    # June: 22 weekdays (Mon 1 .. Tue 30): 4 full weeks + Mon 29 and Tue 30 = 4000 + 240 + 200.
    assert monthly.loc["2026-06", "volume"] == pytest.approx(4440.0, rel=1e-6)
    assert monthly.loc["2026-06", "aht_s"] == pytest.approx(200.0)


def test_backtest_scores_complete_weeks_by_horizon():
    history = make_weekly_history(weeks=16, closed_days=["2026-03-06"])
    result = backtest_longrange(history, horizon_weeks=4, folds=5)
    table = result.by_horizon()
    assert set(table["model"]) == {"ets", "naive"}
    naive = table[table["model"] == "naive"].set_index("horizon_weeks")
    assert naive["wape"].max() == pytest.approx(0.0, abs=1e-9)
    # Origins are weeks 11..15 (one week apart); the week of 2026-03-02 (index 8) is never a
    # test week and the incomplete weeks are not scored: horizon 1 scores 5 weeks.
    assert naive.loc[1, "weeks"] == 5 and naive.loc[4, "weeks"] == 2
    assert result.summary()["weeks"].tolist() == [14, 14]
    with pytest.raises(InvalidInput) as short:
        backtest_longrange(history, horizon_weeks=4, folds=20)
    assert short.value.errors[0].field == "folds"
    with pytest.raises(InvalidInput) as bad:
        backtest_longrange(history, horizon_weeks=0, folds=2, models=["prophet"])
    assert {e.field for e in bad.value.errors} == {"horizon_weeks", "models"}
