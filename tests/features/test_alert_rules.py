"""Alert rules: low CSAT, negative sentiment, service level below target."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput
from features.measures.alert_rules import (
    ALERT_COLUMNS,
    KIND_COMPLIANCE_MISS,
    KIND_LOW_CSAT,
    KIND_NEGATIVE_EMOTION,
    KIND_NEGATIVE_SENTIMENT,
    KIND_SERVICE_LEVEL,
    AlertThresholds,
    ClusterThresholds,
    contact_alerts,
    quality_alerts,
    queue_alerts,
)

TZ = "Europe/Berlin"


def contacts_frame() -> pd.DataFrame:
    arrived = pd.date_range("2026-11-30 09:00", periods=5, freq="min", tz=TZ)
    return pd.DataFrame(
        {
            "contact_id": ["c1", "c2", "c3", "c4", "c5"],
            "queue": ["billing", "billing", "sales", "sales", "billing"],
            "arrived_at": arrived,
            "ended_at": arrived + pd.Timedelta(minutes=5),
            "agent_id": ["a1", "a2", "a3", None, "a9"],
            "csat": [1.0, 3.0, None, 2.0, 5.0],
            "sentiment": [-0.8, -0.3, -0.31, None, 0.5],
        }
    )


def agents_frame() -> pd.DataFrame:
    return pd.DataFrame({"agent_id": ["a1", "a2", "a3"], "team": ["t1", "t1", "t2"]})


def test_contact_rules_and_team_routing() -> None:
    alerts = contact_alerts(contacts_frame(), agents_frame())
    assert list(alerts.columns) == ALERT_COLUMNS
    got = {
        (k, c): (t, v)
        for k, c, t, v in alerts[["kind", "key", "team", "value"]].itertuples(index=False)
    }
    assert got == {
        (KIND_LOW_CSAT, "c1"): ("t1", 1.0),
        (KIND_LOW_CSAT, "c4"): (None, 2.0),
        (KIND_NEGATIVE_SENTIMENT, "c1"): ("t1", -0.8),
        (KIND_NEGATIVE_SENTIMENT, "c3"): ("t2", -0.31),
    }
    c1 = alerts[(alerts["kind"] == KIND_LOW_CSAT) & (alerts["key"] == "c1")].iloc[0]
    assert c1["at"] == pd.Timestamp("2026-11-30 09:05", tz=TZ)
    assert c1["threshold"] == 2.0
    assert "c1" in c1["message"] and "billing" in c1["message"] and "a1" in c1["message"]


def test_thresholds_are_settings() -> None:
    strict = contact_alerts(contacts_frame(), agents_frame(), AlertThresholds(3.0, -0.2))
    lows = sorted(strict.loc[strict["kind"] == KIND_LOW_CSAT, "key"])
    negatives = sorted(strict.loc[strict["kind"] == KIND_NEGATIVE_SENTIMENT, "key"])
    assert lows == ["c1", "c2", "c4"]
    assert negatives == ["c1", "c2", "c3"]
    with pytest.raises(InvalidInput) as info:
        AlertThresholds(csat_max=7, sentiment_max=-2)
    assert {e.field for e in info.value.errors} == {"csat_max", "sentiment_max"}


def test_contacts_without_scores_raise_nothing() -> None:
    frame = contacts_frame().drop(columns=["csat", "sentiment"])
    assert contact_alerts(frame, None).empty
    assert list(contact_alerts(frame.iloc[0:0], None).columns) == ALERT_COLUMNS


def history_frame() -> pd.DataFrame:
    starts = pd.date_range("2026-11-30 09:00", periods=3, freq="15min", tz=TZ)
    return pd.DataFrame(
        {
            "queue": ["billing"] * 3 + ["sales"] * 3,
            "interval_start": list(starts) * 2,
            "offered": [10, 0, 12, 5, 8, 1],
            "service_level": [0.5, float("nan"), 0.9, 0.79, 0.8, 0.0],
        }
    )


def test_queue_alerts_below_target() -> None:
    alerts = queue_alerts(history_frame(), 0.8)
    assert list(alerts.columns) == ALERT_COLUMNS
    assert (alerts["kind"] == KIND_SERVICE_LEVEL).all()
    assert list(alerts["key"]) == [
        "billing|2026-11-30T08:00:00+00:00",
        "sales|2026-11-30T08:00:00+00:00",
        "sales|2026-11-30T08:30:00+00:00",
    ]
    assert list(alerts["value"]) == [0.5, 0.79, 0.0]
    assert alerts["interval_start"].iloc[0] == pd.Timestamp("2026-11-30 09:00", tz=TZ)
    assert "50%" in alerts["message"].iloc[0]


def test_queue_alerts_per_queue_targets_and_min_offered() -> None:
    alerts = queue_alerts(history_frame(), {"billing": 0.95}, min_offered=2)
    assert list(alerts["key"]) == [
        "billing|2026-11-30T08:00:00+00:00",
        "billing|2026-11-30T08:30:00+00:00",
    ]
    assert list(alerts["threshold"]) == [0.95, 0.95]
    with pytest.raises(InvalidInput):
        queue_alerts(history_frame(), {"billing": 80})
    assert queue_alerts(history_frame().iloc[0:0], 0.8).empty


def evaluations_frame() -> pd.DataFrame:
    """billing 10:00-11:00: 5 contacts, 2 angry and 3 missing the script; 11:xx: 1 angry."""
    angry = [{"start_s": 0.0, "end_s": 9.0, "label": "angry", "score": 0.9}]
    calm = [{"start_s": 0.0, "end_s": 9.0, "label": "neutral", "score": 0.9}]
    rows = [
        {"evaluation_id": f"e{i}", "contact_id": f"c{i}", "queue": "billing",
         "arrived_at": pd.Timestamp(f"2026-11-30 10:{10 * i:02d}", tz=TZ),
         "evaluated_at": pd.Timestamp("2026-11-30 12:00", tz=TZ), "source": "speech",
         "script_compliance": 0.5 if i < 3 else 0.9, "empathy": 0.7, "keywords": [],
         "emotion": angry if i < 2 else calm}
        for i in range(5)
    ]  # fmt: skip
    rows.append({**rows[0], "evaluation_id": "e9", "contact_id": "c9",
                 "arrived_at": pd.Timestamp("2026-11-30 11:05", tz=TZ)})  # fmt: skip
    return pd.DataFrame(rows)


def test_compliance_misses_cluster_on_a_queue() -> None:
    alerts = quality_alerts(evaluations_frame(), timezone=TZ)
    assert alerts["kind"].tolist() == [KIND_COMPLIANCE_MISS]
    row = alerts.iloc[0]
    assert row["key"] == "billing|2026-11-30T09:00:00+00:00"
    assert row["value"] == pytest.approx(3 / 5) and row["threshold"] == 0.3
    assert row["team"] is None and row["queue"] == "billing"
    assert "3 of 5 evaluated contacts (60%) missing the script" in row["message"]


def test_negative_emotion_cluster_with_lower_count() -> None:
    limits = ClusterThresholds(min_count=2, min_share=0.4)
    alerts = quality_alerts(evaluations_frame(), timezone=TZ, thresholds=limits)
    kinds = dict(zip(alerts["kind"], alerts["value"], strict=True))
    assert kinds == {KIND_NEGATIVE_EMOTION: pytest.approx(0.4), KIND_COMPLIANCE_MISS: 0.6}
    # The 11:00 window has one angry contact: below the count.
    assert set(alerts["interval_start"].astype(str)) == {"2026-11-30 10:00:00+01:00"}


def test_latest_evaluation_of_a_contact_counts_once() -> None:
    frame = evaluations_frame()
    review = frame.iloc[[0]].assign(
        evaluation_id="e0-manual",
        script_compliance=0.95,
        evaluated_at=pd.Timestamp("2026-12-01 09:00", tz=TZ),
    )
    # The review passes c0: two misses of five are below the count of three.
    alerts = quality_alerts(pd.concat([frame, review], ignore_index=True), timezone=TZ)
    assert alerts.empty


def test_cluster_thresholds_are_checked() -> None:
    with pytest.raises(InvalidInput):
        ClusterThresholds(min_share=1.5)
    with pytest.raises(InvalidInput):
        ClusterThresholds(window_minutes=7)
    assert quality_alerts(pd.DataFrame(), timezone=TZ).empty
