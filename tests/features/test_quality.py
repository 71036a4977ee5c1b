"""Quality roll-ups: negative emotion, compliance misses, means per group."""

from __future__ import annotations

import pandas as pd
import pytest

from features.measures.quality import compliance_miss, negative_emotion, quality_by


def _segments(label: str, score: float) -> list[dict[str, object]]:
    return [{"start_s": 0.0, "end_s": 10.0, "label": "neutral", "score": 0.9},
            {"start_s": 10.0, "end_s": 20.0, "label": label, "score": score}]  # fmt: skip


def test_negative_emotion_needs_a_confident_negative_segment() -> None:
    flags = negative_emotion(
        [_segments("angry", 0.8), _segments("angry", 0.4), _segments("happy", 0.9), []]
    )
    assert flags.tolist() == [True, False, False, pd.NA]
    assert compliance_miss(pd.Series([0.5, 0.6, None])).tolist() == [True, False, pd.NA]


def test_quality_by_agent() -> None:
    evaluations = pd.DataFrame(
        {
            "agent_id": ["a1", "a1", "a2", None],
            "script_compliance": [0.5, 0.9, None, 0.2],
            "empathy": [0.6, 0.8, 0.7, 0.1],
            "emotion": [_segments("frustrated", 0.7), [], _segments("sad", 0.2), []],
        }
    )
    table = quality_by(evaluations, "agent_id").set_index("agent_id")
    assert table.loc["a1", "evaluations"] == 2
    assert table.loc["a1", "script_compliance"] == pytest.approx(0.7)
    assert table.loc["a1", "negative_emotion_rate"] == pytest.approx(1.0)
    assert table.loc["a1", "compliance_miss_rate"] == pytest.approx(0.5)
    assert pd.isna(table.loc["a2", "script_compliance"])
    assert table.loc["a2", "negative_emotion_rate"] == 0.0
    totals = quality_by(evaluations).iloc[0]
    assert totals["evaluations"] == 4
    assert totals["empathy"] == pytest.approx(0.55)
    assert totals["compliance_miss_rate"] == pytest.approx(2 / 3)
