"""The one join of a forecast with what actually happened (api.services.actuals)."""

from __future__ import annotations

import pandas as pd

from api.services.actuals import empty_history, with_actuals

TZ = "Europe/Berlin"


def _forecast() -> pd.DataFrame:
    starts = pd.date_range("2026-11-30 08:00", periods=3, freq="15min", tz=TZ)
    return pd.DataFrame({"queue": "billing", "interval_start": starts, "volume": [10.0, 12, 8]})


def test_actuals_beside_the_forecast_and_zero_for_intervals_over() -> None:
    forecast = _forecast()
    actuals = pd.DataFrame(
        {
            "queue": ["billing"],
            "interval_start": [pd.Timestamp("2026-11-30 08:00", tz=TZ)],
            "offered": [9],
            "aht_s": [240.0],
        }
    )
    now = pd.Timestamp("2026-11-30 08:30", tz=TZ)  # 08:15 is over, 08:30 has just begun
    joined = with_actuals(forecast, actuals, now, 15)
    assert joined["actual_offered"].tolist()[:2] == [9.0, 0.0]
    assert pd.isna(joined["actual_offered"].iloc[2])
    assert joined["actual_aht_s"].iloc[0] == 240.0
    assert joined["actual_aht_s"].iloc[1:].isna().all()
    assert joined["volume"].tolist() == [10.0, 12.0, 8.0]


def test_no_contacts_stored_leaves_only_the_intervals_over_at_zero() -> None:
    now = pd.Timestamp("2026-11-30 08:15", tz=TZ)
    joined = with_actuals(_forecast(), empty_history(TZ), now, 15)
    assert joined["actual_offered"].iloc[0] == 0.0
    assert joined["actual_offered"].iloc[1:].isna().all()
    assert joined["actual_aht_s"].isna().all()
