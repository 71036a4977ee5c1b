"""Erlang B/C/A against exact textbook formulas (fractions), a brute-force birth-death chain and
direct numerical integration; monotonicity properties with hypothesis."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from scheduling.erlang import (
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    log_erlang_b,
    queue_metrics,
    shared_pool_abandonment,
)
from scheduling.simulation.simulator import SimAgent, SimConfig, simulate_replications


def exact_erlang_c(agents: int, load: Fraction) -> Fraction:
    """Textbook Erlang C with exact rational arithmetic."""
    below = sum(load**k / math.factorial(k) for k in range(agents))
    top = load**agents / math.factorial(agents) * Fraction(agents) / (agents - load)
    return top / (below + top)


def exact_erlang_b(agents: int, load: Fraction) -> Fraction:
    terms = [load**k / math.factorial(k) for k in range(agents + 1)]
    return terms[-1] / sum(terms)


def test_callcentrehelper_worked_example() -> None:
    # 100 calls in 30 minutes, AHT 180 s: 10 Erlangs; the published answer is 14 agents with
    # P(wait) 17.4 %, service level 88.8 % within 20 s, ASA 7.8 s and occupancy 71.4 %.
    m = erlang_c_metrics(14, 100 / 1800, 180.0, 20.0)
    p_wait = float(exact_erlang_c(14, Fraction(10)))
    assert float(m.p_wait) == pytest.approx(p_wait, rel=1e-12)
    assert float(m.p_wait) == pytest.approx(0.1741, abs=5e-5)
    assert float(m.service_level) == pytest.approx(1 - p_wait * math.exp(-4 * 20 / 180), rel=1e-12)
    assert float(m.service_level) == pytest.approx(0.8883, abs=1e-4)
    assert float(m.asa_s) == pytest.approx(p_wait * 180 / 4, rel=1e-12)
    assert float(m.occupancy) == pytest.approx(10 / 14)
    # 13 agents miss 80/20, which is why 14 is the answer.
    thirteen = erlang_c_metrics(13, 100 / 1800, 180.0, 20.0)
    p13 = float(exact_erlang_c(13, Fraction(10)))
    assert float(thirteen.service_level) == pytest.approx(1 - p13 * math.exp(-3 * 20 / 180))
    assert float(thirteen.service_level) < 0.8


@pytest.mark.parametrize(
    ("agents", "load"),
    [
        (1, Fraction(1, 2)),
        (5, Fraction(4)),
        (11, Fraction(10)),
        (30, Fraction(51, 2)),
        (120, Fraction(100)),
        (250, Fraction(2459, 10)),
    ],
)
def test_erlang_b_and_c_match_exact_fractions(agents: int, load: Fraction) -> None:
    assert float(erlang_b(agents, float(load))) == pytest.approx(
        float(exact_erlang_b(agents, load)), rel=1e-10
    )
    assert float(erlang_c(agents, float(load))) == pytest.approx(
        float(exact_erlang_c(agents, load)), rel=1e-10
    )


def test_very_large_load_5000_contacts_per_30_minutes() -> None:
    # 5,000 contacts in 1,800 s at 300 s: 2500/3 Erlangs. Check around the 80/20 answer exactly.
    load = Fraction(2500, 3)
    for agents in (846, 848, 860):
        exact = float(exact_erlang_c(agents, load))
        assert float(erlang_c(agents, float(load))) == pytest.approx(exact, rel=1e-9)


def test_erlang_b_deep_overload_is_finite_and_right() -> None:
    # Far below the load, 1/B follows the stable recursion 1/B_k = 1 + k/a * 1/B_{k-1}.
    for agents, load in [(10, 1e6), (1000, 1e6), (100, 5e4), (2000, 3000.0)]:
        inverse = 1.0
        for k in range(1, agents + 1):
            inverse = 1.0 + inverse * k / load
        assert float(erlang_b(agents, load)) == pytest.approx(1.0 / inverse, rel=1e-10)
    assert np.all(np.isfinite(log_erlang_b([0, 1, 5000], [1e7, 1e7, 1e7])))


def test_zero_load() -> None:
    m = erlang_c_metrics([0, 3], 0.0, 300.0, 20.0)
    assert m.service_level.tolist() == [1.0, 1.0]
    assert m.occupancy.tolist() == [0.0, 0.0]
    assert float(erlang_b(0, 0.0)) == 1.0


def birth_death(agents: int, rate: float, aht: float, patience: float) -> tuple[float, float]:
    """P(wait) and P(abandon) of M/M/n+M from its truncated birth-death chain."""
    log_p = [0.0]
    for k in range(1, agents + 5000):
        death = min(k, agents) / aht + max(k - agents, 0) / patience
        log_p.append(log_p[-1] + math.log(rate / death))
    p = np.exp(np.array(log_p) - max(log_p))
    p /= p.sum()
    waiting = np.arange(len(p)) - agents
    p_abandon = float(np.sum(p[agents:] * waiting[agents:] / patience) / rate)
    return float(p[agents:].sum()), p_abandon


@pytest.mark.parametrize(
    ("agents", "rate", "aht", "patience"),
    [
        (14, 100 / 1800, 180.0, 120.0),
        (5, 100 / 1800, 180.0, 60.0),
        (50, 0.5, 120.0, 30.0),
        (20, 0.2, 100.0, 300.0),
        (300, 2.0, 180.0, 90.0),
    ],
)
def test_erlang_a_matches_birth_death_chain_and_integrals(
    agents: int, rate: float, aht: float, patience: float
) -> None:
    m = erlang_a_metrics(agents, rate, aht, patience, 20.0)
    p_wait, p_abandon = birth_death(agents, rate, aht, patience)
    assert float(m.p_wait) == pytest.approx(p_wait, rel=1e-8)
    assert float(m.p_abandon) == pytest.approx(p_abandon, rel=1e-7)
    # Offered-wait density of a waiting contact, integrated numerically (Mandelbaum-Zeltyn).
    mu, theta = 1 / aht, 1 / patience
    pi_n = p_wait - birth_death_tail(agents, rate, aht, patience)

    def density(s: float) -> float:
        return (
            agents
            * mu
            * pi_n
            * math.exp(rate / theta * (1 - math.exp(-theta * s)) - agents * mu * s)
        )

    answered_late = integrate.quad(lambda s: density(s) * math.exp(-theta * s), 20.0, np.inf)[0]
    answered_waiting = integrate.quad(lambda s: density(s) * math.exp(-theta * s), 0, np.inf)[0]
    waited = integrate.quad(lambda s: s * density(s) * math.exp(-theta * s), 0, np.inf)[0]
    assert float(m.service_level) == pytest.approx(
        1 - p_wait + answered_waiting - answered_late, abs=1e-7
    )
    assert float(m.asa_s) == pytest.approx(waited / (1 - p_abandon), rel=1e-5)
    assert float(m.occupancy) == pytest.approx(rate * aht * (1 - p_abandon) / agents)


def birth_death_tail(agents: int, rate: float, aht: float, patience: float) -> float:
    """P(N > n) of the chain: the waiting probability minus P(N = n)."""
    log_p = [0.0]
    for k in range(1, agents + 5000):
        death = min(k, agents) / aht + max(k - agents, 0) / patience
        log_p.append(log_p[-1] + math.log(rate / death))
    p = np.exp(np.array(log_p) - max(log_p))
    p /= p.sum()
    return float(p[agents + 1 :].sum())


def test_erlang_a_tends_to_erlang_c_without_abandonment() -> None:
    c = erlang_c_metrics([12, 14, 20], 100 / 1800, 180.0, 20.0)
    a = erlang_a_metrics([12, 14, 20], 100 / 1800, 180.0, 1e9, 20.0)
    np.testing.assert_allclose(a.service_level, c.service_level, rtol=1e-6)
    np.testing.assert_allclose(a.asa_s, c.asa_s, rtol=1e-5)
    np.testing.assert_allclose(a.p_wait, c.p_wait, rtol=1e-6)


def test_erlang_a_large_centre_is_finite() -> None:
    m = erlang_a_metrics([400, 850, 2000], 5000 / 1800, 300.0, 180.0, 20.0)
    for values in (m.p_wait, m.p_abandon, m.service_level, m.asa_s, m.occupancy):
        assert np.all(np.isfinite(values))
    # 400 agents for 833 Erlangs: about 52 % must abandon (served load cannot exceed 400).
    assert float(m.p_abandon[0]) == pytest.approx(1 - 400 / (2500 / 3), abs=0.01)
    assert m.service_level[1] > m.service_level[0]


def test_queue_metrics_mixes_c_and_a_by_patience() -> None:
    m = queue_metrics([14, 14], 100 / 1800, 180.0, 20.0, [np.nan, 120.0])
    assert float(m.p_abandon[0]) == 0.0
    assert float(m.p_abandon[1]) > 0.0
    assert float(m.service_level[0]) == pytest.approx(0.8883, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(
    load=st.floats(0.1, 3000.0),
    extra=st.integers(1, 200),
    aht=st.floats(10.0, 1200.0),
    threshold=st.floats(0.0, 120.0),
    patience=st.one_of(st.none(), st.floats(5.0, 3600.0)),
)
def test_more_agents_never_lower_service_level(
    load: float, extra: int, aht: float, threshold: float, patience: float | None
) -> None:
    agents = np.arange(max(int(load) - 20, 1), int(load) + extra + 1)
    m = queue_metrics(agents, load / aht, aht, threshold, patience)
    assert np.all(np.diff(m.service_level) >= -1e-9)
    assert np.all(np.diff(m.occupancy) <= 1e-9)


def test_shared_pool_of_one_class_is_erlang_a() -> None:
    one = shared_pool_abandonment(28, 300 / 1800, 180.0, 120.0, [120.0])
    assert one[0] == pytest.approx(
        float(erlang_a_metrics(28, 300 / 1800, 180.0, 120.0, 20.0).p_abandon), rel=1e-9
    )
    large = shared_pool_abandonment(500, 3.0, 180.0, 300.0, [300.0])
    assert large[0] == pytest.approx(
        float(erlang_a_metrics(500, 3.0, 180.0, 300.0, 20.0).p_abandon), rel=1e-9
    )


def test_shared_pool_classes_match_the_simulator() -> None:
    """Two queues on the same 34 agents, first come first served, patience 60 s and 300 s."""
    starts = pd.date_range("2026-11-30T08:00", periods=16, freq="30min", tz="UTC")
    forecast = pd.concat(
        [
            pd.DataFrame({"queue": q, "interval_start": starts, "volume": 160.0, "aht_s": 180.0})
            for q in ("fast", "slow")
        ]
    )
    day = (starts[0] - pd.Timedelta(hours=1), starts[-1] + pd.Timedelta(hours=3))
    agents = [
        SimAgent(f"a{i}", {"fast": 1, "slow": 1}, [(day[0], day[1], None)]) for i in range(34)
    ]
    config = SimConfig(
        handle_distribution="exponential",
        patience_s={"fast": 60.0, "slow": 300.0},
        replications=20,
        seed=4,
    )
    counts = simulate_replications(forecast, agents, config)
    steady = counts[counts["interval_start"] >= starts[2]]
    totals = steady.groupby(["replication", "queue"])[["offered", "abandoned"]].sum()
    rates = (totals["abandoned"] / totals["offered"]).unstack()
    pool = 1.0 / (0.5 / 60.0 + 0.5 / 300.0)
    theory = shared_pool_abandonment(34, 320 / 1800, 180.0, pool, [60.0, 300.0])
    for k, queue in enumerate(("fast", "slow")):
        mean = rates[queue].mean()
        half = 4.0 * rates[queue].std(ddof=1) / np.sqrt(len(rates)) + 0.003
        assert abs(mean - theory[k]) <= half, (queue, mean, theory[k])
    assert theory[0] > 3 * theory[1]  # the impatient class abandons far more in the same pool
