"""Files <-> tz-aware frames: offsets kept, naive times need a zone, DST gaps rejected."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.errors import InvalidInput
from features.records.frame_io import format_instants, parse_instants, read_frame, write_frame


def test_mixed_offsets_across_dst_convert_to_the_site_zone() -> None:
    text = pd.Series(["2026-03-29T01:45:00+01:00", "2026-03-29T03:00:00+02:00"])
    parsed = parse_instants(text, "interval_start", "Europe/Berlin")
    assert str(parsed.dt.tz) == "Europe/Berlin"
    assert (parsed.iloc[1] - parsed.iloc[0]) == pd.Timedelta(minutes=15)


def test_naive_times_are_rejected_without_a_zone_and_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_instants(pd.Series(["2026-03-02 10:00:00"]), "arrived_at")
    error = caught.value.errors[0]
    assert (error.row, error.field) == (0, "arrived_at")


def test_a_bare_date_is_naive_not_an_offset() -> None:
    with pytest.raises(InvalidInput):
        parse_instants(pd.Series(["2026-03-02"]), "start")
    parsed = parse_instants(pd.Series(["2026-03-02"]), "start", "Europe/Berlin")
    assert parsed.iloc[0] == pd.Timestamp("2026-03-02 00:00", tz="Europe/Berlin")


def test_non_existent_local_time_is_rejected_with_its_row() -> None:
    naive = pd.Series(["2026-03-29 01:30:00", "2026-03-29 02:30:00"])
    with pytest.raises(InvalidInput) as caught:
        parse_instants(naive, "started_at", "Europe/Berlin")
    assert [e.row for e in caught.value.errors] == [1]


def test_round_trip_through_csv_keeps_instants_and_offsets(tmp_path: Path) -> None:
    starts = pd.date_range("2026-10-25 01:30", periods=8, freq="15min", tz="Europe/Berlin")
    frame = pd.DataFrame({"queue": "billing", "interval_start": starts, "offered": range(8)})
    path = write_frame(frame, tmp_path / "history.csv")
    text = path.read_text()
    assert "2026-10-25T02:00:00+02:00" in text and "2026-10-25T02:00:00+01:00" in text
    back = read_frame(path, timezone="Europe/Berlin")
    assert back["interval_start"].tolist() == frame["interval_start"].tolist()
    assert format_instants(back["interval_start"]).iloc[0] == "2026-10-25T01:30:00+02:00"
