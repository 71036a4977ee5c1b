"""One contract, every forecaster in FORECASTERS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from forecast_synthetic import TZ, make_history

from features.errors import InvalidInput, NotFitted
from features.schema import FORECAST_COLUMNS
from forecasting.selection import FORECASTERS, make_forecaster

FAST = {
    "lightgbm": {"n_estimators": 15, "calibration_folds": 1},
    "auto": {
        "selection_folds": 2,
        "candidate_params": {"lightgbm": {"n_estimators": 15}},
    },
}
WEEK = 7 * 96


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return make_history()


@pytest.fixture(scope="module", params=sorted(FORECASTERS))
def fitted(request: pytest.FixtureRequest, history: pd.DataFrame):
    model = make_forecaster(request.param, **FAST.get(request.param, {}))
    return model.fit(history)


def monday() -> pd.Timestamp:
    return pd.Timestamp("2026-03-30 00:00", tz=TZ)


def test_predict_before_fit_raises_not_fitted() -> None:
    for name in FORECASTERS:
        with pytest.raises(NotFitted):
            make_forecaster(name).predict(monday(), 4)


def test_shape_columns_timezone_and_grid(fitted) -> None:
    forecast = fitted.predict(monday(), WEEK)
    assert list(forecast.columns) == FORECAST_COLUMNS
    assert len(forecast) == 2 * WEEK
    assert sorted(forecast["queue"].unique()) == ["billing", "sales"]
    assert str(forecast["interval_start"].dt.tz) == TZ
    expected = pd.date_range(monday(), periods=WEEK, freq="15min")
    billing = forecast[forecast["queue"] == "billing"]
    assert (billing["interval_start"].to_numpy() == expected.to_numpy()).all()
    # The model column names what produced each queue's forecast: the model itself, or for
    # auto its members (e.g. auto[ets+weekday_level;pooled]).
    names = fitted.model_names()
    assert (forecast["model"] == forecast["queue"].map(names)).all()
    assert all(n == fitted.name or n.startswith(f"{fitted.name}[") for n in names.values())
    assert forecast["model_version"].str.len().gt(0).all()


def test_values_non_negative_ordered_quantiles(fitted) -> None:
    forecast = fitted.predict(monday(), WEEK)
    values = forecast[["volume", "volume_p10", "volume_p50", "volume_p90"]]
    assert (values >= 0).all().all()
    assert (forecast["volume_p10"] <= forecast["volume_p50"]).all()
    assert (forecast["volume_p50"] <= forecast["volume_p90"]).all()
    assert (forecast["volume"] == forecast["volume_p50"]).all()
    open_billing = forecast[
        (forecast["queue"] == "billing") & (forecast["interval_start"].dt.hour == 12)
    ]
    # Open midday intervals carry a real forecast near the synthetic level (40 * 1 contacts).
    weekdays = open_billing[open_billing["interval_start"].dt.day_of_week < 5]
    assert weekdays["volume"].between(25, 60).all()
    assert (weekdays["volume_p90"] > weekdays["volume_p10"]).all()


def test_closed_hours_and_days_are_zero(fitted) -> None:
    forecast = fitted.predict(monday(), WEEK)
    local = forecast["interval_start"]
    night = local.dt.hour.isin([0, 3, 6, 20, 23])
    assert (forecast.loc[night, ["volume", "volume_p10", "volume_p90"]] == 0).all().all()
    billing_weekend = (forecast["queue"] == "billing") & (local.dt.day_of_week >= 5)
    assert (forecast.loc[billing_weekend, "volume_p90"] == 0).all()
    sales_saturday = (forecast["queue"] == "sales") & (local.dt.day_of_week == 5)
    assert forecast.loc[sales_saturday, "volume"].sum() > 0
    sales_sunday = (forecast["queue"] == "sales") & (local.dt.day_of_week == 6)
    assert forecast.loc[sales_sunday, "volume"].sum() == 0


def test_dst_days_have_92_and_100_intervals_on_wall_clock(fitted) -> None:
    spring = pd.Timestamp("2026-03-29 00:00", tz=TZ)
    assert fitted.predict(spring, 92)["interval_start"].dt.day.eq(29).all()
    assert fitted.predict(spring, 93)["interval_start"].iloc[-1] == pd.Timestamp(
        "2026-03-30 00:00", tz=TZ
    )
    autumn = pd.Timestamp("2026-10-25 00:00", tz=TZ)
    rows = fitted.predict(autumn, 100)
    assert rows["interval_start"].dt.day.eq(25).all()
    assert len(rows) == 200
    # The first Monday after the spring change opens at 08:00 local wall-clock time.
    after = fitted.predict(monday(), 96)
    billing = after[after["queue"] == "billing"].set_index("interval_start")["volume"]
    assert billing.loc[: pd.Timestamp("2026-03-30 07:45", tz=TZ)].eq(0).all()
    assert billing.loc[pd.Timestamp("2026-03-30 08:00", tz=TZ)] > 0


def test_handle_time_per_queue_and_nan_without_history(fitted) -> None:
    forecast = fitted.predict(monday(), 96)
    billing = forecast[forecast["queue"] == "billing"]["aht_s"]
    assert billing.between(200, 280).all()
    assert forecast[forecast["queue"] == "sales"]["aht_s"].isna().all()


def test_deterministic_and_params_roundtrip(fitted, history: pd.DataFrame) -> None:
    again = make_forecaster(fitted.name, **fitted.get_params()).fit(history)
    pd.testing.assert_frame_equal(fitted.predict(monday(), 96), again.predict(monday(), 96))
    assert fitted.get_params() == again.get_params()


def test_bad_history_lists_every_broken_row() -> None:
    history = make_history().head(10).copy()
    history.loc[2, "offered"] = -1.0
    history.loc[5, "offered"] = np.nan
    with pytest.raises(InvalidInput) as info:
        make_forecaster("seasonal_naive").fit(history)
    assert [e.row for e in info.value.errors] == [2, 5]
    assert all(e.field == "offered" for e in info.value.errors)


def test_naive_start_and_unknown_model_are_rejected(history: pd.DataFrame) -> None:
    model = make_forecaster("seasonal_naive").fit(history)
    with pytest.raises(InvalidInput):
        model.predict(pd.Timestamp("2026-03-30"), 4)
    with pytest.raises(InvalidInput):
        model.predict(monday(), 0)
    with pytest.raises(InvalidInput, match="unknown model"):
        make_forecaster("prophet")
