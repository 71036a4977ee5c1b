"""Reading JSON text the way plausibility needs it: Python's reader takes ``NaN``, ``Infinity``
and ``1e400`` as floats and keeps the last of two equal keys silently; here they stay visible.

* a NaN/Infinity literal or a number beyond a double's range is read as :class:`NonFinite`, a
  ``str`` holding the literal, so every validator refuses it as not a finite number (and names
  its row and field) instead of taking it for a missing value;
* an object that names a key twice is read as :class:`RepeatedKeys`, which says which keys;
* :func:`json_problems` lists every non-finite number, repeated key and NUL character of a
  document with its location.
"""

from __future__ import annotations

import json
import math
from typing import Any

NON_FINITE_RULE = "must be a finite number (no NaN or Infinity)"
"""The rule a NaN, an Infinity or an overflowing number breaks."""
NUL_RULE = "must not contain NUL characters"
"""The rule text holding U+0000 breaks (no store holds it: PostgreSQL's text cannot)."""
REPEATED_KEY_RULE = "appears more than once in one object; give it once"
"""The rule an object naming a key twice breaks."""

Location = tuple[int | str, ...]
"""Where a value sits in a document: object keys and array indexes from the root."""


class NonFinite(str):
    """A NaN/Infinity literal or an overflowing number, kept as its text."""


class RepeatedKeys(dict[str, Any]):
    """An object that named some keys more than once (the last value of each is kept)."""

    repeated: list[str]


def _number(text: str) -> float | NonFinite:
    value = float(text)
    return value if math.isfinite(value) else NonFinite(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) == len(pairs):
        return document
    seen: set[str] = set()
    repeated = []
    for key, _ in pairs:
        if key in seen and key not in repeated:
            repeated.append(key)
        seen.add(key)
    marked = RepeatedKeys(document)
    marked.repeated = repeated
    return marked


def load_json(text: str | bytes) -> Any:
    """Parse JSON text, keeping non-finite numbers as :class:`NonFinite` and marking objects
    with repeated keys as :class:`RepeatedKeys`.

    Raises
    ------
    ValueError
        (``json.JSONDecodeError``, ``UnicodeDecodeError``) when `text` is not JSON;
        RecursionError when it nests deeper than Python's parser goes.
    """
    return json.loads(
        text, parse_constant=NonFinite, parse_float=_number, object_pairs_hook=_object
    )


def json_problems(document: Any) -> list[tuple[Location, str, Any]]:
    """Every non-finite number, repeated key and text or key holding NUL in a document read by
    :func:`load_json`, as (location, rule, value shown), in document order."""
    found: list[tuple[Location, str, Any]] = []
    stack: list[tuple[Any, Location]] = [(document, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, NonFinite):
            found.append((loc, NON_FINITE_RULE, str(value)))
        elif isinstance(value, str):
            if "\x00" in value:
                found.append((loc, NUL_RULE, value.replace("\x00", "\\u0000")[:80]))
        elif isinstance(value, dict):
            found.extend(((*loc, key), REPEATED_KEY_RULE, key) for key in _repeated(value))
            for key, item in reversed(value.items()):
                if "\x00" in key:
                    found.append((loc, NUL_RULE, key.replace("\x00", "\\u0000")[:80]))
                stack.append((item, (*loc, key)))
        elif isinstance(value, list):
            stack.extend((item, (*loc, index)) for index, item in reversed(list(enumerate(value))))
    return found


def _repeated(value: dict[str, Any]) -> list[str]:
    return list(value.repeated) if isinstance(value, RepeatedKeys) else []
