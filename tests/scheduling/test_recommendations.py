"""Recommendations on a hand-made day: shortfalls, training windows, night merge, drift."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.pooling import pooling_gain
from scheduling.recommendations import periods, recommend, staffing_effect
from scheduling.requirements import ServiceTargets

TZ = "Europe/Berlin"
DAY = dt.date(2026, 11, 30)
STARTS = pd.date_range("2026-11-30 08:00", periods=8, freq="15min", tz=TZ)


def _coverage() -> pd.DataFrame:
    billing = pd.DataFrame(
        {
            "queue": "billing",
            "interval_start": STARTS,
            "required": [5, 5, 6, 6, 5, 3, 3, 3],
            "scheduled": [5, 4, 3, 6, 5, 6, 6, 5],
        }
    )
    sales = pd.DataFrame(
        {
            "queue": "sales",
            "interval_start": STARTS,
            "required": [2] * 8,
            "scheduled": [2, 2, 2, 2, 1, 2, 2, 2],
        }
    )
    frame = pd.concat([billing, sales], ignore_index=True)
    frame["gap"] = frame["scheduled"] - frame["required"]
    return frame


def _forecast() -> pd.DataFrame:
    night = pd.date_range("2026-11-30 20:00", periods=16, freq="15min", tz=TZ)
    rows = [("billing", s, 100.0) for s in STARTS] + [("sales", s, 2.0) for s in STARTS]
    rows += [(q, s, 10.0) for q in ("billing", "sales") for s in night]
    frame = pd.DataFrame(rows, columns=["queue", "interval_start", "volume"])
    return frame.assign(aht_s=300.0, model="m", model_version="1")


def _actuals() -> pd.DataFrame:
    return pd.DataFrame({"queue": "billing", "interval_start": STARTS[:4], "offered": [140.0] * 4})


def test_periods_of_a_mask() -> None:
    assert periods([True, True, False, True]) == [(0, 2), (3, 4)]
    assert periods([False, False]) == []


def test_shortfalls_and_training_windows() -> None:
    found = recommend(DAY, None, _coverage(), _forecast().iloc[:0], _actuals())
    short = [r for r in found if r.kind == "understaffed"]
    assert [(r.queue, r.start, r.end, r.agents, r.severity) for r in short] == [
        ("billing", STARTS[1], STARTS[3], 3, "high"),
        ("sales", STARTS[4], STARTS[5], 1, "high"),
    ]
    assert short[0].message.startswith("billing is short of up to 3 agents 08:15\u201308:45")
    training = [r for r in found if r.kind == "training"]
    assert len(training) == 1
    assert (training[0].start, training[0].end, training[0].agents) == (
        STARTS[5],
        STARTS[7] + pd.Timedelta(minutes=15),
        2,
    )
    assert found[-1].kind == "training"


def test_training_windows_name_what_new_agents_look_up_most() -> None:
    topics = ["refunds", "roaming", "invoices", "passwords"]
    found = recommend(
        DAY, None, _coverage(), _forecast().iloc[:0], _actuals(), training_topics=topics
    )
    [training] = [r for r in found if r.kind == "training"]
    assert training.topics == tuple(topics)
    assert training.message.endswith("look up most: refunds, roaming, invoices.")
    assert training.as_dict()["topics"] == tuple(topics)
    assert all(r.topics == () for r in found if r.kind != "training")


def test_current_requirements_replace_the_planned_ones() -> None:
    requirements = pd.DataFrame(
        {"queue": ["billing"], "interval_start": [STARTS[0]], "agents_scheduled": [7]}
    )
    found = recommend(DAY, requirements, _coverage(), _forecast().iloc[:0], _actuals())
    first = next(r for r in found if r.kind == "understaffed" and r.queue == "billing")
    assert (first.start, first.end, first.agents) == (STARTS[0], STARTS[3], 3)


def test_night_merge_uses_the_pooling_what_if() -> None:
    found = recommend(DAY, None, _coverage(), _forecast(), _actuals())
    merge = next(r for r in found if r.kind == "merge_queues")
    begin = pd.Timestamp("2026-11-30 20:00", tz=TZ)
    end = pd.Timestamp("2026-12-01 00:00", tz=TZ)
    advice = pooling_gain(_forecast(), ["billing", "sales"], begin, end, ServiceTargets(), 15)
    assert (merge.queue, merge.start, merge.end) == ("billing+sales", begin, end)
    assert merge.agents == advice.separate_peak - advice.pooled_peak > 0
    assert merge.message == advice.message


def test_drift_against_the_backtest_wape() -> None:
    # Observed 08:00-08:45: |140 - 100| x 4 / 560 = 28.6 % WAPE vs 15 % -> 1.9x.
    found = recommend(DAY, None, _coverage(), _forecast(), _actuals(), backtest_wape=0.15)
    retrain = [r for r in found if r.kind == "retrain"]
    assert len(retrain) == 1
    assert retrain[0].queue == "billing"
    assert retrain[0].message == (
        "billing: today's forecast error is 29% WAPE against 15% in backtests (1.9x); "
        "retrain the model on recent history."
    )
    assert retrain[0].severity == "medium"
    calm = recommend(DAY, None, _coverage(), _forecast(), _actuals(), backtest_wape=0.25)
    assert not [r for r in calm if r.kind == "retrain"]


def test_staffing_effect_of_a_reforecast() -> None:
    reforecast = pd.DataFrame(
        {
            "queue": ["billing"],
            "interval_start": pd.to_datetime(["2026-11-30T08:00:00+00:00"]),
            "volume_original": [100.0],
            "volume": [125.0],
            "aht_s": [180.0],
        }
    )
    effect = staffing_effect(reforecast, ServiceTargets(), interval_minutes=30)
    row = effect.iloc[0]
    assert (row["agents_original"], row["agents_scheduled_original"]) == (14, 20)
    assert row["agents"] > 14
    assert row["agents_delta"] == row["agents_scheduled"] - 20


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        recommend(DAY, None, _coverage(), _forecast(), _actuals(), drift_factor=1.0)
    assert caught.value.errors[0].field == "drift_factor"
