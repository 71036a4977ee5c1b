"""Every validation rule of the records contract, with the row, field and rule it reports."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput
from features.records.validation import validate_agent_states, validate_agents, validate_contacts
from features.schema import AGENT_STATE_COLUMNS, CONTACT_COLUMNS


def contact(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "contact_id": "c1",
        "queue": "billing",
        "arrived_at": "2026-03-02T09:00:00+01:00",
        "answered_at": "2026-03-02T09:00:15+01:00",
        "ended_at": "2026-03-02T09:05:00+01:00",
        "talk_s": 240,
        "hold_s": 20,
        "acw_s": 25,
    }
    row.update(overrides)
    return row


def broken(rows: list[dict[str, object]], timezone: str | None = None) -> set[tuple]:
    with pytest.raises(InvalidInput) as caught:
        validate_contacts(pd.DataFrame(rows), timezone=timezone)
    return {(e.row, e.field, e.rule) for e in caught.value.errors}


def test_clean_contact_is_typed_and_completed() -> None:
    clean = validate_contacts(pd.DataFrame([contact()]), timezone="Europe/Berlin")
    assert list(clean.columns) == CONTACT_COLUMNS
    row = clean.iloc[0]
    assert row["channel"] == "voice"
    assert row["handle_s"] == 285.0
    assert not row["abandoned"]
    assert str(row["arrived_at"].tz) == "Europe/Berlin"
    assert row["arrived_at"] == pd.Timestamp("2026-03-02T08:00:00Z")


def test_instants_default_to_utc_and_z_is_accepted() -> None:
    clean = validate_contacts(pd.DataFrame([contact(arrived_at="2026-03-02T08:00:00Z")]))
    assert str(clean["arrived_at"].dt.tz) == "UTC"
    assert clean["arrived_at"].iloc[0] == pd.Timestamp("2026-03-02T08:00:00Z")


def test_missing_required_column_is_reported() -> None:
    frame = pd.DataFrame([contact()]).drop(columns=["queue"])
    with pytest.raises(InvalidInput) as caught:
        validate_contacts(frame)
    assert [(e.row, e.field) for e in caught.value.errors] == [(None, "queue")]


def test_missing_required_fields_each_reported() -> None:
    found = broken([contact(contact_id=""), contact(contact_id="c2", queue=None, arrived_at="")])
    assert (0, "contact_id", "required field is missing") in found
    assert (1, "queue", "required field is missing") in found
    assert (1, "arrived_at", "required field is missing") in found


def test_naive_timestamp_rejected_without_timezone_and_accepted_with_one() -> None:
    rows = [contact(arrived_at="2026-03-02 09:00:00", answered_at=None, ended_at=None)]
    assert (0, "arrived_at", "timestamp needs an offset or a timezone") in broken(rows)
    clean = validate_contacts(pd.DataFrame(rows), timezone="Europe/Berlin")
    assert clean["arrived_at"].iloc[0] == pd.Timestamp("2026-03-02T08:00:00Z")


def test_a_bare_date_is_not_mistaken_for_an_offset() -> None:
    rows = [contact(arrived_at="2026-03-02", answered_at=None, ended_at=None)]
    assert (0, "arrived_at", "timestamp needs an offset or a timezone") in broken(rows)
    clean = validate_contacts(pd.DataFrame(rows), timezone="Europe/Berlin")
    assert clean["arrived_at"].iloc[0] == pd.Timestamp("2026-03-01T23:00:00Z")


def test_garbage_without_offset_is_unparseable() -> None:
    rows = [contact(arrived_at="soon", answered_at=None, ended_at=None)]
    assert (0, "arrived_at", "unparseable timestamp") in broken(rows)


def test_non_existent_local_time_rejected() -> None:
    rows = [contact(arrived_at="2026-03-29 02:30:00", answered_at=None, ended_at=None)]
    found = broken(rows, timezone="Europe/Berlin")
    assert (0, "arrived_at", "ambiguous or non-existent local time") in found


def test_unparseable_time_rejected() -> None:
    found = broken([contact(answered_at="yesterday-ish+01:00")])
    assert (0, "answered_at", "unparseable timestamp") in found


def test_order_of_times() -> None:
    found = broken(
        [
            contact(answered_at="2026-03-02T08:59:00+01:00"),
            contact(contact_id="c2", ended_at="2026-03-02T09:00:10+01:00"),
            contact(contact_id="c3", answered_at=None, ended_at="2026-03-02T08:00:00+01:00"),
        ]
    )
    assert (0, "answered_at", "must not be before arrived_at") in found
    assert (1, "ended_at", "must not be before answered_at") in found
    assert (2, "ended_at", "must not be before arrived_at") in found


def test_negative_and_non_numeric_durations() -> None:
    found = broken([contact(talk_s=-1, hold_s=0, acw_s=0), contact(contact_id="c2", acw_s="abc")])
    assert (0, "talk_s", "must not be negative") in found
    assert (1, "acw_s", "must be a number") in found


def test_handle_time_must_match_its_parts() -> None:
    found = broken([contact(handle_s=100)])
    assert (0, "handle_s", "must equal talk_s + hold_s + acw_s") in found


def test_handle_time_derived_in_both_directions() -> None:
    rows = [
        contact(),
        contact(contact_id="c2", handle_s=300, acw_s=None),
        contact(contact_id="c3", talk_s=100, hold_s=None, acw_s=None),
    ]
    clean = validate_contacts(pd.DataFrame(rows)).set_index("contact_id")
    assert clean.loc["c1", "handle_s"] == 285.0
    assert clean.loc["c2", "acw_s"] == 40.0
    assert clean.loc["c3", "handle_s"] == 100.0


def test_unknown_channel_and_default() -> None:
    found = broken([contact(channel="fax")])
    assert (0, "channel", "must be one of voice, chat, email, social, messaging") in found
    rows = [
        contact(channel="Chat"),
        contact(contact_id="c2"),
        contact(contact_id="c3", channel="social"),
        contact(contact_id="c4", channel="Messaging"),
    ]
    clean = validate_contacts(pd.DataFrame(rows))
    assert clean["channel"].tolist() == ["chat", "voice", "social", "messaging"]


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("csat", 0, "must be between 1 and 5"),
        ("csat", 6, "must be between 1 and 5"),
        ("csat", 2.5, "must be a whole number"),
        ("sentiment", 1.5, "must be between -1 and 1"),
        ("sentiment", -1.01, "must be between -1 and 1"),
        ("transfers", -2, "must not be negative"),
    ],
)
def test_ranges(column: str, value: object, rule: str) -> None:
    assert (0, column, rule) in broken([contact(**{column: value})])


def test_abandoned_derived_and_checked() -> None:
    rows = [
        contact(answered_at=None, talk_s=None, hold_s=None, acw_s=None),
        contact(contact_id="c2"),
        contact(contact_id="c3", answered_at=None, ended_at=None, talk_s=None),
    ]
    clean = validate_contacts(pd.DataFrame(rows)).set_index("contact_id")
    assert clean["abandoned"].to_dict() == {"c1": True, "c2": False, "c3": False}
    assert (0, "abandoned", "an abandoned contact must not have answered_at") in broken(
        [contact(abandoned="yes")]
    )
    assert (0, "abandoned", "must be true or false") in broken([contact(abandoned="maybe")])


def test_duplicates_inside_a_batch() -> None:
    clean = validate_contacts(pd.DataFrame([contact(), contact()]))
    assert len(clean) == 1
    found = broken([contact(), contact(queue="sales")])
    assert (0, "contact_id", "duplicate contact_id with different content") in found
    assert (1, "contact_id", "duplicate contact_id with different content") in found


def test_every_broken_row_is_reported_and_counted_beyond_the_cap() -> None:
    rows = [contact(contact_id=f"c{i}", csat=9) for i in range(1500)]
    with pytest.raises(InvalidInput) as caught:
        validate_contacts(pd.DataFrame(rows))
    assert len(caught.value.errors) == 1000
    assert "1500 broken rule(s)" in str(caught.value)
    assert caught.value.errors[999].row == 999


def test_agent_states_rules() -> None:
    good = {
        "agent_id": "a1",
        "state": "available",
        "started_at": "2026-03-02T08:00:00Z",
        "ended_at": "2026-03-02T08:30:00Z",
    }
    clean = validate_agent_states(pd.DataFrame([good, good]))
    assert list(clean.columns) == AGENT_STATE_COLUMNS and len(clean) == 1
    rows = [
        {**good, "state": "napping"},
        {**good, "ended_at": "2026-03-02T07:00:00Z"},
        {**good, "agent_id": None},
        {**good, "started_at": "2026-03-02 08:00"},
    ]
    with pytest.raises(InvalidInput) as caught:
        validate_agent_states(pd.DataFrame(rows))
    found = {(e.row, e.field, e.rule.split(" (")[0]) for e in caught.value.errors}
    assert (
        0,
        "state",
        "must be one of "
        + ", ".join(
            ["available", "on_contact", "acw", "break", "lunch", "training", "meeting", "offline"]
        ),
    ) in found
    assert (1, "ended_at", "must not be before started_at") in found
    assert (2, "agent_id", "required field is missing") in found
    assert (3, "started_at", "timestamp needs an offset or a timezone") in found


def test_agents_rules() -> None:
    good = {
        "agent_id": "a1",
        "name": "Ada",
        "team": "t1",
        "site": "berlin",
        "timezone": "Europe/Berlin",
        "skills": {"billing": 5, "sales": 2},
        "contract": {
            "min_hours": 30,
            "max_hours": 40,
            "max_days": 5,
            "shift_lengths_minutes": [480],
        },
        "availability": {"mon": [["07:00", "19:00"]]},
        "time_off": ["2026-12-02"],
        "preferences": {"days_off": ["sat", "sun"]},
    }
    clean = validate_agents([good])
    assert clean.loc[0, "skills"] == {"billing": 5, "sales": 2}
    assert clean.loc[0, "time_off"] == ["2026-12-02"]
    bad = [
        {**good, "timezone": "Mars/Olympus"},
        {**good, "agent_id": "a2", "skills": {"billing": 7}},
        {**good, "agent_id": "a3", "contract": {"min_hours": 50, "max_hours": 40}},
        {**good, "agent_id": "a4", "availability": {"mon": [["19:00", "07:00"]]}},
        {**good, "agent_id": "a5", "time_off": ["not-a-date"]},
        good,
        {**good, "agent_id": "a6", "skills": {}},
    ]
    with pytest.raises(InvalidInput) as caught:
        validate_agents(bad)
    rows = {(e.row, e.field) for e in caught.value.errors}
    assert (0, "timezone") in rows
    assert (1, "skills") in rows
    assert (2, "contract") in rows
    assert (3, "availability") in rows
    assert (4, "time_off.0") in rows
    assert (5, "agent_id") in rows
    assert (6, "skills") in rows


def test_validation_is_idempotent_on_clean_frames() -> None:
    rows = [contact(csat=4, transfers=1, abandoned=False), contact(contact_id="c2", sentiment=-0.5)]
    clean = validate_contacts(pd.DataFrame(rows), timezone="Europe/Berlin")
    again = validate_contacts(clean, timezone="Europe/Berlin")
    pd.testing.assert_frame_equal(clean, again, check_dtype=False)
