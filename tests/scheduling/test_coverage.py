"""One coverage count for the solver, the checks and the intraday pages (hand-computed)."""

from __future__ import annotations

import pandas as pd

from scheduling.coverage import count_coverage

TZ = "Europe/Berlin"


def _at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


def test_whole_intervals_only_and_per_queue() -> None:
    roster = pd.DataFrame(
        {
            "activity": ["work", "work", "break", "work"],
            "queue": ["billing", "billing", "", "sales"],
            "start": [
                _at("2026-11-30 08:00"),
                _at("2026-11-30 08:20"),
                _at("2026-11-30 08:00"),
                _at("2026-11-30 08:15"),
            ],
            "end": [
                _at("2026-11-30 09:00"),
                _at("2026-11-30 09:00"),
                _at("2026-11-30 09:00"),
                _at("2026-11-30 08:30"),
            ],
        }
    )
    starts = [_at("2026-11-30 08:00") + pd.Timedelta(minutes=15 * i) for i in range(4)]
    cells = pd.DataFrame(
        {"queue": ["billing"] * 4 + ["sales"] * 4, "interval_start": starts + starts}
    )
    # The 08:20 row covers 08:30 and 08:45 whole, not 08:15; the break counts nowhere.
    assert count_coverage(roster, cells, 15).tolist() == [1, 1, 2, 2, 0, 1, 0, 0]


def test_cells_in_any_order_across_a_dst_night() -> None:
    first = pd.Timestamp("2026-10-25 01:00", tz=TZ)  # clocks go back at 03:00 local
    cells = pd.DataFrame(
        {
            "queue": ["q"] * 4,
            "interval_start": [first + pd.Timedelta(hours=h) for h in (3, 0, 2, 1)],
        }
    )
    roster = pd.DataFrame(
        {
            "activity": ["work"],
            "queue": ["q"],
            "start": [first + pd.Timedelta(hours=1)],
            "end": [first + pd.Timedelta(hours=3)],
        }
    )
    # Hours 1 and 2 after 01:00 (02:00 CEST and the first 02:00 CET) are covered.
    assert count_coverage(roster, cells, 60).tolist() == [0, 0, 1, 1]


def test_empty_roster_counts_zero() -> None:
    cells = pd.DataFrame({"queue": ["q"], "interval_start": [_at("2026-11-30 08:00")]})
    empty = pd.DataFrame(columns=["activity", "queue", "start", "end"])
    assert count_coverage(empty, cells, 15).tolist() == [0]
