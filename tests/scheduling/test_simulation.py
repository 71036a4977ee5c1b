"""The simulator agrees with Erlang C and Erlang A within confidence bounds over replications,
shows the pooling gain of multi-skill agents, and follows shifts, queue restrictions and
requirement tables."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.erlang import erlang_a_metrics, erlang_c_metrics
from scheduling.requirements import ServiceTargets, compute_requirements
from scheduling.simulation.simulator import (
    SIMULATION_COLUMNS,
    SimAgent,
    SimConfig,
    agents_from_requirements,
    simulate,
    simulate_replications,
)

STARTS = pd.date_range("2026-11-30T08:00:00", periods=16, freq="30min", tz="Europe/Berlin")
DAY = (STARTS[0] - pd.Timedelta(hours=1), STARTS[-1] + pd.Timedelta(hours=3))


def steady_forecast(queue: str = "q", volume: float = 300.0, aht: float = 180.0) -> pd.DataFrame:
    return pd.DataFrame({"queue": queue, "interval_start": STARTS, "volume": volume, "aht_s": aht})


def all_day(n: int, skills: dict[str, int], prefix: str = "a") -> list[SimAgent]:
    return [SimAgent(f"{prefix}{i}", dict(skills), [(DAY[0], DAY[1], None)]) for i in range(n)]


def per_replication(counts: pd.DataFrame) -> pd.DataFrame:
    """Totals per replication after a one-hour warm-up (the centre starts empty)."""
    steady = counts[counts["interval_start"] >= STARTS[2]]
    totals = steady.groupby("replication")[
        ["offered", "answered", "abandoned", "within", "wait_sum", "busy_s", "staffed_s"]
    ].sum()
    return pd.DataFrame(
        {
            "service_level": totals["within"] / totals["offered"],
            "asa_s": totals["wait_sum"] / totals["answered"],
            "abandon_rate": totals["abandoned"] / totals["offered"],
            "occupancy": totals["busy_s"] / totals["staffed_s"],
        }
    )


def assert_within_bounds(samples: pd.Series, expected: float, slack: float = 0.0) -> None:
    """Expected value inside mean +- 4 standard errors (plus a small model slack)."""
    mean = samples.mean()
    half = 4.0 * samples.std(ddof=1) / np.sqrt(len(samples)) + slack
    assert abs(mean - expected) <= half, f"{mean:.4f} vs {expected:.4f} (+-{half:.4f})"


def test_single_queue_agrees_with_erlang_c() -> None:
    config = SimConfig(handle_distribution="exponential", replications=30, seed=3)
    runs = per_replication(simulate_replications(steady_forecast(), all_day(34, {"q": 1}), config))
    theory = erlang_c_metrics(34, 300 / 1800, 180.0, 20.0)
    assert_within_bounds(runs["service_level"], float(theory.service_level), slack=0.01)
    assert_within_bounds(runs["asa_s"], float(theory.asa_s), slack=0.5)
    assert_within_bounds(runs["occupancy"], 30 / 34, slack=0.005)
    assert runs["abandon_rate"].max() == 0.0


def test_abandonment_agrees_with_erlang_a() -> None:
    config = SimConfig(handle_distribution="exponential", patience_s=120.0, replications=30, seed=5)
    runs = per_replication(simulate_replications(steady_forecast(), all_day(28, {"q": 1}), config))
    theory = erlang_a_metrics(28, 300 / 1800, 180.0, 120.0, 20.0)
    assert_within_bounds(runs["service_level"], float(theory.service_level), slack=0.01)
    assert_within_bounds(runs["abandon_rate"], float(theory.p_abandon), slack=0.005)
    assert_within_bounds(runs["asa_s"], float(theory.asa_s), slack=0.5)
    assert_within_bounds(runs["occupancy"], float(theory.occupancy), slack=0.005)


def test_multi_skill_agents_show_the_pooling_gain() -> None:
    forecast = pd.concat([steady_forecast("billing", 150.0), steady_forecast("sales", 150.0)])
    config = SimConfig(handle_distribution="exponential", replications=15, seed=11)
    separate = all_day(17, {"billing": 3}, "b") + all_day(17, {"sales": 3}, "s")
    pooled = all_day(34, {"billing": 3, "sales": 3}, "p")
    sep = per_replication(simulate_replications(forecast, separate, config))
    pool = per_replication(simulate_replications(forecast, pooled, config))
    assert_within_bounds(sep["service_level"], 0.5834, slack=0.015)  # Erlang C, 17 for 15 Erl.
    assert_within_bounds(pool["service_level"], 0.7587, slack=0.015)  # Erlang C, 34 for 30 Erl.
    assert pool["service_level"].mean() > sep["service_level"].mean() + 0.1


def test_shift_restriction_priority_and_idle_agents() -> None:
    forecast = pd.concat([steady_forecast("billing", 40.0), steady_forecast("sales", 40.0)])
    # One agent skilled on both but restricted to billing all day: sales is never served.
    agent = SimAgent("x", {"billing": 5, "sales": 5}, [(DAY[0], DAY[1], "billing")])
    result = simulate(forecast, [agent], SimConfig(patience_s=60.0, seed=1))
    sales = result[result["queue"] == "sales"]
    assert sales["answered"].sum() == 0
    assert sales["abandoned"].sum() == sales["offered"].sum() > 0
    assert sales["occupancy"].isna().all()
    billing = result[result["queue"] == "billing"]
    assert billing["answered"].sum() > 0
    assert ((billing["occupancy"] > 0) & (billing["occupancy"] <= 1)).all()


def test_no_agents_after_shift_end() -> None:
    half = STARTS[8]
    agents = [SimAgent(f"a{i}", {"q": 1}, [(DAY[0], half, None)]) for i in range(20)]
    result = simulate(steady_forecast(volume=100.0), agents, SimConfig(patience_s=30.0, seed=2))
    late = result[result["interval_start"] >= STARTS[9]]
    early = result[(result["interval_start"] >= STARTS[1]) & (result["interval_start"] < half)]
    assert late["answered"].sum() == 0
    assert (late["abandon_rate"] == 1.0).all()
    assert (early["service_level"] > 0.9).all()


def test_requirements_become_dedicated_agents() -> None:
    starts = STARTS[:4]
    req = pd.DataFrame({"queue": "q", "interval_start": starts, "agents": [1, 3, 0, 2]})
    agents = agents_from_requirements(req)
    assert [a.agent_id for a in agents] == ["q-001", "q-002", "q-003"]
    quarter = pd.Timedelta(minutes=30)
    assert agents[0].shifts == [
        (starts[0], starts[1] + quarter, "q"),
        (starts[3], starts[3] + quarter, "q"),
    ]
    assert agents[2].shifts == [(starts[1], starts[1] + quarter, "q")]


def test_output_shape_zero_volume_and_reproducibility() -> None:
    forecast = steady_forecast(volume=50.0)
    forecast.loc[3, "volume"] = 0.0
    config = SimConfig(seed=9, replications=2)
    first = simulate(forecast, all_day(8, {"q": 1}), config)
    second = simulate(forecast, all_day(8, {"q": 1}), config)
    assert list(first.columns) == SIMULATION_COLUMNS
    assert len(first) == len(forecast)
    pd.testing.assert_frame_equal(first, second)
    assert first.loc[3, "offered"] == 0.0 and first.loc[3, "service_level"] == 1.0
    assert first["offered"].sum() == pytest.approx(50.0 * 15, rel=0.1)


def test_lognormal_and_empirical_handle_times_keep_the_mean() -> None:
    forecast = steady_forecast(volume=200.0, aht=240.0)
    agents = all_day(40, {"q": 1})
    lognormal = simulate(forecast, agents, SimConfig(handle_cv=0.6, seed=4))
    samples = {"q": [60.0, 120.0, 480.0]}
    empirical = simulate(
        forecast, agents, SimConfig(handle_distribution="empirical", handle_samples=samples)
    )
    for result in (lognormal, empirical):
        steady = result.iloc[2:]
        # Occupancy ~ load / agents = 200 * 240 / 1800 / 40.
        assert steady["occupancy"].mean() == pytest.approx(26.67 / 40, abs=0.04)


def test_invalid_settings_and_agents() -> None:
    with pytest.raises(InvalidInput, match="replications"):
        SimConfig(replications=0)
    bad = SimAgent("x", {"q": 1}, [(DAY[1], DAY[0], None), (DAY[0], DAY[1], "other")])
    with pytest.raises(InvalidInput) as caught:
        simulate(steady_forecast(), [bad], SimConfig())
    assert len(caught.value.errors) == 2
    doubled = pd.concat([steady_forecast(), steady_forecast().iloc[[3]]], ignore_index=True)
    with pytest.raises(InvalidInput) as caught:
        simulate(doubled, all_day(2, {"q": 1}), SimConfig())
    assert [(e.row, e.field) for e in caught.value.errors] == [(16, "interval_start")]


def test_hundred_thousand_contacts_in_a_few_seconds() -> None:
    starts = pd.date_range("2026-11-30T00:00:00", periods=96, freq="15min", tz="UTC")
    forecast = pd.concat(
        [
            pd.DataFrame({"queue": q, "interval_start": starts, "volume": 260.0, "aht_s": 240.0})
            for q in ("a", "b", "c", "d")
        ]
    )
    span = (starts[0], starts[-1] + pd.Timedelta(minutes=15), None)
    agents = [SimAgent(f"a{i}", {"a": 1, "b": 2, "c": 1, "d": 3}, [span]) for i in range(290)]
    began = time.perf_counter()
    result = simulate(forecast, agents, SimConfig(patience_s=200.0))
    elapsed = time.perf_counter() - began
    assert result["offered"].sum() > 95_000
    assert elapsed < 5.0


def test_staffing_to_the_requirement_meets_the_target_in_simulation() -> None:
    forecast = steady_forecast(volume=240.0, aht=200.0)
    req = compute_requirements(forecast, ServiceTargets(max_occupancy=1.0))
    agents = agents_from_requirements(req)
    assert len(agents) == int(req["agents"].max())
    config = SimConfig(handle_distribution="exponential", replications=20, seed=13)
    runs = per_replication(simulate_replications(forecast, agents, config))
    expected = float(req["expected_service_level"].iloc[0])
    assert expected >= 0.8
    assert_within_bounds(runs["service_level"], expected, slack=0.01)
