"""Pooling what-if: merged requirement vs the sum of separate ones, and the manager's message."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.pooling import pooling_gain
from scheduling.requirements import ServiceTargets, compute_requirements

NIGHT = pd.date_range(
    "2026-11-30T20:00:00", "2026-12-01T07:30:00", freq="30min", tz="Europe/Berlin"
)


def night_forecast() -> pd.DataFrame:
    rows = []
    for queue, volume, aht in (
        ("billing", 20.0, 300.0),
        ("sales", 12.0, 180.0),
        ("support", 200.0, 400.0),
    ):
        rows.append(
            pd.DataFrame({"queue": queue, "interval_start": NIGHT, "volume": volume, "aht_s": aht})
        )
    return pd.concat(rows, ignore_index=True)


def test_pooling_two_quiet_queues_overnight() -> None:
    forecast = night_forecast()
    start, end = NIGHT[4], NIGHT[20]  # 22:00-06:00, 16 intervals
    targets = ServiceTargets()
    advice = pooling_gain(forecast, ["billing", "sales"], start, end, targets)
    in_span = forecast[(forecast["interval_start"] >= start) & (forecast["interval_start"] < end)]
    separate = compute_requirements(in_span[in_span["queue"] != "support"], targets)
    merged = pd.DataFrame(
        {
            "queue": "pool",
            "interval_start": NIGHT[4:20],
            "volume": 32.0,
            "aht_s": (20 * 300 + 12 * 180) / 32,
        }
    )
    pooled = compute_requirements(merged, targets)
    assert advice.separate_agents == int(separate["agents"].sum())
    assert advice.pooled_agents == int(pooled["agents"].sum())
    assert advice.agents_saved == advice.separate_agents - advice.pooled_agents > 0
    assert advice.share_saved == pytest.approx(advice.agents_saved / advice.separate_agents)
    assert advice.queues == ("billing", "sales")
    assert advice.message.startswith(
        f"Merging billing and sales 22:00\u201306:00 needs {advice.pooled_peak} agents instead of "
        f"{advice.separate_peak}"
    )
    assert f"({advice.agents_saved} fewer, {advice.share_saved:.0%})" in advice.message
    assert advice.pooled_peak < advice.separate_peak


def test_pool_meets_the_strictest_targets() -> None:
    forecast = night_forecast()
    lenient = pooling_gain(forecast, ["billing", "sales"], NIGHT[0], NIGHT[-1], ServiceTargets())
    strict = pooling_gain(
        forecast,
        ["billing", "sales"],
        NIGHT[0],
        NIGHT[-1],
        {"billing": ServiceTargets(), "sales": ServiceTargets(service_level=0.95)},
    )
    assert strict.pooled_agents > lenient.pooled_agents


def test_pooling_bad_requests() -> None:
    forecast = night_forecast()
    with pytest.raises(InvalidInput, match="cannot compare pooling"):
        pooling_gain(forecast, ["billing"], NIGHT[0], NIGHT[-1], ServiceTargets())
    with pytest.raises(InvalidInput) as caught:
        pooling_gain(forecast, ["billing", "nope"], NIGHT[5], NIGHT[1], ServiceTargets())
    assert {e.field for e in caught.value.errors} == {"queues", "end"}


def test_pooling_with_bands_and_channels() -> None:
    forecast = night_forecast()
    forecast["volume_p10"] = forecast["volume"] * 0.7
    forecast["volume_p90"] = forecast["volume"] * 1.3
    start, end = NIGHT[4], NIGHT[20]
    risky = pooling_gain(forecast, ["billing", "sales"], start, end, ServiceTargets())
    point = pooling_gain(
        forecast, ["billing", "sales"], start, end, ServiceTargets(confidence=None)
    )
    # Risk-aware staffing needs more agents both ways, and pooling still saves.
    assert risky.separate_agents >= point.separate_agents
    assert risky.pooled_agents >= point.pooled_agents
    assert risky.agents_saved > 0
    mixed = {"billing": ServiceTargets(), "sales": ServiceTargets.for_channel("email")}
    with pytest.raises(InvalidInput, match="one channel"):
        pooling_gain(forecast, ["billing", "sales"], start, end, mixed)
