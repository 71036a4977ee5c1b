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
import re
from typing import Any

import numpy as np

NON_FINITE_RULE = "must be a finite number (no NaN or Infinity)"
"""The rule a NaN, an Infinity or an overflowing number breaks."""
NUL_RULE = "must not contain NUL characters"
"""The rule text holding U+0000 breaks (no store holds it: PostgreSQL's text cannot)."""
REPEATED_KEY_RULE = "appears more than once in one object; give it once"
"""The rule an object naming a key twice breaks."""

Location = tuple[int | str, ...]
"""Where a value sits in a document: object keys and array indexes from the root."""

_NON_FINITE_TOKEN = re.compile(rb"NaN|Infinity|[eE][+]?\d{3,}")
"""What outside strings may stand for a non-finite number: NaN, Infinity, a 3-digit exponent."""


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


def outside_strings(text: bytes) -> bytes:
    """A JSON text without its string literals (numbers, literals and brackets are left), in
    vectorised byte operations: escaped backslashes and quotes go first, then whatever follows
    an odd number of quotes is inside a string."""
    cleaned = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    codes = np.frombuffer(cleaned, dtype=np.uint8)
    quotes = codes == ord('"')
    inside = (np.cumsum(quotes, dtype=np.int64) & 1).astype(bool)
    return codes[~inside & ~quotes].tobytes()


def scan_json(text: bytes, outside: bytes | None = None) -> list[tuple[Location, str, Any]]:
    """The :func:`json_problems` of a JSON text, reading it in full only when needed: a text
    with no NaN/Infinity/3-digit exponent outside its strings and no escaped NUL is parsed once
    by the C reader (to see repeated keys) and not walked. Empty for a text that is not JSON.

    Parameters
    ----------
    outside:
        :func:`outside_strings` of `text`, when the caller has it already.
    """
    rest = outside_strings(text) if outside is None else outside
    suspect = _NON_FINITE_TOKEN.search(rest) is not None or b"\\u0000" in text
    try:
        if suspect:
            return json_problems(load_json(text))
        repeated: list[bool] = []

        def flagged(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            document = _object(pairs)
            if isinstance(document, RepeatedKeys):
                repeated.append(True)
            return document

        document = json.loads(text, object_pairs_hook=flagged)
    except (ValueError, RecursionError):
        return []
    return json_problems(document) if repeated else []


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
