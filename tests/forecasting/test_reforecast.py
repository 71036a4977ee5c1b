"""Intraday reforecast: hand-computed ratios, weights, bounds and untouched rows."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput
from forecasting.reforecast import REFORECAST_COLUMNS, queue_ratios, reforecast_intraday

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
