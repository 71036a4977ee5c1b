"""Patience from censored waits: a known exponential patience is recovered when service censors
it; Kaplan-Meier survival; waits from contact records; conditional draws for replays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.patience import (
    PATIENCE_COLUMNS,
    contact_waits,
    estimate_patience,
    patience_table,
    with_patience,
)
from scheduling.requirements import ServiceTargets

T0 = pd.Timestamp("2026-11-30T08:00:00", tz="Europe/Berlin")


def censored_sample(
    mean_patience: float, mean_offered_wait: float, n: int, seed: int
) -> pd.DataFrame:
    """Callers with exponential patience whose wait is cut short by service: a caller abandons at
    its patience when that is shorter than the wait it was offered, else it is served."""
    rng = np.random.default_rng(seed)
    patience = rng.exponential(mean_patience, n)
    offered = rng.exponential(mean_offered_wait, n)
    gone = patience < offered
    return pd.DataFrame(
        {"queue": "q", "wait_s": np.where(gone, patience, offered), "abandoned": gone}
    )


def test_known_exponential_patience_is_recovered_despite_censoring() -> None:
    waits = censored_sample(120.0, 60.0, 20_000, seed=1)
    estimate = estimate_patience(waits)["q"]
    assert estimate.low_s < 120.0 < estimate.high_s
    assert estimate.mean_s == pytest.approx(120.0, rel=0.03)
    # Abandonments over exposure, by definition.
    assert estimate.mean_s == pytest.approx(waits["wait_s"].sum() / waits["abandoned"].sum())
    # The naive mean of abandoned waits is badly biased (those who waited long were served).
    assert waits.loc[waits["abandoned"], "wait_s"].mean() < 50.0
    # Kaplan-Meier survival follows exp(-t/120) and its median 120 ln 2 = 83 s.
    times = np.array([30.0, 60.0, 120.0])
    assert estimate.survival_at(times) == pytest.approx(np.exp(-times / 120.0), abs=0.02)
    assert estimate.median_s() == pytest.approx(120.0 * np.log(2.0), rel=0.05)
    assert estimate.patience_s == estimate.mean_s


def test_small_hand_example_and_table() -> None:
    waits = pd.DataFrame(
        {
            "queue": ["q"] * 4 + ["calm"],
            "wait_s": [10.0, 30.0, 60.0, 20.0, 5.0],
            "abandoned": [True, False, True, False, False],
        }
    )
    estimates = estimate_patience(waits, min_at_risk=1)
    q = estimates["q"]
    assert (q.contacts, q.abandoned, q.exposure_s, q.mean_s) == (4, 2, 120.0, 60.0)
    # Kaplan-Meier: at 10 s one of 4 leaves (S = 3/4); at 60 s the last one at risk leaves.
    assert q.survival_at([0.0, 10.0, 59.0, 60.0]).tolist() == pytest.approx([1.0, 0.75, 0.75, 0.0])
    calm = estimates["calm"]
    assert calm.mean_s == np.inf and calm.patience_s is None
    targets = {
        "q": ServiceTargets(),
        "calm": ServiceTargets(),
        "mail": ServiceTargets.for_channel("email"),
    }
    planned = with_patience(targets, {**estimates, "mail": q})
    assert planned["q"].patience_s == 60.0
    assert planned["calm"].patience_s is None and planned["mail"].patience_s is None
    table = patience_table(estimates)
    assert list(table.columns) == PATIENCE_COLUMNS
    assert table.set_index("queue").loc["q", "abandon_rate"] == 0.5


def test_waits_from_contact_records() -> None:
    contacts = pd.DataFrame(
        {
            "queue": ["a", "a", "a", "b"],
            "arrived_at": [T0, T0, T0 + pd.Timedelta(seconds=5), T0],
            "answered_at": [T0 + pd.Timedelta(seconds=12), pd.NaT, pd.NaT, T0],
            "ended_at": [
                T0 + pd.Timedelta(seconds=200),
                T0 + pd.Timedelta(seconds=40),
                pd.NaT,
                T0 + pd.Timedelta(seconds=60),
            ],
            "abandoned": [False, None, True, False],
            "handle_s": [188.0, None, None, 60.0],
        }
    )
    waits = contact_waits(contacts)
    assert waits["wait_s"].tolist()[:2] == [12.0, 40.0]
    assert np.isnan(waits["wait_s"].iloc[2])  # abandoned, no end time
    assert waits["abandoned"].tolist() == [False, True, True, False]  # derived: ended unanswered
    assert waits["handle_s"].tolist()[0] == 188.0 and np.isnan(waits["handle_s"].iloc[1])
    estimate = estimate_patience(contacts)["a"]
    assert (estimate.contacts, estimate.abandoned, estimate.exposure_s) == (2, 1, 52.0)
    with pytest.raises(InvalidInput, match="timezone-aware"):
        contact_waits(contacts.assign(arrived_at=contacts["arrived_at"].dt.tz_localize(None)))


def test_draws_beyond_the_observed_wait() -> None:
    estimate = estimate_patience(censored_sample(120.0, 60.0, 20_000, seed=2))["q"]
    rng = np.random.default_rng(3)
    waited = np.full(40_000, 45.0)
    # Memoryless: the extra patience beyond 45 s is exponential with the same mean.
    drawn = estimate.sample_beyond(waited, rng, "exponential")
    assert (drawn > 45.0).all()
    assert (drawn - 45.0).mean() == pytest.approx(estimate.mean_s, rel=0.02)
    assert estimate.mean_s == pytest.approx(120.0, rel=0.03)
    # Kaplan-Meier draws follow the curve: their mean excess is the curve's own
    # integral of S(t) / S(45) beyond 45 s (exponential tail past the last step), which is
    # near 120 s up to the curve's noise where few callers are still waiting.
    drawn = estimate.sample_beyond(waited, rng, "kaplan_meier")
    assert (drawn > 45.0).all()
    grid = np.linspace(45.0, 4000.0, 400_000)
    last_t, last_s = estimate.times_s[-1], estimate.survival[-1]
    curve = np.where(
        grid > last_t,
        last_s * np.exp(-(grid - last_t) / estimate.mean_s),
        estimate.survival_at(grid),
    )
    excess = float(np.trapezoid(curve, grid) / estimate.survival_at(45.0))
    assert (drawn - 45.0).mean() == pytest.approx(excess, rel=0.01)
    assert excess == pytest.approx(120.0, rel=0.08)
    calm = estimate_patience(pd.DataFrame({"queue": "c", "wait_s": [1.0], "abandoned": [False]}))
    assert np.isinf(calm["c"].sample_beyond(np.array([3.0]), rng)).all()
    with pytest.raises(InvalidInput, match="method"):
        estimate.sample_beyond(waited, rng, "uniform")
