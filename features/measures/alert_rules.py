"""Alert rules: which contacts and intervals deserve a supervisor's attention.

Pure functions over frames: contacts (CONTACT_COLUMNS) and agents in, alert rows out; interval
history (HISTORY_COLUMNS) and service-level targets in, alert rows out; quality evaluations joined
with their contacts in, alert rows out where negative emotion or compliance misses cluster on a
queue. Storing, scoping and
pushing alerts to webhooks is done by the service (``api.services.alerting``).

Every alert row has ALERT_COLUMNS. ``key`` identifies what the alert is about, so storing the
same alert twice is a no-op: the contact id for contact alerts, ``queue|interval_start`` (ISO
8601 with offset, in UTC) for queue alerts (service level, and the quality clusters, whose
interval is the window the contacts arrived in); (``kind``, ``key``) is unique.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from features.calendar import check_freq_minutes, floor_local
from features.errors import FieldError, InvalidInput
from features.measures.quality import (
    COMPLIANCE_MIN,
    NEGATIVE_MIN_SCORE,
    compliance_miss,
    negative_emotion,
)
from features.schema import INTERVAL_START

KIND_LOW_CSAT: Final = "low_csat"
KIND_NEGATIVE_SENTIMENT: Final = "negative_sentiment"
KIND_SERVICE_LEVEL: Final = "service_level"
KIND_NEGATIVE_EMOTION: Final = "negative_emotion"
KIND_COMPLIANCE_MISS: Final = "compliance_miss"
KIND_SCHEDULE_CHANGE: Final = "schedule_change"
"""A change to an agent's published schedule (a swap, an edit), raised by the people services."""
ALERT_KINDS: Final = (
    KIND_LOW_CSAT,
    KIND_NEGATIVE_SENTIMENT,
    KIND_SERVICE_LEVEL,
    KIND_NEGATIVE_EMOTION,
    KIND_COMPLIANCE_MISS,
    KIND_SCHEDULE_CHANGE,
)
QUEUE_ALERT_KINDS: Final = (KIND_SERVICE_LEVEL, KIND_NEGATIVE_EMOTION, KIND_COMPLIANCE_MISS)
"""Alerts about a queue as a whole (no agent, no team): seen by the supervisors of the queue."""

ALERT_COLUMNS: Final = [
    "kind",
    "key",
    "queue",
    "team",
    "agent_id",
    "contact_id",
    INTERVAL_START,
    "at",
    "value",
    "threshold",
    "message",
]
"""One row per alert; `at` is when it happened (tz-aware), `value` the measure that tripped it."""


@dataclass(frozen=True)
class AlertThresholds:
    """Thresholds of the contact rules.

    Attributes
    ----------
    csat_max:
        A contact whose CSAT (1-5) is at or below this raises a ``low_csat`` alert.
    sentiment_max:
        A contact whose sentiment (-1..1) is strictly below this raises a
        ``negative_sentiment`` alert.
    """

    csat_max: float = 2.0
    sentiment_max: float = -0.3

    def __post_init__(self) -> None:
        errors = []
        if not 1.0 <= self.csat_max <= 5.0:
            errors.append(FieldError(None, "csat_max", "must be within [1, 5]", self.csat_max))
        if not -1.0 <= self.sentiment_max <= 1.0:
            rule = "must be within [-1, 1]"
            errors.append(FieldError(None, "sentiment_max", rule, self.sentiment_max))
        if errors:
            raise InvalidInput("invalid alert thresholds", errors)


def empty_alerts() -> pd.DataFrame:
    """An alert frame with no rows and the ALERT_COLUMNS."""
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in ALERT_COLUMNS})
    frame["value"] = frame["value"].astype(float)
    frame["threshold"] = frame["threshold"].astype(float)
    return frame


def _utc_iso(values: pd.Series) -> pd.Series:
    utc = pd.to_datetime(values, utc=True)
    return utc.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _text_or_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python objects with None (not NaN) for missing values."""
    out = frame.copy()
    for column in ("kind", "key", "queue", "team", "agent_id", "contact_id", "message"):
        values = out[column].astype(object)
        out[column] = values.where(values.notna(), None)
    return out


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(np.nan, index=frame.index, dtype=float)


def contact_alerts(
    contacts: pd.DataFrame,
    agents: pd.DataFrame | None,
    thresholds: AlertThresholds | None = None,
) -> pd.DataFrame:
    """Alerts for contacts with a low CSAT or a negative sentiment.

    Parameters
    ----------
    contacts:
        Contacts (CONTACT_COLUMNS; `csat` 1-5 and `sentiment` -1..1 may be missing or empty).
    agents:
        Agents with `agent_id` and `team`, used to route each alert to the agent's team
        (None or an unknown agent: the alert has no team and only admins see it).
    thresholds:
        Rule thresholds; defaults to CSAT <= 2 and sentiment < -0.3.

    Returns
    -------
    pandas.DataFrame
        ALERT_COLUMNS, one row per (contact, rule) tripped; `at` is the contact's end (else
        answer, else arrival) time, `value` the CSAT or sentiment.
    """
    limits = thresholds or AlertThresholds()
    if contacts.empty:
        return empty_alerts()
    csat = pd.to_numeric(_column(contacts, "csat"), errors="coerce")
    sentiment = pd.to_numeric(_column(contacts, "sentiment"), errors="coerce")
    at = contacts["arrived_at"]
    for later in ("answered_at", "ended_at"):
        if later in contacts.columns:
            at = contacts[later].where(contacts[later].notna(), at)
    teams: dict[str, str] = {}
    if agents is not None and not agents.empty and "team" in agents.columns:
        known = agents.dropna(subset=["agent_id"])
        teams = dict(zip(known["agent_id"].astype(str), known["team"], strict=True))
    agent_ids = _column(contacts, "agent_id").astype(object)
    agent_ids = agent_ids.where(agent_ids.notna(), None)

    parts = []
    rules = (
        (KIND_LOW_CSAT, csat, csat <= limits.csat_max, limits.csat_max, "CSAT {v:g} <= {t:g}"),
        (
            KIND_NEGATIVE_SENTIMENT,
            sentiment,
            sentiment < limits.sentiment_max,
            limits.sentiment_max,
            "sentiment {v:.2f} < {t:.2f}",
        ),
    )
    for kind, values, tripped, threshold, template in rules:
        hit = tripped.fillna(False).astype(bool)
        if not hit.any():
            continue
        rows = contacts.loc[hit]
        ids = rows["contact_id"].astype(str)
        who = agent_ids.loc[hit]
        part = pd.DataFrame(
            {
                "kind": kind,
                "key": ids,
                "queue": rows["queue"].astype(str),
                "team": [teams.get(str(a)) if a is not None else None for a in who],
                "agent_id": who,
                "contact_id": ids,
                INTERVAL_START: None,
                "at": at.loc[hit],
                "value": values.loc[hit].astype(float),
                "threshold": float(threshold),
            }
        )
        part["message"] = [
            f"contact {c} on queue {q} (agent {a or 'unknown'}): "
            + template.format(v=v, t=threshold)
            for c, q, a, v in zip(
                part["contact_id"], part["queue"], who, part["value"], strict=True
            )
        ]
        parts.append(part[ALERT_COLUMNS])
    if not parts:
        return empty_alerts()
    return _text_or_none(pd.concat(parts, ignore_index=True))


def queue_alerts(
    history: pd.DataFrame,
    targets: float | Mapping[str, float],
    *,
    min_offered: int = 1,
) -> pd.DataFrame:
    """Alerts for intervals whose service level fell below the queue's target.

    Parameters
    ----------
    history:
        Interval history (HISTORY_COLUMNS; `service_level` is a share in [0, 1]).
    targets:
        Service-level target (share in [0, 1]) for every queue, or per queue; queues missing
        from a mapping get no alerts.
    min_offered:
        Intervals with fewer offered contacts than this are not judged (too few to mean much).

    Returns
    -------
    pandas.DataFrame
        ALERT_COLUMNS, one row per (queue, interval) below target; `value` is the service
        level, `threshold` the target.
    """
    if isinstance(targets, Mapping):
        target_of = {str(q): float(t) for q, t in targets.items()}
    else:
        target_of = None
    bad = [
        FieldError(None, f"targets[{q}]", "service-level target must be within [0, 1]", t)
        for q, t in (target_of or {"*": float(targets)}).items()  # type: ignore[arg-type]
        if not 0.0 <= t <= 1.0
    ]
    if bad:
        raise InvalidInput("invalid service-level targets", bad)
    if history.empty:
        return empty_alerts()
    queues = history["queue"].astype(str)
    if target_of is None:
        target = pd.Series(float(targets), index=history.index)  # type: ignore[arg-type]
    else:
        target = queues.map(target_of).astype(float)
    level = pd.to_numeric(history["service_level"], errors="coerce")
    offered = pd.to_numeric(history["offered"], errors="coerce").fillna(0)
    hit = (level < target) & (offered >= min_offered) & level.notna() & target.notna()
    if not hit.any():
        return empty_alerts()
    rows = history.loc[hit]
    starts = rows[INTERVAL_START]
    keys = queues.loc[hit] + "|" + _utc_iso(starts)
    frame = pd.DataFrame(
        {
            "kind": KIND_SERVICE_LEVEL,
            "key": keys,
            "queue": queues.loc[hit],
            "team": None,
            "agent_id": None,
            "contact_id": None,
            INTERVAL_START: starts,
            "at": starts,
            "value": level.loc[hit].astype(float),
            "threshold": target.loc[hit].astype(float),
        }
    )
    frame["message"] = [
        f"queue {q}: service level {v:.0%} below target {t:.0%} in interval {s.isoformat()}"
        for q, v, t, s in zip(
            frame["queue"], frame["value"], frame["threshold"], starts, strict=True
        )
    ]
    return _text_or_none(frame[ALERT_COLUMNS].reset_index(drop=True))


@dataclass(frozen=True)
class ClusterThresholds:
    """When negative emotion or compliance misses cluster on a queue.

    Attributes
    ----------
    window_minutes:
        Contacts are grouped by queue and the local window (5, 10, 15, 30 or 60 minutes) they
        arrived in.
    min_count:
        A window needs at least this many flagged evaluations (contacts) ...
    min_share:
        ... making up at least this share (0..1) of the window's evaluations carrying the
        measure.
    negative_min_score:
        A negative emotion segment counts from this score (0..1) on.
    compliance_min:
        A script compliance (0..1) below this is a miss.
    """

    window_minutes: int = 60
    min_count: int = 3
    min_share: float = 0.3
    negative_min_score: float = NEGATIVE_MIN_SCORE
    compliance_min: float = COMPLIANCE_MIN

    def __post_init__(self) -> None:
        errors = []
        if isinstance(self.min_count, bool) or not 1 <= self.min_count <= 10_000:
            errors.append(FieldError(None, "min_count", "must be 1 to 10000", self.min_count))
        for name in ("min_share", "negative_min_score", "compliance_min"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                errors.append(FieldError(None, name, "must be within [0, 1]", value))
        if errors:
            raise InvalidInput("invalid cluster thresholds", errors)
        check_freq_minutes(self.window_minutes)


def quality_alerts(
    evaluations: pd.DataFrame,
    *,
    timezone: str,
    thresholds: ClusterThresholds | None = None,
) -> pd.DataFrame:
    """Alerts for queues where negative emotion or compliance misses cluster in a window.

    Parameters
    ----------
    evaluations:
        Quality evaluations (QUALITY_COLUMNS) joined with their contact's ``queue`` and
        ``arrived_at`` (tz-aware); evaluations without them are ignored. Each contact counts
        once (its latest evaluation).
    timezone:
        The site's zone the windows are aligned in.
    thresholds:
        Window and cluster sizes; defaults to 3 or more contacts and at least 30 % of a
        queue's evaluated contacts in one hour.

    Returns
    -------
    pandas.DataFrame
        ALERT_COLUMNS, one row per (kind, queue, window) that clusters; `value` is the flagged
        share, `threshold` the minimum share, `interval_start` and `at` the window's start.
    """
    limits = thresholds or ClusterThresholds()
    needed = {"queue", "arrived_at", "contact_id", "evaluated_at"}
    if evaluations.empty or not needed <= set(evaluations.columns):
        return empty_alerts()
    known = evaluations[evaluations["queue"].notna() & evaluations["arrived_at"].notna()]
    if known.empty:
        return empty_alerts()
    latest = known.sort_values("evaluated_at").drop_duplicates("contact_id", keep="last")
    flagged = latest.copy()
    flagged["negative_emotion"] = negative_emotion(
        latest["emotion"], min_score=limits.negative_min_score
    ).to_numpy()
    flagged["compliance_miss"] = compliance_miss(
        latest["script_compliance"], minimum=limits.compliance_min
    ).to_numpy()
    arrived = pd.to_datetime(flagged["arrived_at"], utc=True)
    flagged[INTERVAL_START] = floor_local(arrived, limits.window_minutes, timezone)
    parts = []
    rules = (
        (KIND_NEGATIVE_EMOTION, "negative_emotion", "with negative emotion"),
        (KIND_COMPLIANCE_MISS, "compliance_miss", "missing the script"),
    )
    for kind, column, words in rules:
        carries = flagged[flagged[column].notna()]
        if carries.empty:
            continue
        hits = carries[column].astype(bool)
        grouped = hits.groupby([carries["queue"].astype(str), carries[INTERVAL_START]])
        table = pd.DataFrame({"count": grouped.sum(), "of": grouped.size()}).reset_index()
        table["share"] = table["count"] / table["of"]
        table = table[(table["count"] >= limits.min_count) & (table["share"] >= limits.min_share)]
        if table.empty:
            continue
        starts = table[INTERVAL_START]
        part = pd.DataFrame(
            {
                "kind": kind,
                "key": table["queue"] + "|" + _utc_iso(starts),
                "queue": table["queue"],
                "team": None,
                "agent_id": None,
                "contact_id": None,
                INTERVAL_START: starts,
                "at": starts,
                "value": table["share"].astype(float),
                "threshold": float(limits.min_share),
            }
        )
        part["message"] = [
            f"queue {q}: {c} of {n} evaluated contacts ({v:.0%}) {words} in the "
            f"{limits.window_minutes} min from {s.isoformat()}"
            for q, c, n, v, s in zip(
                table["queue"], table["count"], table["of"], table["share"], starts, strict=True
            )
        ]
        parts.append(part[ALERT_COLUMNS])
    if not parts:
        return empty_alerts()
    return _text_or_none(pd.concat(parts, ignore_index=True))
