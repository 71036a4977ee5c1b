"""Contact channels and their service standards: the one definition the product imports.

A queue belongs to one channel (DESIGN.md, contacts: ``voice``, ``chat``, ``email``), and the
channel decides how it is staffed:

- **voice** — answered live; 80% within 20 s (the classic 80/20, :data:`DEFAULT_SL_THRESHOLD_S`);
  one call per agent; Erlang C, or Erlang A with patience.
- **chat** — answered live, but an agent holds up to ``concurrency`` chats at once; 80% within
  60 s, because a customer typing into a chat window tolerates a minute where a caller on hold
  tolerates seconds (the usual published chat standard). Two chats per agent by default: the
  common setting, above which handle times stretch faster than throughput grows.
- **email** — deferred work: nobody waits on the line, so what matters is the response time; 95%
  answered within 4 hours (same business morning or afternoon). Work arriving in one interval may
  be done in any later interval within the target, so requirements come from a backlog recursion
  (:mod:`scheduling.backlog`), not from a queue at a threshold in seconds.
- **social** — posts on social media: deferred like e-mail, first response within 1 hour (90%).
- **messaging** — messaging apps: live like chat (two conversations per agent), 80% within 5
  minutes, since a messaging customer does not sit watching the window.

The thresholds are the product-wide table :data:`features.schema.CHANNEL_THRESHOLDS_S` (the
interval histories, KPIs and BI views use the same numbers); this module adds how each channel is
staffed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import CHANNEL_THRESHOLDS_S, CHANNELS, DEFAULT_CHANNEL, QUEUE

CHANNEL: Final = "channel"
"""Column naming a row's channel (contacts, forecasts)."""


@dataclass(frozen=True)
class ChannelStandard:
    """How one channel is staffed by default.

    Attributes
    ----------
    channel:
        ``voice``, ``chat`` or ``email``.
    service_level:
        Share of contacts to answer within `threshold_s`, in [0, 1).
    threshold_s:
        Service-level threshold (voice, chat) or response-time target (email), seconds.
    concurrency:
        Contacts one agent holds at once (chat slots; 1 for voice and email).
    deferred:
        True when the work can wait in a backlog (email) instead of a live queue.
    """

    channel: str
    service_level: float
    threshold_s: float
    concurrency: int
    deferred: bool


_STAFFING: Final = {
    # channel: (service level, concurrency, deferred)
    "voice": (0.8, 1, False),
    "chat": (0.8, 2, False),
    "email": (0.95, 1, True),
    "social": (0.9, 1, True),
    "messaging": (0.8, 2, False),
}
CHANNEL_STANDARDS: Final[Mapping[str, ChannelStandard]] = {
    channel: ChannelStandard(channel, level, CHANNEL_THRESHOLDS_S[channel], slots, deferred)
    for channel, (level, slots, deferred) in _STAFFING.items()
}
"""The standard of every channel in :data:`features.schema.CHANNELS`."""

DEFERRED_CHANNELS: Final = frozenset(c for c, s in CHANNEL_STANDARDS.items() if s.deferred)
"""Channels staffed as deferred work (a backlog), not as a live queue."""


def channel_threshold_s(channel: str) -> float:
    """The standard service-level threshold (response-time target for email) of `channel`, s."""
    return standard_of(channel).threshold_s


def standard_of(channel: str) -> ChannelStandard:
    """The :class:`ChannelStandard` of `channel`; InvalidInput naming the channels otherwise."""
    if channel not in CHANNEL_STANDARDS:
        raise InvalidInput(
            f"unknown channel {channel!r}; channels are {list(CHANNELS)}",
            [FieldError(None, CHANNEL, f"must be one of {list(CHANNELS)}", channel)],
        )
    return CHANNEL_STANDARDS[channel]


def queue_channels(frame: pd.DataFrame) -> dict[str, str]:
    """The channel of every queue of a contacts or forecast frame.

    Parameters
    ----------
    frame:
        Rows with `queue` and, optionally, `channel` (missing or empty means voice).

    Returns
    -------
    dict[str, str]
        Queue -> channel.

    Raises
    ------
    InvalidInput
        A queue with rows of more than one channel, or an unknown channel.
    """
    if QUEUE not in frame.columns:
        raise InvalidInput(
            "rows lack column 'queue'", [FieldError(None, QUEUE, "required column is missing")]
        )
    queues = frame[QUEUE].astype(str)
    if CHANNEL not in frame.columns:
        return {q: DEFAULT_CHANNEL for q in sorted(queues.unique())}
    channels = frame[CHANNEL].astype("string").fillna(DEFAULT_CHANNEL).replace("", DEFAULT_CHANNEL)
    errors = [
        FieldError(None, CHANNEL, f"must be one of {list(CHANNELS)}", c)
        for c in sorted(set(channels) - set(CHANNELS))
    ]
    found: dict[str, str] = {}
    for queue, values in channels.groupby(queues, sort=True):
        distinct = sorted(set(values))
        if len(distinct) > 1:
            rule = f"a queue has one channel; queue {queue!r} has rows of {distinct}"
            errors.append(FieldError(None, CHANNEL, rule, str(queue)))
        found[str(queue)] = distinct[0]
    if errors:
        raise InvalidInput("cannot tell the channel of every queue", errors)
    return found
