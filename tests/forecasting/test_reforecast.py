"""Intraday reforecast: hand-computed ratios, weights, bounds and untouched rows; the learned
updater."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput, NotFitted
from forecasting.reforecast import (
    REFORECAST_COLUMNS,
    IntradayUpdater,
    queue_ratios,
    reforecast_intraday,
)

TZ = "Europe/Berlin"


def _forecast() -> pd.DataFrame:
    today = pd.date_range("2026-11-30 08:00", periods=4, freq="15min", tz=TZ)
    tomorrow = pd.date_range("2026-12-01 08:00", periods=2, freq="15min", tz=TZ)
    rows = []
    for queue in ("billing", "sales"):
        for start in [*today, *tomorrow]:
            rows.append(
                {
                    "queue": queue,
                    "interval_start": start,
                    "volume": 10.0,
                    "volume_p10": 6.0,
                    "volume_p50": 10.0,
                    "volume_p90": 14.0,
                    "aht_s": 240.0,
                    "model": "seasonal_average",
                    "model_version": "v1",
                }
            )
    return pd.DataFrame(rows)


def _actuals(billing: list[int], sales: list[int]) -> pd.DataFrame:
    starts = pd.date_range("2026-11-30 08:00", periods=2, freq="15min", tz=TZ)
    return pd.DataFrame(
        {
            "queue": ["billing"] * len(billing) + ["sales"] * len(sales),
            "interval_start": [*starts[: len(billing)], *starts[: len(sales)]],
            "offered": [*billing, *sales],
        }
    )


NOW = pd.Timestamp("2026-11-30 08:30", tz=TZ)


def test_share_weight_scales_the_rest_of_the_day() -> None:
    # billing: 30 seen vs 20 forecast, raw 1.5, weight 20/40 = 0.5 -> ratio 1.25.
    # sales: 8 seen (second interval absent = 0) vs 20, raw 0.4 -> clipped 0.5 -> 0.75.
    out = reforecast_intraday(_forecast(), _actuals([14, 16], [8]), NOW)
    assert list(out.columns) == REFORECAST_COLUMNS
    billing = out[out["queue"] == "billing"]
    assert billing["volume"].tolist() == [10.0, 10.0, 12.5, 12.5, 10.0, 10.0]
    assert billing["ratio"].tolist() == [1.0, 1.0, 1.25, 1.25, 1.0, 1.0]
    assert billing["volume_p90"].tolist()[2] == pytest.approx(17.5)
    assert billing["volume_original"].tolist() == [10.0] * 6
    sales = out[out["queue"] == "sales"]
    assert sales["volume"].tolist()[2:4] == [7.5, 7.5]
    assert (out["aht_s"] == 240.0).all()


def test_credibility_weight_and_bounds() -> None:
    # k = 10: weight 20 / 30; billing raw 60 / 20 = 3 clipped to 2 -> 1 + 2/3 * 1 = 1.6667.
    ratios = queue_ratios(_forecast(), _actuals([30, 30], [10, 10]), NOW, credibility_k=10)
    billing = ratios.set_index("queue").loc["billing"]
    assert billing["raw_ratio"] == pytest.approx(3.0)
    assert billing["weight"] == pytest.approx(2 / 3)
    assert billing["ratio"] == pytest.approx(1 + 2 / 3)
    assert ratios.set_index("queue").loc["sales", "ratio"] == pytest.approx(1.0)


def test_before_the_first_interval_ends_nothing_changes() -> None:
    early = pd.Timestamp("2026-11-30 08:10", tz=TZ)
    out = reforecast_intraday(_forecast(), _actuals([50], [50]), early)
    assert (out["ratio"] == 1.0).all()
    assert (out["volume"] == out["volume_original"]).all()


def test_naive_now_and_bad_bounds_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="cannot reforecast") as caught:
        reforecast_intraday(_forecast(), _actuals([1], [1]), pd.Timestamp("2026-11-30 08:30"))
    assert caught.value.errors[0].field == "now"
    with pytest.raises(InvalidInput) as bad:
        reforecast_intraday(_forecast(), _actuals([1], [1]), NOW, bounds=(1.2, 2.0))
    assert bad.value.errors[0].field == "bounds"


def _issues(levels: list[float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Day-ahead forecasts of 10 contacts in each of 40 intervals, issued each midnight for that
    day and the next; actual days at the given levels, exactly."""
    forecasts, actuals = [], []
    days = pd.date_range("2026-11-02", periods=len(levels), freq="D", tz=TZ)
    for i, day in enumerate(days):
        starts = pd.date_range(day + pd.Timedelta(hours=8), periods=40, freq="15min")
        actuals.append(
            pd.DataFrame({"queue": "q", "interval_start": starts, "offered": 10 * levels[i]})
        )
        for ahead in (0, 1):
            later = starts + pd.Timedelta(days=ahead)
            forecasts.append(
                pd.DataFrame({"queue": "q", "interval_start": later, "volume": 10.0, "issued": day})
            )
    return pd.concat(forecasts, ignore_index=True), pd.concat(actuals, ignore_index=True)


def test_intraday_updater_learns_trust_and_carry_from_past_days() -> None:
    # Each day's surprise is half the day before's plus a new one: the day so far tells the rest
    # of the day exactly (no noise), and half of it carries into the next day.
    rng = np.random.default_rng(3)
    surprise = [0.2]
    for _ in range(29):
        surprise.append(0.5 * surprise[-1] + rng.normal(0, 0.1))
    forecasts, actuals = _issues([1 + s for s in surprise])
    updater = IntradayUpdater().fit(forecasts, actuals)
    learned = updater.parameters_["q"]
    assert learned.credibility <= 20
    assert learned.carry == pytest.approx(0.5, abs=0.15)
    # Today runs 20 % busy after 10 intervals: the rest of today is 12, tomorrow
    # 10 * (1 + carry * 0.2).
    day = pd.Timestamp("2026-12-07", tz=TZ)
    today = pd.date_range(day + pd.Timedelta(hours=8), periods=40, freq="15min")
    forecast = pd.DataFrame(
        {
            "queue": "q",
            "interval_start": today.append(today + pd.Timedelta(days=1)),
            "volume": 10.0,
            "volume_p10": 8.0,
            "volume_p50": 10.0,
            "volume_p90": 12.0,
            "aht_s": 200.0,
            "model": "auto",
            "model_version": "v",
        }
    )
    seen = pd.DataFrame({"queue": "q", "interval_start": today[:10], "offered": 12.0})
    out = updater.update(forecast, seen, today[10])
    assert list(out.columns) == REFORECAST_COLUMNS
    assert out["volume"].iloc[:10].tolist() == [10.0] * 10
    assert out["volume"].iloc[10:40].to_numpy() == pytest.approx(12.0, rel=0.02)
    assert out["volume"].iloc[40:].to_numpy() == pytest.approx(
        10 * (1 + learned.carry * 0.2), rel=0.02
    )
    assert (out["aht_s"] == 200.0).all()


def test_intraday_updater_refuses_to_update_before_fit() -> None:
    with pytest.raises(NotFitted):
        IntradayUpdater().update(_forecast(), _actuals([1], [1]), NOW)
