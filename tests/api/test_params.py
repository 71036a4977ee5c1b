"""Shared request parameters: instants (naive → site zone, 1970–2200), ranges, queue scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from api.auth import Principal
from api.params import checked_range, local_instant, queues_in_scope, utc_instant, valid_timezone
from features.errors import InvalidInput


def test_naive_instant_is_local_to_the_site_and_aware_is_converted() -> None:
    naive = local_instant(datetime(2026, 3, 29, 3, 30), "Europe/Berlin", "at")
    assert naive.isoformat() == "2026-03-29T03:30:00+02:00"  # first hour of summer time
    aware = local_instant(datetime(2026, 11, 30, 7, 0, tzinfo=UTC), "Europe/Berlin", "at")
    assert aware.isoformat() == "2026-11-30T08:00:00+01:00"
    text = local_instant("2026-12-07", "Europe/Berlin", "start")
    assert text.isoformat() == "2026-12-07T00:00:00+01:00"


@pytest.mark.parametrize("value", [datetime(1969, 12, 31), datetime(2200, 1, 2), datetime(1, 1, 1)])
def test_instants_outside_1970_2200_are_422_naming_the_field(value: datetime) -> None:
    with pytest.raises(InvalidInput) as caught:
        local_instant(value, "UTC", "since")
    assert [e.field for e in caught.value.errors] == ["since"]


def test_utc_instant_is_nanoseconds_in_utc() -> None:
    at = utc_instant(datetime(2026, 11, 30, 10, 15, tzinfo=UTC).astimezone())
    assert (str(at.tz), at.unit, at.isoformat()) == ("UTC", "ns", "2026-11-30T10:15:00+00:00")


def test_range_end_after_start_and_at_most_max_days() -> None:
    low, high = checked_range(datetime(2026, 11, 30), datetime(2026, 12, 1), "Europe/Berlin")
    assert high - low == pd.Timedelta(hours=24)
    with pytest.raises(InvalidInput) as empty:
        checked_range(datetime(2026, 12, 1), datetime(2026, 12, 1), "UTC")
    assert empty.value.errors[0].rule == "must be after start"
    with pytest.raises(InvalidInput) as long:
        checked_range(datetime(2026, 11, 1), datetime(2026, 11, 16), "UTC", max_days=14)
    assert long.value.errors[0].rule == "at most 14 days after start"


class _Agents:
    """A records store with two teams' agents."""

    def read_agents(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "agent_id": ["a1", "a2", "a3"],
                "team": ["t1", "t1", "t2"],
                "skills": [{"billing": 5}, {"sales": 3}, {"tech": 4}],
            }
        )


def test_queue_filter_is_scope_intersected_with_the_request() -> None:
    store = _Agents()
    supervisor = Principal("k1", "supervisor", teams=["t1"])
    assert queues_in_scope(supervisor, store, None) == ["billing", "sales"]
    assert queues_in_scope(supervisor, store, ["sales", "tech"]) == ["sales"]
    planner = Principal("k2", "planner")
    assert queues_in_scope(planner, store, None) is None
    assert queues_in_scope(planner, store, ["tech"]) == ["tech"]


def test_timezone_must_be_an_iana_zone() -> None:
    assert valid_timezone("Europe/Berlin") == "Europe/Berlin"
    with pytest.raises(InvalidInput):
        valid_timezone("Mars/Olympus")
