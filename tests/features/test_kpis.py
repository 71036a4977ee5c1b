"""KPI roll-ups (features.measures.kpis) on hand-computed contacts, intervals and agent states."""

from __future__ import annotations

import pandas as pd
import pytest

from features.measures.kpis import (
    KpiTotals,
    contact_totals,
    grouped_totals,
    interval_totals,
    kpi_rollup,
    node_contacts,
    state_occupancy,
    weighted_mean,
)

TZ = "UTC"


def frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    data = pd.DataFrame(rows)
    for column in columns:
        data[column] = pd.to_datetime(data[column]).dt.tz_localize(TZ)
    return data


def contacts() -> pd.DataFrame:
    """Billing, 09:00-10:00: answered after 10 s (a1, 300 s), after 30 s (a2, 200 s), abandoned
    after 60 s; 10:00-11:00: answered after 5 s (a1, 100 s)."""
    rows = [
        ("09:00:00", "09:00:10", "09:05:10", False, 300.0, "a1"),
        ("09:10:00", "09:10:30", "09:13:50", False, 200.0, "a2"),
        ("09:20:00", None, "09:21:00", True, None, None),
        ("10:00:00", "10:00:05", "10:01:45", False, 100.0, "a1"),
    ]
    data = frame(
        [
            {
                "queue": "billing",
                "arrived_at": f"2026-11-10 {arrived}",
                "answered_at": None if answered is None else f"2026-11-10 {answered}",
                "ended_at": f"2026-11-10 {ended}",
                "abandoned": abandoned,
                "handle_s": handle,
                "agent_id": agent,
            }
            for arrived, answered, ended, abandoned, handle, agent in rows
        ],
        ("arrived_at", "answered_at", "ended_at"),
    )
    data["team"] = data["agent_id"].map({"a1": "t1", "a2": "t2"})
    return data


def states() -> pd.DataFrame:
    """a1: available 30 min, on contact 30 min, after-contact work 15 min, break 15 min."""
    rows = [
        ("a1", "available", "09:00", "09:30"),
        ("a1", "on_contact", "09:30", "10:00"),
        ("a1", "acw", "10:00", "10:15"),
        ("a1", "break", "10:15", "10:30"),
        ("a2", "break", "09:00", "09:30"),
    ]
    return frame(
        [
            {
                "agent_id": agent,
                "state": state,
                "started_at": f"2026-11-10 {start}",
                "ended_at": f"2026-11-10 {end}",
            }
            for agent, state, start, end in rows
        ],
        ("started_at", "ended_at"),
    )


def test_weighted_mean_skips_missing_values_and_zero_weights() -> None:
    values = pd.Series([10.0, float("nan"), 30.0, 99.0])
    weights = pd.Series([1.0, 5.0, 3.0, 0.0])
    assert weighted_mean(values, weights) == pytest.approx((10 + 90) / 4)
    assert weighted_mean(values, pd.Series([0.0, 1.0, 0.0, 0.0])) is None


def test_interval_totals_weights_times_by_handled_and_sl_by_offered() -> None:
    history = pd.DataFrame(
        {
            "offered": [10, 30],
            "handled": [8, 30],
            "abandoned": [2, 0],
            "aht_s": [100.0, 200.0],
            "asa_s": [10.0, 20.0],
            "service_level": [0.8, 0.5],
        }
    )
    totals = interval_totals(history)
    assert (totals.offered, totals.handled, totals.abandoned) == (40, 38, 2)
    assert totals.aht_s == pytest.approx((800 + 6000) / 38)
    assert totals.asa_s == pytest.approx((80 + 600) / 38)
    assert totals.service_level == pytest.approx((8 + 15) / 40)
    assert totals.abandon_rate == pytest.approx(0.05)
    assert totals.occupancy is None
    assert interval_totals(history.iloc[:0]) == KpiTotals()


def test_contact_totals_over_two_hours() -> None:
    totals = contact_totals(contacts(), TZ)
    # 09:00 hour: 3 offered, 2 handled, AHT 250 s, ASA 20 s, SL 1/3; 10:00 hour: 1, 1, 100, 5, 1.
    assert (totals.offered, totals.handled, totals.abandoned) == (4, 3, 1)
    assert totals.aht_s == pytest.approx((250 * 2 + 100) / 3)
    assert totals.asa_s == pytest.approx((20 * 2 + 5) / 3)
    assert totals.service_level == pytest.approx((1 / 3 * 3 + 1) / 4)
    assert totals.abandon_rate == pytest.approx(0.25)
    assert contact_totals(contacts().iloc[:0], TZ) == KpiTotals()


def test_grouped_totals_per_agent_drop_unlabelled_contacts() -> None:
    data = contacts()
    grouped = grouped_totals(data, data["agent_id"], TZ)
    assert sorted(grouped) == ["a1", "a2"]
    a1, a2 = grouped["a1"], grouped["a2"]
    assert (a1.offered, a1.handled, a1.abandoned) == (2, 2, 0)
    assert a1.aht_s == pytest.approx(200.0)
    assert a1.asa_s == pytest.approx(7.5)
    assert a1.service_level == pytest.approx(1.0)
    assert a1.abandon_rate == 0.0
    assert (a2.offered, a2.handled, a2.aht_s, a2.asa_s) == (1, 1, 200.0, 30.0)
    assert a2.service_level == 0.0
    assert grouped_totals(data, pd.Series([None] * len(data), dtype="str"), TZ) == {}


def test_state_occupancy_is_busy_over_productive_seconds() -> None:
    # a1: busy 30 + 15 min, productive 30 + 30 + 15 min; the break does not count.
    assert state_occupancy(states(), {"a1"}, TZ) == pytest.approx(45 / 75)
    assert state_occupancy(states(), {"a2"}, TZ) is None
    assert state_occupancy(states(), {"nobody"}, TZ) is None


def test_node_contacts_per_level() -> None:
    data = contacts()
    assert len(node_contacts(data, "center", None)) == 4
    assert len(node_contacts(data, "queue", "billing")) == 4
    assert list(node_contacts(data, "team", "t2")["agent_id"]) == ["a2"]
    mine = node_contacts(data, "agent", "a1")
    assert list(mine.index) == [0, 1]
    assert list(mine["handle_s"]) == [300.0, 100.0]


def test_rollup_of_a_team_fills_occupancy_of_the_team_and_its_agents() -> None:
    team_of = {"a1": "t1", "a2": "t2"}
    rollup = kpi_rollup(
        contacts(), level="team", node="t1", timezone=TZ, team_of=team_of, agent_states=states()
    )
    assert (rollup.totals.offered, rollup.totals.handled) == (2, 2)
    assert rollup.totals.occupancy == pytest.approx(0.6)
    assert list(rollup.children) == ["a1"]
    assert rollup.children["a1"].occupancy == pytest.approx(0.6)
    assert rollup.children["a1"].aht_s == pytest.approx(200.0)


def test_rollup_of_a_queue_shows_only_visible_teams() -> None:
    team_of = {"a1": "t1", "a2": "t2"}
    everyone = kpi_rollup(contacts(), level="queue", node="billing", timezone=TZ, team_of=team_of)
    assert sorted(everyone.children) == ["t1", "t2"]
    assert everyone.totals.offered == 4
    assert everyone.totals.occupancy is None
    scoped = kpi_rollup(
        contacts(),
        level="queue",
        node="billing",
        timezone=TZ,
        team_of=team_of,
        visible_children={"t2"},
    )
    assert list(scoped.children) == ["t2"]
    assert scoped.children["t2"].asa_s == pytest.approx(30.0)
    assert scoped.totals == everyone.totals


def test_rollup_of_the_center_and_of_an_agent() -> None:
    team_of = {"a1": "t1", "a2": "t2"}
    center = kpi_rollup(contacts(), level="center", node=None, timezone=TZ, team_of=team_of)
    assert list(center.children) == ["billing"]
    assert center.children["billing"] == center.totals
    agent = kpi_rollup(
        contacts(), level="agent", node="a2", timezone=TZ, team_of=team_of, agent_states=states()
    )
    assert agent.children == {}
    assert agent.totals.offered == 1
    assert agent.totals.occupancy is None
    empty = kpi_rollup(contacts().iloc[:0], level="center", node=None, timezone=TZ, team_of={})
    assert empty.totals == KpiTotals() and empty.children == {}
