"""Agent performance beside the team, and personal reports, on hand-computed contacts."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput, NotFound
from features.measures.performance import PERFORMANCE_COLUMNS, agent_performance, personal_report

TZ = "Europe/Berlin"
START = pd.Timestamp("2026-11-30 00:00", tz=TZ)
END = pd.Timestamp("2026-12-01 00:00", tz=TZ)


def _at(clock: str, day: str = "2026-11-30") -> pd.Timestamp:
    return pd.Timestamp(f"{day} {clock}", tz=TZ)


def _contacts() -> pd.DataFrame:
    rows = [
        # agent, arrived, handle, acw, csat, transfers, abandoned
        ("a1", "08:30", 300.0, 100.0, 4, 0, False),
        ("a1", "08:45", 500.0, 80.0, None, 1, False),
        ("a2", "09:00", 200.0, 40.0, 5, 0, False),
        ("a2", "09:10", 200.0, 40.0, 5, 0, False),
        ("a3", "09:20", 250.0, 60.0, 3, 0, False),
        ("a3", "09:30", None, None, None, 0, True),
        ("a4", "10:00", 180.0, 30.0, 4, 0, False),
    ]
    frame = pd.DataFrame(
        [
            {"contact_id": f"c{i}", "queue": "billing", "agent_id": a, "arrived_at": _at(t),
             "answered_at": None if ab else _at(t) + pd.Timedelta(seconds=10),
             "handle_s": h, "acw_s": w, "csat": c, "transfers": tr, "abandoned": ab}
            for i, (a, t, h, w, c, tr, ab) in enumerate(rows)
        ]
    )  # fmt: skip
    frame["answered_at"] = pd.to_datetime(frame["answered_at"]).dt.tz_convert(TZ)
    late = frame.iloc[[0]].assign(contact_id="late", arrived_at=_at("08:00", "2026-12-02"))
    return pd.concat([frame, late], ignore_index=True)


def _states() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": ["a1", "a1", "a1"],
            "state": ["available", "on_contact", "acw"],
            "started_at": [_at("08:00"), _at("08:30"), _at("09:00")],
            "ended_at": [_at("08:30"), _at("09:00"), _at("09:10")],
        }
    )


AGENTS = pd.DataFrame(
    {
        "agent_id": ["a1", "a2", "a3", "a4"],
        "name": ["Anna", "Ben", "Clara", "David"],
        "team": ["t1", "t1", "t1", "t2"],
    }
)
ROSTER = pd.DataFrame(
    [{"agent_id": "a1", "date": "2026-11-30", "activity": "work", "queue": "billing",
      "start": _at("08:00"), "end": _at("09:10")}]
)  # fmt: skip


def _perf() -> pd.DataFrame:
    return agent_performance(_contacts(), _states(), AGENTS, ROSTER, start=START, end=END)


def test_kpis_team_medians_and_percentiles() -> None:
    perf = _perf()
    assert list(perf.columns) == PERFORMANCE_COLUMNS
    row = perf.set_index("agent_id").loc["a1"]
    assert row["contacts_handled"] == 2
    assert row["aht_s"] == pytest.approx(400.0)
    assert row["acw_s"] == pytest.approx(90.0)
    assert row["csat"] == pytest.approx(4.0)
    assert row["transfer_rate"] == pytest.approx(0.5)
    assert row["occupancy"] == pytest.approx(2400 / 4200)
    assert row["adherence"] == pytest.approx(1.0)
    assert row["aht_s_team_median"] == pytest.approx(250.0)
    assert row["acw_s_team_median"] == pytest.approx(60.0)
    assert row["aht_s_percentile"] == pytest.approx(100.0)
    by_agent = perf.set_index("agent_id")
    assert by_agent.loc["a2", "aht_s_percentile"] == pytest.approx(0.0)
    assert by_agent.loc["a3", "aht_s_percentile"] == pytest.approx(50.0)
    assert by_agent.loc["a3", "contacts_handled"] == 1
    assert by_agent.loc["a4", "aht_s_percentile"] == pytest.approx(50.0)
    assert pd.isna(by_agent.loc["a2", "occupancy"])


def test_personal_report_names_the_two_largest_gaps_as_help() -> None:
    report = personal_report(_perf(), "a1")
    assert report.kpis["acw_s"] == {"value": 90.0, "team_median": 60.0, "percentile": 100.0}
    assert len(report.suggestions) == 2
    assert report.suggestions[0].startswith(
        "Your contacts take 400 s on average; the team's median is 250 s."
    )
    assert report.suggestions[1].startswith(
        "Your after-call work averages 90 s; the team's median is 60 s."
    )


def test_personal_report_without_gaps_is_encouraging() -> None:
    report = personal_report(_perf(), "a2")
    assert report.suggestions == [
        "Your results are in line with your team's or better; nothing stands out to work on."
    ]
    with pytest.raises(NotFound):
        personal_report(_perf(), "nobody")


def test_naive_period_is_rejected() -> None:
    with pytest.raises(InvalidInput) as caught:
        agent_performance(_contacts(), _states(), AGENTS, start=pd.Timestamp("2026-11-30"), end=END)
    assert caught.value.errors[0].field == "start"


def test_quality_scores_beside_the_team() -> None:
    quality = pd.DataFrame(
        {
            "agent_id": ["a1", "a1", "a2", "a3"],
            "script_compliance": [0.5, 0.7, 0.9, 0.95],
            "empathy": [0.4, 0.6, 0.8, 0.9],
            "emotion": [[], [], [], []],
        }
    )
    perf = agent_performance(
        _contacts(), _states(), AGENTS, ROSTER, start=START, end=END, quality=quality
    ).set_index("agent_id")
    assert perf.loc["a1", "script_compliance"] == pytest.approx(0.6)
    assert perf.loc["a1", "script_compliance_team_median"] == pytest.approx(0.9)
    assert perf.loc["a1", "empathy_percentile"] == pytest.approx(0.0)
    assert pd.isna(perf.loc["a4", "empathy"])
    report = personal_report(perf.reset_index(), "a1", most=4)
    assert any(s.startswith("Your contacts follow 60% of the script") for s in report.suggestions)
    assert report.kpis["empathy"]["value"] == pytest.approx(0.5)
