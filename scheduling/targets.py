"""Service targets of a queue: what staffing must achieve, on which channel, with what certainty.

:class:`ServiceTargets` is imported from :mod:`scheduling.requirements` by most code; it lives here
so that every staffing module (requirements, pooling, the simulator's settings) shares one
definition without importing the requirement search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from features.errors import FieldError, InvalidInput
from features.schema import CHANNELS, DEFAULT_CHANNEL, DEFAULT_SL_THRESHOLD_S
from scheduling.channels import CHANNEL_STANDARDS, DEFERRED_CHANNELS, standard_of
from scheduling.risk import DEFAULT_CONFIDENCE


@dataclass(frozen=True)
class ServiceTargets:
    """Service targets of one queue.

    Attributes
    ----------
    service_level:
        Share of offered contacts to answer within `threshold_s`, in [0, 1).
    threshold_s:
        Service-level threshold in seconds, >= 0 (for email: the response-time target).
    asa_s:
        Optional target for the average speed of answer in seconds, > 0 (live channels).
    max_occupancy:
        Highest share of time agents may spend on contacts, in (0, 1].
    shrinkage:
        Share of paid time lost to breaks, training, absence, in [0, 1);
        ``agents_scheduled = ceil(agents / (1 - shrinkage))``.
    patience_s:
        Mean caller patience in seconds (exponential; estimate it from the queue's records with
        :func:`scheduling.patience.estimate_patience`); when set, Erlang A (with abandonment)
        replaces Erlang C. None means callers never abandon. Live channels only.
    channel:
        ``voice``, ``chat`` or ``email`` (:mod:`scheduling.channels`): voice and chat are live
        queues (Erlang), email is deferred work (a backlog recursion).
    concurrency:
        Chats one agent holds at once (chat only; 1 elsewhere). The queue's `aht_s` is then the
        elapsed time a chat occupies one of the agent's slots, so an agent's effective handle time
        per chat is ``aht_s / concurrency``: slots are staffed with Erlang and agents are
        ``ceil(slots / concurrency)``.
    confidence:
        Probability that each interval meets its targets given the forecast's uncertainty
        (:mod:`scheduling.risk`), in (0, 1); None staffs the point forecast (plain Erlang).
    """

    service_level: float = 0.8
    threshold_s: float = DEFAULT_SL_THRESHOLD_S
    asa_s: float | None = None
    max_occupancy: float = 0.85
    shrinkage: float = 0.3
    patience_s: float | None = None
    channel: str = DEFAULT_CHANNEL
    concurrency: int = 1
    confidence: float | None = DEFAULT_CONFIDENCE

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise InvalidInput(
                "; ".join(f"{e.rule}, got {_show(e.value)}" for e in problems),
                problems,
            )

    @classmethod
    def for_channel(cls, channel: str, **overrides: Any) -> ServiceTargets:
        """Targets with `channel`'s standard service level, threshold and concurrency.

        Parameters
        ----------
        channel:
            ``voice``, ``chat`` or ``email``.
        **overrides:
            Any other field (e.g. ``shrinkage=0.35``, ``concurrency=3``).

        Examples
        --------
        >>> ServiceTargets.for_channel("email").threshold_s
        14400.0
        """
        standard = standard_of(channel)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise InvalidInput(
                f"unknown service target field(s) {unknown}",
                [FieldError(None, name, "is not a service target field") for name in unknown],
            )
        values: dict[str, Any] = {
            "service_level": standard.service_level,
            "threshold_s": standard.threshold_s,
            "concurrency": standard.concurrency,
            "channel": channel,
        }
        values.update(overrides)
        return cls(**values)

    @property
    def deferred(self) -> bool:
        """True for deferred work (email): staffed from a backlog, not a live queue."""
        return self.channel in DEFERRED_CHANNELS

    def at_point(self) -> ServiceTargets:
        """The same targets staffed at the point forecast (``confidence=None``)."""
        return replace(self, confidence=None)

    def problems(self) -> list[FieldError]:
        """Every broken rule of these targets (empty when valid)."""
        checks: list[tuple[str, object, bool, str]] = [
            ("service_level", self.service_level, 0.0 <= self.service_level < 1.0, "[0, 1)"),
            ("threshold_s", self.threshold_s, self.threshold_s >= 0.0, ">= 0"),
            ("max_occupancy", self.max_occupancy, 0.0 < self.max_occupancy <= 1.0, "(0, 1]"),
            ("shrinkage", self.shrinkage, 0.0 <= self.shrinkage < 1.0, "[0, 1)"),
        ]
        if self.asa_s is not None:
            checks.append(("asa_s", self.asa_s, self.asa_s > 0.0, "> 0 (or None)"))
        if self.patience_s is not None:
            checks.append(("patience_s", self.patience_s, self.patience_s > 0.0, "> 0 (or None)"))
        if self.confidence is not None:
            ok = 0.0 < self.confidence < 1.0
            checks.append(("confidence", self.confidence, ok, "(0, 1) (or None)"))
        errors = []
        for name, value, ok, allowed in checks:
            if not ok or (isinstance(value, float) and math.isnan(value)):
                errors.append(FieldError(None, name, f"{name} must be in {allowed}", value))
        if self.channel not in CHANNEL_STANDARDS:
            rule = f"channel must be one of {list(CHANNELS)}"
            errors.append(FieldError(None, "channel", rule, self.channel))
        if isinstance(self.concurrency, bool) or not isinstance(self.concurrency, int):
            rule = "concurrency must be a whole number of contacts >= 1"
            errors.append(FieldError(None, "concurrency", rule, self.concurrency))
        elif self.concurrency < 1 or (
            self.concurrency > 1
            and self.channel in CHANNEL_STANDARDS
            and CHANNEL_STANDARDS[self.channel].concurrency == 1
        ):
            concurrent = sorted(c for c, s in CHANNEL_STANDARDS.items() if s.concurrency > 1)
            rule = f"concurrency must be 1, or >= 1 on a {' or '.join(concurrent)} queue"
            errors.append(FieldError(None, "concurrency", rule, self.concurrency))
        if self.channel in DEFERRED_CHANNELS:
            for name in ("patience_s", "asa_s"):
                if getattr(self, name) is not None:
                    rule = f"{name} must be None for deferred work ({self.channel})"
                    errors.append(FieldError(None, name, rule, getattr(self, name)))
        return errors

    def __str__(self) -> str:
        text = (
            f"SL {self.service_level:.0%}/{self.threshold_s:g}s, max occupancy "
            f"{self.max_occupancy:.0%}, shrinkage {self.shrinkage:.0%}"
        )
        if self.channel != DEFAULT_CHANNEL:
            text = f"{self.channel} " + text
        if self.concurrency > 1:
            text += f", {self.concurrency} at once"
        if self.confidence is not None:
            text += f", {self.confidence:.0%} confidence"
        return text


def _show(value: object) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else repr(value)
