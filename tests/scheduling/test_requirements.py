"""Staffing requirements: golden numbers, exact brute-force agreement, targets, shrinkage, input
errors and monotonicity in volume."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.calendar import infer_interval_minutes
from features.errors import InvalidInput
from features.schema import REQUIREMENTS_COLUMNS
from scheduling.erlang import queue_metrics
from scheduling.requirements import ServiceTargets, compute_requirements


def exact_service_level(agents: int, load: Fraction, aht: float, threshold: float) -> float:
    if agents <= load:
        return 0.0
    below = sum(load**k / math.factorial(k) for k in range(agents))
    top = load**agents / math.factorial(agents) * Fraction(agents) / (agents - load)
    p_wait = float(top / (below + top))
    return 1.0 - p_wait * math.exp(-(agents - float(load)) * threshold / aht)


def forecast(
    volumes: list[float], aht: list[float] | float, queue: str = "billing", minutes: int = 30
) -> pd.DataFrame:
    starts = pd.date_range(
        "2026-11-30T08:00:00", periods=len(volumes), freq=f"{minutes}min", tz="Europe/Berlin"
    )
    return pd.DataFrame({"queue": queue, "interval_start": starts, "volume": volumes, "aht_s": aht})


def test_pyworkforce_golden_example() -> None:
    # pyworkforce README: transactions=100, aht=3 min, asa=20/60 min, interval=30,
    # shrinkage=0.3, service_level=0.8, max_occupancy=0.85 -> raw_positions 14, positions 20.
    req = compute_requirements(forecast([100.0, 100.0], 180.0), ServiceTargets())
    assert list(req.columns) == REQUIREMENTS_COLUMNS
    assert req["agents"].tolist() == [14, 14]
    assert req["agents_scheduled"].tolist() == [20, 20]
    assert req["expected_service_level"].iloc[0] == pytest.approx(
        exact_service_level(14, Fraction(10), 180.0, 20.0), rel=1e-12
    )
    assert req["expected_occupancy"].iloc[0] == pytest.approx(10 / 14)


def test_matches_exact_brute_force_search() -> None:
    rng = np.random.default_rng(7)
    volumes = rng.integers(1, 400, 40).astype(float)
    ahts = rng.integers(30, 600, 40).astype(float)
    targets = ServiceTargets(service_level=0.85, threshold_s=30.0, max_occupancy=1.0)
    req = compute_requirements(forecast(volumes.tolist(), ahts.tolist(), minutes=30), targets)
    for volume, aht, got in zip(volumes, ahts, req["agents"], strict=True):
        load = Fraction(int(volume) * int(aht), 1800)
        n = math.floor(load) + 1
        while exact_service_level(n, load, aht, 30.0) < 0.85:
            n += 1
        assert got == n


def test_large_load_5000_contacts_is_exact() -> None:
    req = compute_requirements(forecast([5000.0, 5000.0], 300.0), ServiceTargets())
    n = int(req["agents"].iloc[0])
    load = Fraction(2500, 3)
    assert exact_service_level(n, load, 300.0, 20.0) >= 0.8
    assert exact_service_level(n - 1, load, 300.0, 20.0) < 0.8 or (2500 / 3) / (n - 1) > 0.85
    assert n == 981  # occupancy cap 0.85 binds: ceil(833.33 / 0.85)


def test_occupancy_cap_binds_and_asa_target() -> None:
    loose = ServiceTargets(service_level=0.5, max_occupancy=0.7)
    req = compute_requirements(forecast([300.0, 300.0], 300.0), loose)
    assert req["agents"].iloc[0] == math.ceil(50 / 0.7)
    strict_asa = ServiceTargets(asa_s=2.0, max_occupancy=1.0)
    plain = compute_requirements(forecast([100.0, 100.0], 180.0), ServiceTargets(max_occupancy=1))
    with_asa = compute_requirements(forecast([100.0, 100.0], 180.0), strict_asa)
    n = int(with_asa["agents"].iloc[0])
    assert n > int(plain["agents"].iloc[0])
    assert with_asa["expected_asa_s"].iloc[0] <= 2.0
    assert float(queue_metrics(n - 1, 100 / 1800, 180.0, 20.0).asa_s) > 2.0


def test_zero_volume_rows_and_missing_aht_there() -> None:
    req = compute_requirements(
        forecast([0.0, 100.0, 0.0], [np.nan, 180.0, 200.0]), ServiceTargets()
    )
    assert req["agents"].tolist() == [0, 14, 0]
    assert req["agents_scheduled"].tolist() == [0, 20, 0]
    assert req["expected_service_level"].tolist()[0] == 1.0
    assert req["expected_occupancy"].tolist()[2] == 0.0


def test_shrinkage_rounding_is_exact() -> None:
    targets = ServiceTargets(shrinkage=0.3)
    req = compute_requirements(forecast([100.0, 100.0], 180.0), targets)
    assert req["agents_scheduled"].iloc[0] == 20  # 14 / 0.7 = 20 exactly, not 21
    none = compute_requirements(forecast([100.0, 100.0], 180.0), ServiceTargets(shrinkage=0.0))
    assert none["agents_scheduled"].iloc[0] == 14


def test_erlang_a_needs_fewer_agents_with_impatient_callers() -> None:
    patient = compute_requirements(forecast([400.0, 400.0], 240.0), ServiceTargets())
    impatient = compute_requirements(
        forecast([400.0, 400.0], 240.0), ServiceTargets(patience_s=60.0)
    )
    n = int(impatient["agents"].iloc[0])
    assert n <= int(patient["agents"].iloc[0])
    rate = 400 / 1800
    assert float(queue_metrics(n, rate, 240.0, 20.0, 60.0).service_level) >= 0.8
    below = queue_metrics(n - 1, rate, 240.0, 20.0, 60.0)
    assert float(below.service_level) < 0.8 or float(below.occupancy) > 0.85
    assert impatient["expected_service_level"].iloc[0] >= 0.8


def test_targets_per_queue_and_interval_inference() -> None:
    frame = pd.concat(
        [forecast([100.0] * 3, 180.0, "billing", 15), forecast([100.0] * 3, 180.0, "sales", 15)],
        ignore_index=True,
    )
    assert infer_interval_minutes(frame) == 15
    req = compute_requirements(
        frame, {"billing": ServiceTargets(), "sales": ServiceTargets(service_level=0.95)}
    )
    billing = req[req["queue"] == "billing"]["agents"].iloc[0]
    sales = req[req["queue"] == "sales"]["agents"].iloc[0]
    assert sales > billing
    with pytest.raises(InvalidInput, match="sales"):
        compute_requirements(frame, {"billing": ServiceTargets()})


def test_invalid_forecast_lists_every_broken_row() -> None:
    bad = forecast([100.0, -3.0, 50.0, 20.0], [180.0, 180.0, np.nan, 0.0])
    with pytest.raises(InvalidInput) as caught:
        compute_requirements(bad, ServiceTargets())
    found = {(e.row, e.field) for e in caught.value.errors}
    assert found == {(1, "volume"), (2, "aht_s"), (3, "aht_s")}
    assert "default" in str(caught.value)
    fixed = compute_requirements(bad.drop(index=[1, 3]), ServiceTargets(), default_aht_s=180.0)
    assert fixed["aht_s"].tolist() == [180.0, 180.0]


def test_service_targets_validation_messages() -> None:
    with pytest.raises(InvalidInput, match=r"shrinkage must be in \[0, 1\), got 1"):
        ServiceTargets(shrinkage=1)
    with pytest.raises(InvalidInput) as caught:
        ServiceTargets(service_level=1.2, max_occupancy=0.0, asa_s=-1.0)
    assert {e.field for e in caught.value.errors} == {"service_level", "max_occupancy", "asa_s"}


def test_interval_cannot_be_inferred_from_one_row() -> None:
    with pytest.raises(InvalidInput, match="interval_minutes"):
        compute_requirements(forecast([10.0], 180.0), ServiceTargets())
    req = compute_requirements(forecast([10.0], 180.0), ServiceTargets(), interval_minutes=30)
    assert req["agents"].iloc[0] >= 1


def test_dst_day_spacing_and_local_times_kept() -> None:
    starts = pd.date_range(
        "2026-03-29T00:00:00", "2026-03-29T23:45:00", freq="15min", tz="Europe/Berlin"
    )
    frame = pd.DataFrame({"queue": "q", "interval_start": starts, "volume": 20.0, "aht_s": 200.0})
    assert len(frame) == 92
    req = compute_requirements(frame, ServiceTargets())
    assert len(req) == 92
    assert str(req["interval_start"].dt.tz) == "Europe/Berlin"
    assert req["agents"].nunique() == 1


@settings(max_examples=25, deadline=None)
@given(
    volume=st.floats(1.0, 3000.0),
    more=st.floats(0.0, 500.0),
    aht=st.floats(20.0, 900.0),
    patience=st.one_of(st.none(), st.floats(10.0, 1800.0)),
)
def test_more_volume_never_needs_fewer_agents(
    volume: float, more: float, aht: float, patience: float | None
) -> None:
    req = compute_requirements(
        forecast([volume, volume + more], aht), ServiceTargets(patience_s=patience)
    )
    assert req["agents"].iloc[1] >= req["agents"].iloc[0]
    assert req["expected_service_level"].min() >= 0.8 - 1e-9
