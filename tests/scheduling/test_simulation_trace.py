"""Trace replay: hand-made traces give the hand-computed waits; chat concurrency, per-queue
thresholds and short abandons; traces drawn from contact records; the replay window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.patience import estimate_patience
from scheduling.simulation.simulator import (
    ALL_QUEUES,
    SimAgent,
    SimConfig,
    agents_from_roster,
    simulation_totals,
    summarise,
)
from scheduling.simulation.trace import (
    TRACE_COLUMNS,
    observed_counts,
    replay,
    replay_window,
    trace_from_contacts,
    validate_trace,
)

TZ = "Europe/Berlin"
T0 = pd.Timestamp("2026-11-30T08:00:00", tz=TZ)
HOUR = pd.Timedelta(hours=1)


def at(*seconds: float) -> list[pd.Timestamp]:
    return [T0 + pd.Timedelta(seconds=s) for s in seconds]


def trace(arrivals: list[float], handle: list[float], patience: list[float], queue="q"):
    return pd.DataFrame(
        {"queue": queue, "arrived_at": at(*arrivals), "handle_s": handle, "patience_s": patience}
    )


def agent(name: str, queue: str | None = "q", skills: dict[str, int] | None = None) -> SimAgent:
    return SimAgent(name, skills or {"q": 1}, [(T0, T0 + HOUR, queue)])


def busy_cell(counts: pd.DataFrame) -> pd.Series:
    return counts[counts["offered"] > 0].iloc[0]


def test_one_agent_fifo_waits_by_hand() -> None:
    # One agent, 30 s calls arriving at 0, 10, 20, 30 s: served at 0, 30, 60; waits 0, 20, 40.
    # The fourth gives up after 25 s (at 55 s), before the agent is free at 90 s.
    calls = trace([0, 10, 20, 30], [30.0] * 4, [np.inf, np.inf, np.inf, 25.0])
    counts = replay(calls, [agent("a")], SimConfig(interval_minutes=15))
    cell = busy_cell(counts)
    assert (cell["offered"], cell["answered"], cell["abandoned"]) == (4, 3, 1)
    assert cell["wait_sum"] == 0 + 20 + 40
    assert cell["within"] == 2  # waits of 0 and 20 s (inclusive)
    assert cell["busy_s"] == 90.0 and cell["staffed_s"] == 900.0
    row = summarise(counts).iloc[0]
    assert row["asa_s"] == 20.0 and row["service_level"] == 0.5 and row["occupancy"] == 0.1
    # Every interval of the window is a row: 08:00 only (the last arrival's interval).
    assert counts["interval_start"].unique().tolist() == [T0]


def test_two_agents_proficiency_and_shift_end() -> None:
    # Three calls at once on two agents: the third waits for the first to finish (60 s).
    calls = trace([0, 0, 0], [60.0, 120.0, 30.0], [np.inf] * 3)
    counts = replay(calls, [agent("a"), agent("b")], SimConfig(interval_minutes=15))
    assert busy_cell(counts)["wait_sum"] == 60.0
    # An agent whose shift ends before a call arrives does not take it.
    early = SimAgent("e", {"q": 1}, [(T0, T0 + pd.Timedelta(seconds=5), "q")])
    late = trace([10], [30.0], [100.0])
    gone = busy_cell(replay(late, [early], SimConfig(interval_minutes=15)))
    assert (gone["answered"], gone["abandoned"]) == (0, 1)


def test_chat_agent_holds_two_chats() -> None:
    # One chat agent with 2 slots: chats at 0 and 1 s start at once; the third waits until the
    # first ends at 100 s (wait 98 s).
    chats = trace([0, 1, 2], [100.0, 100.0, 100.0], [np.inf] * 3, queue="chat")
    chat_agent = SimAgent("c", {"chat": 1}, [(T0, T0 + HOUR, "chat")])
    config = SimConfig(interval_minutes=15, concurrency={"chat": 2}, threshold_s={"chat": 60.0})
    cell = busy_cell(replay(chats, [chat_agent], config))
    assert cell["wait_sum"] == 98.0 and cell["within"] == 2
    assert cell["staffed_s"] == 2 * 900.0 and cell["busy_s"] == 300.0
    # Without concurrency the same chats wait 99 and 198 s.
    single = busy_cell(replay(chats, [chat_agent], SimConfig(interval_minutes=15)))
    assert single["wait_sum"] == 99.0 + 198.0


def test_thresholds_per_queue_and_short_abandons_out_of_service_level() -> None:
    both = pd.concat(
        [
            trace([0, 1], [50.0, 50.0], [np.inf, 3.0], queue="voice"),
            trace([0, 1], [50.0, 50.0], [np.inf, np.inf], queue="mail"),
        ],
        ignore_index=True,
    )
    agents = [
        SimAgent("v", {"voice": 1}, [(T0, T0 + HOUR, "voice")]),
        SimAgent("m", {"mail": 1}, [(T0, T0 + HOUR, "mail")]),
    ]
    config = SimConfig(interval_minutes=15, threshold_s={"voice": 20.0, "mail": 4 * 3600.0})
    result = summarise(replay(both, agents, config)).set_index("queue")
    # voice: one answered at once, one gone after 3 s (a short abandon, out of the ratio).
    assert result.loc["voice", "abandon_rate"] == 0.5
    assert result.loc["voice", "service_level"] == 1.0
    # mail: the second waits 49 s, well within 4 h.
    assert result.loc["mail", "service_level"] == 1.0 and result.loc["mail", "asa_s"] == 24.5


def test_trace_validation_names_rows() -> None:
    bad = trace([0, 1, 2], [30.0, -1.0, 30.0], [np.inf, 10.0, -5.0])
    with pytest.raises(InvalidInput) as caught:
        validate_trace(bad)
    assert {(e.row, e.field) for e in caught.value.errors} == {(1, "handle_s"), (2, "patience_s")}
    with pytest.raises(InvalidInput, match="lacks columns"):
        validate_trace(bad.drop(columns="patience_s"))
    fine = validate_trace(trace([0], [30.0], [np.nan]))
    assert list(fine.columns) == TRACE_COLUMNS and np.isinf(fine["patience_s"].iloc[0])


def records() -> pd.DataFrame:
    """Six calls: four served (waits 5, 10, 40, 0 s), two abandoned (after 30 and 60 s)."""
    arrived = at(0, 60, 120, 180, 240, 300)
    waits = [5, 10, 40, 0, 30, 60]
    gone = [False, False, False, False, True, True]
    return pd.DataFrame(
        {
            "queue": "q",
            "arrived_at": arrived,
            "answered_at": [
                a + pd.Timedelta(seconds=w) if not g else pd.NaT
                for a, w, g in zip(arrived, waits, gone, strict=True)
            ],
            "ended_at": [
                a + pd.Timedelta(seconds=w + (100 if not g else 0))
                for a, w, g in zip(arrived, waits, gone, strict=True)
            ],
            "abandoned": gone,
            "handle_s": [100.0, 200.0, 300.0, 400.0, np.nan, np.nan],
        }
    )


def test_trace_from_contacts_fills_what_records_cannot_know() -> None:
    contacts = records()
    rng = np.random.default_rng(7)
    drawn = trace_from_contacts(contacts, rng, censored="kaplan_meier")
    assert list(drawn.columns) == TRACE_COLUMNS
    # Abandoned calls keep their observed patience; served ones exceed their wait.
    assert drawn["patience_s"].iloc[4:].tolist() == [30.0, 60.0]
    assert (drawn["patience_s"].iloc[:4].to_numpy() > [5, 10, 40, 0]).all()
    # Handle times of abandoned calls come from the served calls' of the queue.
    assert drawn["handle_s"].iloc[:4].tolist() == [100.0, 200.0, 300.0, 400.0]
    assert set(drawn["handle_s"].iloc[4:]) <= {100.0, 200.0, 300.0, 400.0}
    patient = trace_from_contacts(contacts, rng, censored="infinite")
    assert np.isinf(patient["patience_s"].iloc[:4]).all()
    exponential = trace_from_contacts(
        contacts, rng, censored="exponential", patience=estimate_patience(contacts)
    )
    assert (exponential["patience_s"].iloc[:4].to_numpy() > [5, 10, 40, 0]).all()
    with pytest.raises(InvalidInput, match="censored"):
        trace_from_contacts(contacts, rng, censored="never")


def test_observed_counts_are_the_records_own() -> None:
    config = SimConfig(interval_minutes=15, threshold_s=20.0)
    counts = observed_counts(records(), config)
    cell = busy_cell(counts)
    assert (cell["offered"], cell["answered"], cell["abandoned"]) == (6, 4, 2)
    assert cell["within"] == 3 and cell["wait_sum"] == 55.0 and cell["short_abandoned"] == 0
    totals = simulation_totals(counts, 0.8).set_index("queue")
    assert totals.loc["q", "service_level"] == 0.5  # 3 within 20 s of 6 offered
    assert totals.loc["q", "intervals_met"] == 0.0 and totals.loc["q", "intervals"] == 1
    assert np.isnan(totals.loc["q", "occupancy"])


def test_totals_pool_queues_and_intervals() -> None:
    two = pd.concat(
        [trace([0, 1000], [10.0, 10.0], [np.inf] * 2), trace([5], [10.0], [np.inf], queue="r")],
        ignore_index=True,
    )
    agents = [agent("a", None, {"q": 1, "r": 1})]
    counts = replay(two, agents, SimConfig(interval_minutes=15))
    totals = simulation_totals(counts, {"q": 0.8, "r": 0.8}).set_index("queue")
    assert totals.loc["q", "intervals"] == 2 and totals.loc["q", "intervals_met"] == 1.0
    # r's call waits 5 s behind q's first call: answered within 20 s.
    assert totals.loc[ALL_QUEUES, "offered"] == 3 and totals.loc[ALL_QUEUES, "service_level"] == 1.0
    assert totals.loc[ALL_QUEUES, "intervals"] == 3


def test_replay_window_aligns_local_intervals_and_knows_dst() -> None:
    spring = pd.Timestamp("2026-03-29T00:00:00", tz=TZ)
    starts = replay_window(
        pd.Series([], dtype=f"datetime64[ns, {TZ}]"), 15, spring, spring + pd.Timedelta(hours=23)
    )
    assert len(starts) == 92  # a 23-hour day
    starts = replay_window(pd.Series(at(7, 1000)), 15, None, None)
    assert starts.tolist() == [T0, T0 + pd.Timedelta(minutes=15)]
    calls = trace([0, 4000], [10.0, 10.0], [np.inf, np.inf])
    window = replay(calls, [agent("a")], SimConfig(interval_minutes=30), T0, T0 + HOUR)
    assert window["offered"].sum() == 1  # the call at 4000 s is outside [08:00, 09:00)
    with pytest.raises(InvalidInput, match="empty"):
        replay_window(pd.Series(at(0)), 15, T0, T0)


def test_agents_from_roster_rows() -> None:
    roster = pd.DataFrame(
        {
            "agent_id": ["a", "a", "a", "b"],
            "date": "2026-11-30",
            "activity": ["work", "break", "work", "work"],
            "queue": ["billing", None, "sales", None],
            "start": [T0, T0 + HOUR, T0 + 1.5 * HOUR, T0],
            "end": [T0 + HOUR, T0 + 1.5 * HOUR, T0 + 3 * HOUR, T0 + HOUR],
        }
    )
    agents = {a.agent_id: a for a in agents_from_roster(roster, {"b": {"billing": 3}})}
    assert agents["a"].skills == {"billing": 1, "sales": 1}
    assert agents["a"].shifts == [
        (T0, T0 + HOUR, "billing"),
        (T0 + 1.5 * HOUR, T0 + 3 * HOUR, "sales"),
    ]
    assert agents["b"].skills == {"billing": 3} and agents["b"].shifts == [(T0, T0 + HOUR, None)]
    with pytest.raises(InvalidInput, match="lacks columns"):
        agents_from_roster(roster.drop(columns="activity"))
