"""Field types shared by the record models (pydantic), validated where they are declared."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from features.calendar import is_timezone


def _known_zone(zone: str) -> str:
    if not is_timezone(zone):
        raise ValueError(f"unknown IANA timezone {zone!r}")
    return zone


TimezoneName = Annotated[str, AfterValidator(_known_zone)]
"""An IANA zone name (``Europe/Berlin``); anything else fails validation naming the value."""
