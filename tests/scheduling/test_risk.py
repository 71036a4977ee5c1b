"""Risk-aware staffing: the count to staff for from the forecast band and Poisson noise, and the
requirements it gives — never below the point plan, rising with the band, equal to it when the
band adds nothing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from features.errors import InvalidInput
from features.schema import REQUIREMENTS_COLUMNS
from scheduling.requirements import (
    REQUIREMENT_DETAIL_COLUMNS,
    ServiceTargets,
    compute_requirements,
)
from scheduling.risk import Z_90, count_cdf, count_quantile, rate_variance, staffed_volume

STARTS = pd.date_range("2026-11-30T08:00:00", periods=6, freq="30min", tz="Europe/Berlin")


def banded(volume: float, half_widths: list[float], aht: float = 180.0) -> pd.DataFrame:
    """One queue, one row per half-width of a band centred on `volume`."""
    n = len(half_widths)
    return pd.DataFrame(
        {
            "queue": "billing",
            "interval_start": STARTS[:n],
            "volume": volume,
            "volume_p10": [volume - w for w in half_widths],
            "volume_p90": [volume + w for w in half_widths],
            "aht_s": aht,
        }
    )


def test_rate_variance_removes_the_poisson_part() -> None:
    # A band 80..120 spans 40 / (2 x 1.2816) = 15.61 contacts of standard deviation: variance
    # 243.55, of which 100 is Poisson noise at a mean of 100.
    assert rate_variance(100.0, 80.0, 120.0) == pytest.approx((40 / (2 * Z_90)) ** 2 - 100)
    assert float(rate_variance(100.0, 80.0, 120.0)) == pytest.approx(143.55, abs=0.01)
    # Narrower than Poisson noise alone, zero-width, or no band: a known rate.
    assert rate_variance(
        [100.0, 100.0, 100.0], [95.0, 100.0, np.nan], [105.0, 100.0, np.nan]
    ).tolist() == [
        0.0,
        0.0,
        0.0,
    ]


def test_count_quantiles_are_poisson_or_negative_binomial() -> None:
    assert count_quantile(100.0, 0.0, 0.8) == 108.0  # Poisson(100): P(N <= 107) < 0.8 <= P(<= 108)
    assert stats.poisson.cdf(107, 100) < 0.8 <= stats.poisson.cdf(108, 100)
    variance = 143.55
    shape = 100.0**2 / variance
    expected = stats.nbinom.ppf(0.8, shape, shape / (shape + 100.0))
    assert count_quantile(100.0, variance, 0.8) == expected == 113.0
    # The mixture keeps the mean and adds the rate's variance to the Poisson one.
    mean, var = stats.nbinom.stats(shape, shape / (shape + 100.0), moments="mv")
    assert float(mean) == pytest.approx(100.0)
    assert float(var) == pytest.approx(100.0 + variance)
    assert count_cdf(108.0, 100.0, 0.0) == pytest.approx(stats.poisson.cdf(108, 100))
    assert count_cdf(-1.0, 100.0, 0.0) == 0.0


def test_staffed_volume_never_below_the_point_and_point_without_a_band() -> None:
    # A tiny volume: 90% of intervals see no contact, yet the point plan is kept.
    assert staffed_volume(0.1, 0.1, 0.1, 0.8) == pytest.approx(0.1)
    assert staffed_volume(100.0, np.nan, np.nan, 0.99) == 100.0
    assert staffed_volume(100.0, 100.0, 100.0, np.nan) == 100.0  # confidence None: the point
    assert staffed_volume(0.0, 0.0, 5.0, 0.9) == 0.0  # a zero point forecast: closed


def test_risk_aware_requirements_at_least_point_and_rising_with_the_band() -> None:
    forecast = banded(100.0, [0.0, 5.0, 10.0, 20.0, 30.0, 45.0])
    risk = compute_requirements(
        forecast, ServiceTargets(confidence=0.8), interval_minutes=30, details=True
    )
    point = compute_requirements(
        forecast, ServiceTargets(confidence=None), interval_minutes=30, details=True
    )
    assert (risk["agents"] >= point["agents"]).all()
    assert risk["agents"].is_monotonic_increasing
    assert risk["agents"].iloc[-1] > risk["agents"].iloc[0]
    assert (point["agents"] == 14).all()  # the pyworkforce golden number: 100 calls, 180 s
    # Each row is staffed for its count quantile: the interval meets 80/20 with >= 80%.
    assert (risk["meet_probability"] >= 0.8 - 1e-9).all()
    # Bands of +-5 and +-10 are no wider than Poisson noise at 100: they add nothing.
    assert (point["meet_probability"].iloc[3:] < risk["meet_probability"].iloc[3:]).all()
    expected = []
    for half in (0.0, 5.0, 10.0, 20.0, 30.0, 45.0):
        variance = max((2 * half / (2 * 1.2815516)) ** 2 - 100.0, 0.0)
        if variance == 0:
            expected.append(stats.poisson.ppf(0.8, 100))
        else:
            shape = 100.0**2 / variance
            expected.append(stats.nbinom.ppf(0.8, shape, shape / (shape + 100.0)))
    assert risk["volume_staffed"].tolist() == expected == [108, 108, 108, 113, 119, 128]
    assert (risk["agents_point"] == point["agents"]).all()
    # Higher confidence never needs fewer agents.
    surer = compute_requirements(forecast, ServiceTargets(confidence=0.95), interval_minutes=30)
    assert (surer["agents"] >= risk["agents"]).all()


def test_zero_width_band_with_poisson_noise_equals_point_at_matching_confidence() -> None:
    forecast = banded(100.0, [0.0])
    matching = float(stats.poisson.cdf(100, 100))  # P(N <= 100) for N ~ Poisson(100): 0.5266
    at_match = compute_requirements(
        forecast, ServiceTargets(confidence=matching), interval_minutes=30, details=True
    )
    point = compute_requirements(forecast, ServiceTargets(confidence=None), interval_minutes=30)
    assert at_match["volume_staffed"].iloc[0] == 100.0
    assert at_match["agents"].tolist() == point["agents"].tolist() == [14]
    # The point plan itself meets 80/20 at 14 agents for up to 108 contacts: P(N <= 108).
    assert at_match["meet_probability"].iloc[0] == pytest.approx(stats.poisson.cdf(108, 100))
    # Just above the matching confidence the Poisson quantile is 101: still 14 agents.
    above = compute_requirements(
        forecast, ServiceTargets(confidence=matching + 0.01), interval_minutes=30
    )
    assert above["agents"].iloc[0] == 14


def test_hand_computed_meet_probability_and_occupancy_cap_on_the_point() -> None:
    # 10 contacts per 30 min at 600 s (3.33 Erlangs). Erlang C 80/20 at 5 agents holds up to
    # some count m; the probability is P(Poisson(10) <= m).
    forecast = banded(10.0, [0.0], aht=600.0)
    req = compute_requirements(
        forecast, ServiceTargets(confidence=0.9), interval_minutes=30, details=True
    )
    assert req["volume_staffed"].iloc[0] == stats.poisson.ppf(0.9, 10) == 14.0
    agents = int(req["agents"].iloc[0])
    load = 14 * 600 / 1800
    assert agents > load
    assert req["meet_probability"].iloc[0] >= 0.9
    # The occupancy cap binds on the point load only: 400 calls at 180 s (40 Erlangs) need 48
    # agents for 85%; staffing 417 calls keeps 80/20, not 85% of 417's load.
    big = banded(400.0, [0.0])
    capped = compute_requirements(
        big, ServiceTargets(confidence=0.8), interval_minutes=30, details=True
    )
    assert capped["agents_point"].iloc[0] == math.ceil(40 / 0.85) == 48
    assert capped["agents"].iloc[0] == 48


def test_band_errors_name_row_and_rule() -> None:
    forecast = banded(100.0, [10.0, 10.0, 10.0])
    forecast.loc[1, "volume_p10"] = 130.0  # above p90
    forecast["volume_p90"] = forecast["volume_p90"].astype(object)
    forecast.loc[2, "volume_p90"] = "lots"
    with pytest.raises(InvalidInput) as caught:
        compute_requirements(forecast, ServiceTargets(), interval_minutes=30)
    assert {(e.row, e.field) for e in caught.value.errors} == {(1, "volume_p10"), (2, "volume_p90")}
    with pytest.raises(InvalidInput, match=r"confidence must be in \(0, 1\)"):
        ServiceTargets(confidence=1.0)


@settings(max_examples=30, deadline=None)
@given(
    volume=st.floats(1.0, 2000.0),
    half=st.floats(0.0, 0.6),
    wider=st.floats(0.0, 0.3),
    aht=st.floats(30.0, 900.0),
    confidence=st.floats(0.8, 0.99),
    patience=st.one_of(st.none(), st.floats(30.0, 1200.0)),
)
def test_risk_never_below_point_and_never_falls_as_the_band_widens(
    volume: float, half: float, wider: float, aht: float, confidence: float, patience: float | None
) -> None:
    forecast = banded(volume, [volume * half, volume * (half + wider)], aht=aht)
    risk = compute_requirements(
        forecast,
        ServiceTargets(confidence=confidence, patience_s=patience),
        interval_minutes=30,
        details=True,
    )
    assert (risk["agents"] >= risk["agents_point"]).all()
    assert risk["agents"].iloc[1] >= risk["agents"].iloc[0]
    assert list(risk.columns) == [*REQUIREMENTS_COLUMNS, *REQUIREMENT_DETAIL_COLUMNS]
