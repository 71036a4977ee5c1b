"""Field types shared by the record models (pydantic), validated where they are declared, with
the bounds of :mod:`features.records.plausibility`."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, AllowInfNan, BeforeValidator

from features.calendar import is_timezone
from features.records.plausibility import (
    CONTROL_CHARACTERS,
    FREE_TEXT_CONTROLS,
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
)

_CONTROL = re.compile(CONTROL_CHARACTERS)
_FREE_CONTROL = re.compile(FREE_TEXT_CONTROLS)


def _known_zone(zone: str) -> str:
    if not is_timezone(zone):
        raise ValueError(f"unknown IANA timezone {zone!r}")
    return zone


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


def _plain(limit: int, pattern: re.Pattern[str] = _CONTROL) -> Any:
    def check(text: str) -> str:
        if pattern.search(text):
            raise ValueError("must not contain control characters")
        if len(text) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return text

    return check


TimezoneName = Annotated[str, AfterValidator(_known_zone)]
"""An IANA zone name (``Europe/Berlin``); anything else fails validation naming the value."""
IdText = Annotated[str, AfterValidator(_plain(MAX_ID_CHARS))]
"""An id: text of at most 200 characters without control characters."""
NameText = Annotated[str, AfterValidator(_plain(MAX_NAME_CHARS))]
"""A name (queue, team, site, agent): at most 100 characters without control characters."""
FreeText = Annotated[str, AfterValidator(_plain(MAX_TEXT_CHARS, _FREE_CONTROL))]
"""Free text: at most 1,000 characters; tabs and line breaks allowed, other controls not."""
Count = Annotated[int, BeforeValidator(_not_bool)]
"""A whole number given as a JSON number (``true`` is not 1)."""
Real = Annotated[float, BeforeValidator(_not_bool), AllowInfNan(False)]
"""A finite number given as a JSON number (no booleans, NaN or Infinity)."""
