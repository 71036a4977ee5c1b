"""Column names and constants shared by every package: the one long-format frame convention.

`queue` and `interval_start` play the roles of a series id and a timestamp; the measure's
name (`offered`, `aht_s`, ...) plays the value. Every frame that crosses a package boundary
uses the column lists below, in this order.

In memory, `interval_start` (and every other instant) is a timezone-aware pandas timestamp in
the site's local zone; files carry ISO 8601 with an offset (see :mod:`features.records.frame_io`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import pandas as pd

from features.errors import FieldError

QUEUE: Final = "queue"
INTERVAL_START: Final = "interval_start"

HISTORY_COLUMNS: Final = [
    "queue",
    INTERVAL_START,
    "offered",
    "handled",
    "abandoned",
    "aht_s",
    "asa_s",
    "service_level",
    "abandon_rate",
    "occupancy",
]
"""Interval history: one row per (queue, interval); an absent interval means zero contacts."""

FORECAST_COLUMNS: Final = [
    "queue",
    INTERVAL_START,
    "volume",
    "volume_p10",
    "volume_p50",
    "volume_p90",
    "aht_s",
    "model",
    "model_version",
]
"""Forecast: contacts per interval (point and quantiles) and handle time in seconds."""

REQUIREMENTS_COLUMNS: Final = [
    "queue",
    INTERVAL_START,
    "volume",
    "aht_s",
    "agents",
    "agents_scheduled",
    "expected_service_level",
    "expected_asa_s",
    "expected_occupancy",
]
"""Staffing requirements: productive agents needed, and scheduled agents after shrinkage."""

WEEK_START: Final = "week_start"
"""Local midnight (tz-aware) of the Monday that starts a week of a long-range frame."""

WEEKLY_FORECAST_COLUMNS: Final = [
    "queue",
    "week_start",
    "volume",
    "volume_p10",
    "volume_p50",
    "volume_p90",
    "aht_s",
    "aht_s_p10",
    "aht_s_p90",
    "open_days",
    "holidays",
    "horizon_weeks",
    "model",
]
"""Long-range forecast: contacts per local week (point and quantiles), handle time in seconds,
open days and public holidays in the week, weeks ahead of the history's last week."""

CAPACITY_PLAN_COLUMNS: Final = [
    "scenario",
    "week_start",
    "skill",
    "volume",
    "aht_s",
    "shrinkage",
    "required_fte",
    "required_fte_p10",
    "required_fte_p90",
    "available_fte",
    "new_hire_fte",
    "overtime_fte",
    "overtime_hours",
    "short_fte",
    "gap_fte",
    "gap_after_fte",
    "headcount",
    "trainees",
]
"""Capacity plan: one row per (scenario, week, skill); FTE are full-time equivalents of paid
time (shrinkage included). ``gap_fte = available - required`` before the recommended hires and
overtime; ``gap_after_fte`` after them (negative = short)."""

HIRING_CLASS_COLUMNS: Final = [
    "scenario",
    "profile",
    "skills",
    "team",
    "start_week",
    "size",
    "requisition_by",
    "productive_from",
    "full_productivity_from",
    "one_off_cost",
    "wage_cost",
    "planned",
]
"""Hiring classes: a class of `size` new hires of one profile starting training on `start_week`
(local dates); ``planned`` marks classes given as inputs rather than recommended."""

ROSTER_COLUMNS: Final = ["agent_id", "date", "activity", "queue", "start", "end"]
"""Roster: one row per contiguous activity of an agent (work rows carry the queue served)."""

COVERAGE_COLUMNS: Final = ["queue", INTERVAL_START, "required", "scheduled", "gap"]
"""Roster coverage per (queue, interval): agents required, scheduled; gap = scheduled - required."""

CONTACT_REQUIRED: Final = ["contact_id", "queue", "arrived_at"]
CONTACT_OPTIONAL: Final = [
    "channel",
    "answered_at",
    "ended_at",
    "abandoned",
    "talk_s",
    "hold_s",
    "acw_s",
    "handle_s",
    "agent_id",
    "transfers",
    "csat",
    "sentiment",
]
CONTACT_COLUMNS: Final = CONTACT_REQUIRED + CONTACT_OPTIONAL

AGENT_STATE_COLUMNS: Final = ["agent_id", "state", "started_at", "ended_at"]

TICKET_REQUIRED: Final = ["ticket_id", "queue", "category", "opened_at"]
TICKET_OPTIONAL: Final = [
    "contact_id",
    "agent_id",
    "priority",
    "status_changes",
    "resolved_at",
    "reopened",
]
TICKET_COLUMNS: Final = [*TICKET_REQUIRED, *TICKET_OPTIONAL, "status"]
"""Tickets as validated: the record fields, ``status_changes`` a time-ordered list of
``{at, status}``, and the derived last ``status``."""
TICKET_STATUSES: Final = ("open", "pending", "resolved", "closed", "reopened")
RESOLVED_STATUSES: Final = ("resolved", "closed")
"""Statuses in which a ticket counts as resolved (the others leave it in the backlog)."""
TICKET_PRIORITIES: Final = ("low", "normal", "high", "urgent")

KB_EVENT_REQUIRED: Final = ["event_id", "agent_id", "article_id", "topic", "viewed_at"]
KB_EVENT_COLUMNS: Final = ["event_id", "contact_id", "agent_id", "article_id", "topic", "viewed_at"]
"""Knowledge-base events: an agent viewed an article (of a topic), during a contact or not."""

QUALITY_REQUIRED: Final = ["evaluation_id", "contact_id", "evaluated_at", "source"]
QUALITY_SCORES: Final = ["script_compliance", "empathy"]
QUALITY_COLUMNS: Final = [*QUALITY_REQUIRED, *QUALITY_SCORES, "keywords", "emotion"]
"""Quality evaluations of one contact: scores 0..1, keywords, emotion segments."""
QUALITY_SOURCES: Final = ("manual", "speech")
EMOTION_LABELS: Final = (
    "neutral",
    "positive",
    "happy",
    "satisfied",
    "negative",
    "angry",
    "frustrated",
    "sad",
    "anxious",
)
NEGATIVE_EMOTIONS: Final = ("negative", "angry", "frustrated", "sad", "anxious")
"""Emotion labels counted as negative by the quality measures and alerts."""

CHANNELS: Final = ("voice", "chat", "email", "social", "messaging")
"""Contact channels: calls, web chat, e-mail, social-media posts and messaging apps."""
DEFAULT_CHANNEL: Final = "voice"
CHANNEL_THRESHOLDS_S: Final[dict[str, float]] = {
    "voice": 20.0,
    "chat": 60.0,
    "email": 4 * 3600.0,
    "social": 3600.0,
    "messaging": 300.0,
}
"""Service-level threshold per channel, seconds: a contact answered (first response) within it
counts as in service. Voice 20 s (the 80/20 convention), chat 60 s, e-mail 4 hours, social media
1 hour, messaging 5 minutes. The one product-wide table: interval histories, KPIs and the BI
views use it wherever no per-queue threshold is given."""
AGENT_STATES: Final = (
    "available",
    "on_contact",
    "acw",
    "break",
    "lunch",
    "training",
    "meeting",
    "offline",
)
ROSTER_ACTIVITIES: Final = ("work", "break", "lunch", "training", "meeting")

ALLOWED_INTERVAL_MINUTES: Final = (5, 10, 15, 30, 60)
DEFAULT_INTERVAL_MINUTES: Final = 15
DEFAULT_SL_THRESHOLD_S: Final = CHANNEL_THRESHOLDS_S[DEFAULT_CHANNEL]
"""Service-level threshold of the default channel (voice), seconds."""
SHORT_ABANDON_S: Final = 5.0
"""Contacts abandoned within this many seconds are left out of offered, for service level only."""

ProgressCallback = Callable[[float, str], None]
"""Progress reporter: (fraction done in [0, 1], short message). Long computations accept one."""


def no_progress(fraction: float, message: str) -> None:
    """A progress callback that ignores its reports."""


def frame_errors(name: str, frame: pd.DataFrame, needed: tuple[str, ...]) -> list[FieldError]:
    """Broken rules of a long frame's shape: missing columns, and a naive ``interval_start``.

    Parameters
    ----------
    name:
        How the frame is called in messages (``forecast``, ``actuals``); fields read
        ``<name>.<column>``.
    frame:
        The frame to check.
    needed:
        Columns that must be present.

    Returns
    -------
    list[FieldError]
        Empty when the frame is fine.
    """
    errors = [
        FieldError(None, f"{name}.{c}", "required column is missing")
        for c in needed
        if c not in frame.columns
    ]
    if INTERVAL_START in frame.columns and not isinstance(
        frame[INTERVAL_START].dtype, pd.DatetimeTZDtype
    ):
        errors.append(
            FieldError(None, f"{name}.interval_start", "must be timezone-aware timestamps")
        )
    return errors


MIN_TRAIN_DAYS: Final = 28
"""Days of history before the first origin when a backtest takes every origin the history
allows (the CLI's ``--min-train-days`` and the API's ``min_train_days`` default)."""
