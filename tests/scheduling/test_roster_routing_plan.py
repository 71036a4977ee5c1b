"""routing_plan_at: who serves which queue at an instant, read from roster rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.routing.plan import routing_plan, routing_plan_at


def _roster() -> pd.DataFrame:
    def at(text: str) -> pd.Timestamp:
        return pd.Timestamp(text).tz_convert("Europe/Berlin")

    rows = [
        ("ann", "work", "billing", "2026-03-29T08:00:00+02:00", "2026-03-29T10:00:00+02:00"),
        ("ann", "lunch", None, "2026-03-29T10:00:00+02:00", "2026-03-29T10:30:00+02:00"),
        ("ann", "work", "sales", "2026-03-29T10:30:00+02:00", "2026-03-29T16:00:00+02:00"),
        ("bob", "work", "sales", "2026-03-29T09:00:00+02:00", "2026-03-29T17:00:00+02:00"),
    ]
    return pd.DataFrame(
        [
            {
                "agent_id": a,
                "date": dt.date(2026, 3, 29),
                "activity": act,
                "queue": q,
                "start": at(s),
                "end": at(e),
            }
            for a, act, q, s, e in rows
        ]
    )


def test_plan_at_an_instant_follows_rows_and_breaks():
    roster = _roster()
    plan = routing_plan_at(roster, pd.Timestamp("2026-03-29T10:15:00+02:00"))
    assert plan.to_dict("records") == [
        {"agent_id": "ann", "queue": None, "activity": "lunch"},
        {"agent_id": "bob", "queue": "sales", "activity": "work"},
    ]
    # Same instant written in UTC; the end of a row is exclusive.
    plan = routing_plan_at(roster, pd.Timestamp("2026-03-29T08:30:00Z"))
    assert plan[["agent_id", "queue"]].values.tolist() == [["ann", "sales"], ["bob", "sales"]]
    assert routing_plan_at(roster, pd.Timestamp("2026-03-29T15:00:00Z")).empty


def test_plan_needs_an_aware_instant_and_lists_work_spans():
    with pytest.raises(InvalidInput):
        routing_plan_at(_roster(), pd.Timestamp("2026-03-29T10:15:00"))
    spans = routing_plan(_roster())
    assert list(spans.columns) == ["agent_id", "queue", "start", "end"]
    assert len(spans) == 3
