"""The plausibility layer: values no real system produces are refused, naming row, field and
rule, and nothing of the batch is kept."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput
from features.records.validation import validate_agent_states, validate_agents, validate_contacts

NOW = pd.Timestamp("2026-12-01T12:00:00Z")
OK = {"contact_id": "ok", "queue": "billing", "arrived_at": "2026-11-30T09:00:00Z"}


def _broken(rows: list[dict], **kwargs) -> set[tuple[int | None, str, str]]:
    with pytest.raises(InvalidInput) as caught:
        validate_contacts(pd.DataFrame(rows), now=NOW, **kwargs)
    assert "nothing was stored" in str(caught.value)
    return {(e.row, e.field, e.rule) for e in caught.value.errors}


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"arrived_at": "0001-01-01T00:00:00Z"}, "arrived_at", "between 1970-01-01 and 2200"),
        ({"arrived_at": "9999-12-31T00:00:00Z"}, "arrived_at", "between 1970-01-01 and 2200"),
        ({"arrived_at": "2062-01-01T00:00:00Z"}, "arrived_at", "more than 1 day after"),
        ({"talk_s": 1e300}, "talk_s", "at or above 86400 s"),
        ({"talk_s": True}, "talk_s", "not a boolean"),
        ({"talk_s": "Infinity"}, "talk_s", "finite number"),
        ({"talk_s": "NaN"}, "talk_s", "finite number"),
        ({"handle_s": 90000}, "handle_s", "at or above 86400 s"),
        ({"queue": {"a": 1}}, "queue", "must be text"),
        ({"queue": ["billing"]}, "queue", "must be text"),
        ({"contact_id": "a\x00b"}, "contact_id", "control characters"),
        ({"contact_id": "x" * 100_000}, "contact_id", "at most 200 characters"),
        ({"queue": "q" * 101}, "queue", "at most 100 characters"),
        ({"agent_id": "a\nb"}, "agent_id", "control characters"),
        ({"transfers": 1e20}, "transfers", "at or above 1000"),
        ({"csat": 2**63}, "csat", "between 1 and 5"),
        ({"abandoned": "maybe"}, "abandoned", "true or false"),
    ],
)
def test_implausible_contact_is_refused_by_field_and_rule(change, field, rule) -> None:
    found = _broken([OK, {**OK, "contact_id": "bad", **change}])
    assert any(row == 1 and f == field and rule in r for row, f, r in found), found
    assert not any(row == 0 for row, _, _ in found)


def test_a_day_ahead_is_allowed_more_is_not() -> None:
    ahead = {**OK, "arrived_at": (NOW + pd.Timedelta(hours=23)).isoformat()}
    assert len(validate_contacts(pd.DataFrame([ahead]), now=NOW)) == 1
    later = {**OK, "arrived_at": (NOW + pd.Timedelta(hours=25)).isoformat()}
    assert _broken([later]) == {
        (0, "arrived_at", "must not be more than 1 day after the server's clock")
    }


def test_numeric_ids_from_csv_are_text() -> None:
    clean = validate_contacts(pd.DataFrame([{**OK, "contact_id": 1234}]), now=NOW)
    assert clean["contact_id"].tolist() == ["1234"]


def test_agent_state_bounds() -> None:
    base = {"agent_id": "a1", "state": "available", "started_at": "2026-11-30T08:00:00Z"}
    rows = [
        {**base, "ended_at": "2026-11-30T09:00:00Z"},
        {**base, "started_at": "2026-11-29T08:00:00Z", "ended_at": "9999-12-31T00:00:00Z"},
        {**base, "started_at": "2026-11-28T08:00:00Z", "ended_at": "2026-11-29T09:00:00Z"},
        {
            **base,
            "state": "offline",
            "started_at": "2026-11-01T08:00:00Z",
            "ended_at": "2026-11-20T08:00:00Z",
        },
        {
            **base,
            "state": "offline",
            "started_at": "2026-10-01T08:00:00Z",
            "ended_at": "2026-11-20T08:00:00Z",
        },
    ]
    with pytest.raises(InvalidInput) as caught:
        validate_agent_states(pd.DataFrame(rows), now=NOW)
    found = {(e.row, e.field, e.rule) for e in caught.value.errors}
    assert found == {
        (1, "ended_at", "must be between 1970-01-01 and 2200-01-01"),
        (2, "ended_at", "a state must last under 24 h (offline: under 31 days)"),
        (4, "ended_at", "a state must last under 24 h (offline: under 31 days)"),
    }


def test_agent_fields_have_their_json_types_and_bounds() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_agents(
            [
                {"agent_id": "a1", "skills": {"billing": True}},
                {"agent_id": "a2", "team": "t" * 101, "skills": {"billing": 3}},
                {"agent_id": "a3\x00", "skills": {"billing": 3}},
                {"agent_id": "a4", "skills": {"billing": 3}, "contract": {"max_days": True}},
                {"agent_id": "a5", "skills": {"billing": 3}, "contract": {"max_hours": "inf"}},
            ]
        )
    fields = {(e.row, e.field) for e in caught.value.errors}
    assert fields == {
        (0, "skills.billing"),
        (1, "team"),
        (2, "agent_id"),
        (3, "contract.max_days"),
        (4, "contract.max_hours"),
    }
