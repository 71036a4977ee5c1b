"""Daily peaks and the real calendar: closed intervals, missing days, holidays, DST."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from forecast_synthetic import TZ, make_history

from features.calendar import infer_interval_minutes
from forecasting.history import prepare_history
from forecasting.peaks import daily_peaks
from forecasting.selection import make_forecaster


def test_daily_peaks_by_hand() -> None:
    starts = pd.date_range("2026-03-02 09:00", periods=4, freq="15min", tz=TZ)
    second = pd.date_range("2026-03-03 09:00", periods=4, freq="15min", tz=TZ)
    closed = pd.date_range("2026-03-04 09:00", periods=4, freq="15min", tz=TZ)
    frame = pd.DataFrame(
        {
            "queue": "q",
            "interval_start": starts.append(second).append(closed),
            "volume": [1.0, 7.0, 3.0, 7.0, 2.0, 2.0, 9.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    peaks = daily_peaks(frame)
    assert list(peaks.columns) == ["queue", "date", "interval_start", "volume"]
    assert peaks["interval_start"].tolist() == [starts[1], second[2]]  # ties: the first
    assert peaks["volume"].tolist() == [7.0, 9.0]
    assert [str(d) for d in peaks["date"]] == ["2026-03-02", "2026-03-03"]


def test_peaks_use_the_local_day() -> None:
    late = pd.Timestamp("2026-03-02 23:45", tz=TZ)  # 22:45 UTC, still the 2nd in Berlin
    frame = pd.DataFrame({"queue": "q", "interval_start": [late], "offered": [4.0]})
    assert str(daily_peaks(frame, "offered")["date"].iloc[0]) == "2026-03-02"


def test_grid_zero_closed_intervals_nan_missing_days() -> None:
    history = make_history(start="2026-01-05", end="2026-02-02", drop_days=("2026-01-14",))
    prepared = prepare_history(history)
    billing = prepared.queues.index("billing")
    days = [str(d) for d in prepared.days]
    wednesday = days.index("2026-01-14")
    saturday = days.index("2026-01-10")
    assert np.isnan(prepared.volume[billing, wednesday]).all()
    assert not prepared.observed[billing, wednesday]
    assert (prepared.volume[billing, saturday] == 0).all()
    assert prepared.observed[billing, saturday]
    assert (prepared.volume[billing, days.index("2026-01-13"), :32] == 0).all()  # before 08:00
    assert prepared.open_weekday[billing].tolist() == [True] * 5 + [False] * 2
    sales = prepared.queues.index("sales")
    assert prepared.open_weekday[sales].tolist() == [True] * 6 + [False]


def test_holidays_absent_are_closed_only_for_that_holiday() -> None:
    # Christmas, the second day of Christmas and New Year are absent: closed holidays with DE,
    # missing days (data gaps) without a country.
    dropped = ("2025-12-25", "2025-12-26", "2026-01-01")
    history = make_history(start="2025-12-01", end="2026-01-31", drop_days=dropped)
    without = prepare_history(history)
    with_de = prepare_history(history, country="DE")
    assert not without.closed_on_holidays.any()
    assert with_de.closed_on_holidays.tolist() == [True, True]
    assert [str(d) for d in without.missing_days["billing"]] == list(dropped)
    assert with_de.missing_days == {"billing": [], "sales": []}
    for name in ("seasonal_average", "auto"):
        model = make_forecaster(name, country="DE").fit(history)
        # Easter Monday was never seen: open, like an ordinary Monday, with a wider band.
        easter = model.predict(pd.Timestamp("2026-04-06", tz=TZ), 96)
        ordinary = model.predict(pd.Timestamp("2026-04-13", tz=TZ), 96)
        assert easter["volume"].sum() == pytest.approx(ordinary["volume"].sum(), rel=0.02)
        easter_width = (easter["volume_p90"] - easter["volume_p10"]).sum()
        ordinary_width = (ordinary["volume_p90"] - ordinary["volume_p10"]).sum()
        assert easter_width > 1.5 * ordinary_width
        # Christmas was seen closed: closed again next year; the day after Boxing Day is open.
        christmas = model.predict(pd.Timestamp("2026-12-25", tz=TZ), 2 * 96)
        assert christmas["volume_p90"].sum() == 0
        assert model.predict(pd.Timestamp("2026-12-28", tz=TZ), 96)["volume"].sum() > 0
        notes = model.calendar_notes(np.array(["2026-04-06", "2026-12-25"], dtype="datetime64[D]"))
        billing = notes[notes["queue"] == "billing"].set_index("holiday")["treatment"]
        assert billing.to_dict() == {
            "Easter Monday": "open (never seen: band widened)",
            "Christmas Day": "closed",
        }


def test_same_interval_last_week_follows_the_wall_clock_across_dst() -> None:
    history = make_history(start="2026-03-02", end="2026-03-28")
    spike = history["interval_start"] == pd.Timestamp("2026-03-23 09:00", tz=TZ)
    history.loc[spike & (history["queue"] == "billing"), "offered"] = 500.0
    model = make_forecaster("seasonal_naive").fit(history)
    forecast = model.predict(pd.Timestamp("2026-03-30", tz=TZ), 96)  # after the spring change
    billing = forecast[forecast["queue"] == "billing"].set_index("interval_start")["volume"]
    assert billing.loc[pd.Timestamp("2026-03-30 09:00", tz=TZ)] == 500.0
    assert billing.idxmax() == pd.Timestamp("2026-03-30 09:00", tz=TZ)


def test_fall_back_day_repeated_hour_holds_the_mean() -> None:
    starts = pd.date_range("2025-10-26 00:00", "2025-10-27 00:00", freq="15min", tz=TZ)[:-1]
    assert len(starts) == 100
    offered = np.where(starts.tz_convert("UTC").hour == 0, 10.0, 2.0)  # first 02:00 hour
    history = pd.DataFrame({"queue": "q", "interval_start": starts, "offered": offered})
    prepared = prepare_history(history)
    assert prepared.volume.shape == (1, 1, 96)
    assert prepared.volume[0, 0, 8] == pytest.approx((10.0 + 2.0) / 2)  # 02:00 local slot
    assert prepared.volume[0, 0, 12] == pytest.approx(2.0)


def test_interval_length_is_inferred_from_spacing() -> None:
    history = make_history(start="2026-01-05", end="2026-02-02")
    half_hours = history[history["interval_start"].dt.minute.isin([0, 30])]
    assert infer_interval_minutes(half_hours, default=15) == 30
    model = make_forecaster("seasonal_naive").fit(half_hours)
    forecast = model.predict(pd.Timestamp("2026-02-02", tz=TZ), 48)
    starts = forecast.loc[forecast["queue"] == "billing", "interval_start"]
    assert (starts.diff().dropna() == pd.Timedelta(minutes=30)).all()
    assert starts.iloc[-1] == pd.Timestamp("2026-02-02 23:30", tz=TZ)
