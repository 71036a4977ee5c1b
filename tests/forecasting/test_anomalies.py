"""Anomaly scores: hand-computed volume, handle-time and service-level cases, and injected
spikes and drops in a generated centre."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput
from features.measures.intervals import build_intervals
from features.synthetic.generator import Anomaly, generate_centre
from forecasting.anomalies import ANOMALY_COLUMNS, bonferroni, score_anomalies
from forecasting.selection import make_forecaster

TZ = "Europe/Berlin"
HAND = {"level_adjust": False, "calibrate": False}


def _forecast(volumes: list[float], half_band: float, aht_s: float = 200.0) -> pd.DataFrame:
    starts = pd.date_range("2026-11-30 08:00", periods=len(volumes), freq="15min", tz=TZ)
    volume = np.array(volumes, dtype=float)
    return pd.DataFrame(
        {
            "queue": "billing",
            "interval_start": starts,
            "volume": volume,
            "volume_p10": volume - half_band,
            "volume_p50": volume,
            "volume_p90": volume + half_band,
            "aht_s": aht_s,
            "model": "m",
            "model_version": "1",
        }
    )


def _actuals(forecast: pd.DataFrame, offered: list[float], **extra: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"queue": "billing", "interval_start": forecast["interval_start"], "offered": offered}
        | extra
    )


def _volume(scores: pd.DataFrame) -> pd.DataFrame:
    return scores[scores["measure"] == "volume"].reset_index(drop=True)


def test_volume_z_from_the_band_with_its_reason() -> None:
    # sigma = (120 - 80) / 2.563 = 15.607 (above the Poisson floor 10): z = 62 / 15.607 = 3.97.
    forecast = _forecast([100.0], half_band=20.0)
    scores = score_anomalies(forecast, _actuals(forecast, [162.0]), window=1, **HAND)
    row = _volume(scores).iloc[0]
    assert list(scores.columns) == ANOMALY_COLUMNS
    assert row["score"] == pytest.approx(62 / (40 / 2.563))
    assert bool(row["is_anomaly"])
    assert row["reason"] == "volume 62% above forecast (z=4.0)"


def test_small_counts_use_the_poisson_tail() -> None:
    # Nothing in the band; 6 contacts when 2 were expected: P(X >= 6 | 2) = 0.0166 -> z = 2.13.
    forecast = _forecast([2.0], half_band=0.0)
    scores = score_anomalies(forecast, _actuals(forecast, [6.0]), window=1, **HAND)
    row = _volume(scores).iloc[0]
    assert row["score"] == pytest.approx(2.131, abs=0.01)
    assert not bool(row["is_anomaly"])


def test_a_run_of_moderate_excess_is_flagged_but_not_its_neighbours() -> None:
    # Eight intervals of 100 +- 10; four in a row at 120: each z < 2, the run z = 80 / 20 = 4.
    forecast = _forecast([100.0] * 8, half_band=12.815)
    offered = [100.0, 100.0, 120.0, 120.0, 120.0, 120.0, 100.0, 100.0]
    scores = _volume(
        score_anomalies(forecast, _actuals(forecast, offered), window=4, scales=1, **HAND)
    )
    assert scores["is_anomaly"].tolist() == [False, False, True, True, True, True, False, False]
    assert scores.loc[2, "score"] == pytest.approx(4.0, abs=0.01)


def test_a_whole_busy_day_is_not_an_alarm_with_the_level_adjustment() -> None:
    forecast = _forecast([100.0] * 16, half_band=12.815)
    actuals = _actuals(forecast, [120.0] * 16)
    adjusted = _volume(score_anomalies(forecast, actuals, calibrate=False))
    assert not adjusted["is_anomaly"].any()
    assert adjusted["expected"].tolist() == pytest.approx([120.0] * 16)
    plain = _volume(score_anomalies(forecast, actuals, **HAND))
    assert plain["is_anomaly"].all()


def test_handle_time_and_service_level_scores() -> None:
    forecast = _forecast([100.0, 100.0], half_band=20.0, aht_s=200.0)
    actuals = _actuals(
        forecast,
        [100.0, 100.0],
        handled=[25.0, 100.0],
        aht_s=[260.0, 260.0],
        service_level=[0.78, 0.5],
    )
    scores = score_anomalies(forecast, actuals, window=1, **HAND)
    aht = scores[scores["measure"] == "aht_s"].reset_index(drop=True)
    # Standard error 200 / sqrt(25) = 40 -> z 1.5; 200 / sqrt(100) = 20 -> z 3.0.
    assert aht["score"].tolist() == pytest.approx([1.5, 3.0])
    assert aht["is_anomaly"].tolist() == [False, True]
    assert aht.loc[1, "reason"] == "handle time 30% above forecast (z=3.0)"
    level = scores[scores["measure"] == "service_level"].reset_index(drop=True)
    # sqrt(0.8 * 0.2 / 100) = 0.04: (0.5 - 0.8) / 0.04 = -7.5.
    assert level.loc[1, "score"] == pytest.approx(-7.5)
    assert level["is_anomaly"].tolist() == [False, True]
    assert level.loc[1, "reason"] == "service level 50% vs target 80% (z=-7.5)"


def test_absent_intervals_count_as_zero_contacts_until_the_last_actual() -> None:
    forecast = _forecast([30.0] * 4, half_band=5.0)
    actuals = _actuals(forecast, [30.0, 0.0, 0.0, 30.0]).iloc[[0, 3]]
    scores = _volume(score_anomalies(forecast, actuals, window=1, **HAND))
    assert scores["actual"].tolist() == [30.0, 0.0, 0.0, 30.0]
    assert scores["is_anomaly"].tolist() == [False, True, True, False]


def test_bad_settings_are_rejected() -> None:
    forecast = _forecast([1.0], half_band=0.0)
    with pytest.raises(InvalidInput) as caught:
        score_anomalies(forecast, _actuals(forecast, [1.0]), threshold=0, window=0)
    assert {e.field for e in caught.value.errors} == {"threshold", "window"}


def test_injected_spikes_and_drops_are_found_and_quiet_days_stay_quiet() -> None:
    start = pd.Timestamp("2026-09-07")
    month = pd.Timestamp("2026-10-05", tz=TZ)
    shifts = [
        Anomaly("billing", "2026-10-06T10:00:00+02:00", "2026-10-06T12:00:00+02:00", 2.0),
        Anomaly("billing", "2026-10-08T14:00:00+02:00", "2026-10-08T16:00:00+02:00", 0.3),
        Anomaly("sales", "2026-10-07T11:00:00+02:00", "2026-10-07T13:00:00+02:00", 2.5),
    ]
    centre = generate_centre(
        weeks=5, queues=2, agents=80, seed=3, start=start.date(), timezone=TZ, anomalies=shifts
    )
    history = build_intervals(centre.contacts, freq_minutes=15, timezone=TZ)
    train = history[history["interval_start"] < month]
    model = make_forecaster("seasonal_average", weeks=4, country="DE").fit(train)
    forecast = model.predict(month, 7 * 96)
    volume = _volume(score_anomalies(forecast, history[history["interval_start"] >= month]))
    inside = np.zeros(len(volume), dtype=bool)
    for shift in shifts:
        inside |= (
            (volume["queue"] == shift.queue)
            & (volume["interval_start"] >= pd.Timestamp(shift.start))
            & (volume["interval_start"] < pd.Timestamp(shift.end))
        ).to_numpy()
    flagged = volume["is_anomaly"].to_numpy()
    recall = (flagged & inside).sum() / inside.sum()
    precision = (flagged & inside).sum() / flagged.sum()
    assert inside.sum() == 24
    assert recall >= 0.9
    assert precision >= 0.8
    shift_days = {(s.queue, pd.Timestamp(s.start).date()) for s in shifts}
    keys = zip(volume["queue"], volume["interval_start"].dt.date, strict=True)
    quiet = np.array([key not in shift_days for key in keys])
    assert (flagged & quiet).sum() / quiet.sum() < 0.01


def test_a_tiny_absolute_deviation_is_not_an_anomaly() -> None:
    # 5 contacts where 0.5 were expected: P(X >= 5 | 0.5) = 0.00017 -> z = 3.58, but only
    # 4.5 contacts more than expected (below the 5-contact minimum).
    forecast = _forecast([0.5], half_band=0.0)
    actuals = _actuals(forecast, [5.0])
    quiet = _volume(score_anomalies(forecast, actuals, window=1, **HAND)).iloc[0]
    assert quiet["score"] == pytest.approx(3.58, abs=0.01)
    assert not bool(quiet["is_anomaly"])
    strict = score_anomalies(forecast, actuals, window=1, min_deviation=0.0, **HAND)
    assert bool(_volume(strict).iloc[0]["is_anomaly"])


def test_bonferroni_multiplies_the_tail_by_the_number_of_tests() -> None:
    # z = 3 has a one-sided tail of 0.0013499; three tests: 0.0040497 -> z = 2.6479.
    corrected = bonferroni(np.array([3.0, -3.0, 0.5, np.nan, 60.0]), 3)
    assert corrected[:2] == pytest.approx([2.6479, -2.6479], abs=1e-4)
    # A tail above one half is no evidence at all; NaN (no run) is none either.
    assert corrected[2:4].tolist() == [0.0, 0.0]
    # Beyond the float range of the tail: sqrt(60^2 - 2 ln 3).
    assert corrected[4] == pytest.approx(np.sqrt(3600 - 2 * np.log(3)))
    assert bonferroni(np.array([3.0]), 1)[0] == pytest.approx(3.0)


def test_a_run_found_among_several_lengths_pays_for_the_search() -> None:
    # The same four intervals at 120 over 100 +- 10 (run z = 4, one-sided tail 3.17e-5); with
    # runs of 4, 8 and 12 intervals tried the run of four scores isf(3 x 3.17e-5) = 3.73.
    forecast = _forecast([100.0] * 16, half_band=12.815)
    offered = [100.0] * 6 + [120.0] * 4 + [100.0] * 6
    scores = _volume(
        score_anomalies(forecast, _actuals(forecast, offered), window=4, scales=3, **HAND)
    )
    assert scores.loc[6:9, "score"].tolist() == pytest.approx([3.73] * 4, abs=0.01)
    assert scores["is_anomaly"].tolist() == [False] * 6 + [True] * 4 + [False] * 6
