"""The request-limits middleware's JSON checks on their own: strings (escapes included) never
count as structure, and every problem is named by its location."""

from __future__ import annotations

import json

import pytest

from api.middleware.limits import implausible_json_values, nesting_depth
from features.records.json_text import outside_strings


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"3", 0),
        (b"[]", 1),
        (b'[{"a": [1, {"b": []}]}]', 5),
        (b'["[[[[", "]]]]]]]]", {"k": "{{{"}]', 2),
        (b'[{"a\\"]]]": "x\\\\"}, ["\\\\\\"[[["]]', 2),
        (json.dumps([[['\u00e9\\"[']]]).encode(), 3),
    ],
)
def test_nesting_depth_ignores_brackets_inside_strings(text: bytes, depth: int) -> None:
    assert nesting_depth(outside_strings(text)) == depth


def test_problems_are_named_by_row_and_field_path() -> None:
    body = (
        b'[{"talk_s": 1}, {"talk_s": NaN, "skills": {"b": 1, "b": 2},'
        b' "contract": {"min_hours": -Infinity, "lengths": [1e999]}, "name": "A\\u0000"}]'
    )
    found = {(e.row, e.field, e.rule.split(" (")[0]) for e in implausible_json_values(body)}
    assert found == {
        (1, "talk_s", "must be a finite number"),
        (1, "skills.b", "appears more than once in one object; give it once"),
        (1, "contract.min_hours", "must be a finite number"),
        (1, "contract.lengths", "must be a finite number"),
        (1, "name", "must not contain NUL characters"),
    }


@pytest.mark.parametrize(
    "body",
    [
        b'[{"contact_id": "NaN", "note": "Infinity 1e999 \\u0000x"}]'.replace(b"\\u0000", b"u"),
        b'{"a": 1e308, "b": -1.5e-300, "c": "\\\\u0000"}',
        b"not json at all",
    ],
)
def test_clean_or_unreadable_bodies_have_no_problems(body: bytes) -> None:
    assert implausible_json_values(body) == []
