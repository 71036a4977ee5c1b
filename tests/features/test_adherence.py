"""Adherence, conformance and exceptions on a hand-computed day."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput
from features.measures.adherence import adherence, covered_ns

TZ = "Europe/Berlin"


def _at(clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"2026-11-30 {clock}", tz=TZ)


def _roster() -> pd.DataFrame:
    rows = [
        ("a1", "work", "billing", "08:00", "10:00"),
        ("a1", "break", "", "10:00", "10:15"),
        ("a1", "work", "billing", "10:15", "12:00"),
        ("a2", "work", "billing", "08:00", "12:00"),
        ("a3", "work", "sales", "13:00", "15:00"),
    ]
    return pd.DataFrame(
        [
            {"agent_id": a, "date": "2026-11-30", "activity": act, "queue": q,
             "start": _at(s), "end": _at(e)}
            for a, act, q, s, e in rows
        ]
    )  # fmt: skip


def _states() -> pd.DataFrame:
    rows = [
        ("a1", "offline", "00:00", "08:10"),
        ("a1", "available", "08:10", "09:00"),
        ("a1", "on_contact", "09:00", "10:00"),
        ("a1", "break", "10:00", "10:30"),
        ("a1", "available", "10:30", "12:00"),
        ("a1", "offline", "12:00", "23:00"),
        ("a2", "available", "08:00", "11:30"),
        ("a2", "offline", "11:30", "23:00"),
        ("a3", "offline", "00:00", "23:00"),
    ]
    return pd.DataFrame(
        [
            {"agent_id": a, "state": st, "started_at": _at(s), "ended_at": _at(e)}
            for a, st, s, e in rows
        ]
    )


AGENTS = pd.DataFrame({"agent_id": ["a1", "a2", "a3"], "team": ["t1", "t1", "t2"]})


def test_adherence_and_conformance_per_agent_and_team() -> None:
    report = adherence(_roster(), _states(), AGENTS, grace_minutes=5)
    agent = report.per_agent.set_index("agent_id")
    # a1: 110 of work 1, 15 of the break, 90 of work 2 = 215 of 240 scheduled minutes.
    assert agent.loc["a1", "adherent_minutes"] == pytest.approx(215)
    assert agent.loc["a1", "adherence"] == pytest.approx(215 / 240)
    assert agent.loc["a1", "worked_minutes"] == pytest.approx(200)
    assert agent.loc["a1", "conformance"] == pytest.approx(200 / 225)
    assert agent.loc["a2", "adherence"] == pytest.approx(210 / 240)
    assert agent.loc["a3", "adherence"] == 0.0
    team = report.per_team.set_index("team")
    assert team.loc["t1", "agents"] == 2
    assert team.loc["t1", "adherence"] == pytest.approx(425 / 480)
    assert team.loc["t1", "conformance"] == pytest.approx(410 / 465)


def test_exceptions_with_minutes() -> None:
    report = adherence(_roster(), _states(), AGENTS, grace_minutes=5)
    found = {(r.agent_id, r.kind): r for r in report.exceptions.itertuples(index=False)}
    assert set(found) == {
        ("a1", "late_login"),
        ("a1", "long_break"),
        ("a2", "early_logoff"),
        ("a3", "absent"),
    }
    assert found[("a1", "late_login")].minutes == 10
    assert found[("a1", "late_login")].message == "logged in at 08:10, 10 min after the 08:00 start"
    assert found[("a1", "long_break")].minutes == 15
    assert found[("a2", "early_logoff")].minutes == 30
    assert found[("a2", "early_logoff")].actual == _at("11:30")
    assert found[("a3", "absent")].minutes == 120
    assert found[("a3", "absent")].team == "t2"
    assert report.per_agent.set_index("agent_id").loc["a1", "exceptions"] == 2


def test_grace_hides_small_lateness() -> None:
    report = adherence(_roster(), _states(), AGENTS, grace_minutes=15)
    assert set(report.exceptions["kind"]) == {"early_logoff", "absent"}


def test_covered_time_of_sorted_spans() -> None:
    import numpy as np

    starts, ends = np.array([0, 10]), np.array([5, 20])
    assert covered_ns(starts, ends, np.array([3, 7, 15, 30])).tolist() == [3, 5, 10, 15]


def test_unknown_activity_is_rejected_with_its_row() -> None:
    roster = _roster()
    roster.loc[2, "activity"] = "nap"
    with pytest.raises(InvalidInput) as caught:
        adherence(roster, _states(), AGENTS)
    assert caught.value.errors[0].row == 2
    assert caught.value.errors[0].value == "nap"
