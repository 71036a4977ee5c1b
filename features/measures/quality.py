"""Quality and speech analytics per contact, rolled up per agent, team or queue.

An evaluation (manual review or speech analytics) scores one contact: ``script_compliance`` and
``empathy`` are shares 0..1; ``emotion`` is a list of segments ``{start_s, end_s, label,
score}``. Definitions used by every view, alert and BI column:

- **negative emotion**: the contact has a segment whose label is one of
  :data:`features.schema.NEGATIVE_EMOTIONS` with a score of at least
  :data:`NEGATIVE_MIN_SCORE` (NA when the evaluation has no emotion segments);
- **compliance miss**: ``script_compliance`` below :data:`COMPLIANCE_MIN`.

Roll-ups are over evaluations joined with their contact (``queue``, ``agent_id``, ``team``):
``evaluations`` (count), ``script_compliance`` and ``empathy`` (means of the scored ones),
``negative_emotion_rate`` and ``compliance_miss_rate`` (shares of the evaluations that carry the
measure).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import NEGATIVE_EMOTIONS

NEGATIVE_MIN_SCORE = 0.5
"""A negative segment counts when its score (0..1) is at least this."""
COMPLIANCE_MIN = 0.6
"""A script compliance (0..1) below this is a compliance miss."""
QUALITY_KPIS = (
    "evaluations",
    "script_compliance",
    "empathy",
    "negative_emotion_rate",
    "compliance_miss_rate",
)
"""Columns of :func:`quality_by`, after the grouping column."""


def negative_emotion(emotion: Iterable[Any], *, min_score: float = NEGATIVE_MIN_SCORE) -> pd.Series:
    """Per evaluation: True when a segment is negative with a score >= `min_score`, False when
    none is, NA without segments.

    Parameters
    ----------
    emotion:
        One list of segments (dicts with ``label`` and ``score``) per evaluation.
    """
    flags: list[bool | None] = []
    for segments in emotion:
        if not isinstance(segments, list) or not segments:
            flags.append(None)
            continue
        flags.append(
            any(
                s["label"] in NEGATIVE_EMOTIONS and float(s["score"]) >= min_score for s in segments
            )
        )
    return pd.Series(flags, dtype="boolean")


def compliance_miss(scores: pd.Series, *, minimum: float = COMPLIANCE_MIN) -> pd.Series:
    """Per evaluation: True when script compliance is below `minimum`, NA when not scored."""
    values = pd.to_numeric(scores, errors="coerce")
    return (values < minimum).astype("boolean").where(values.notna())


def with_flags(evaluations: pd.DataFrame) -> pd.DataFrame:
    """The evaluations with ``negative_emotion`` and ``compliance_miss`` columns (a stored
    ``negative_emotion`` is kept)."""
    out = evaluations.copy()
    if "negative_emotion" not in out.columns:
        out["negative_emotion"] = negative_emotion(out["emotion"]).to_numpy()
    out["compliance_miss"] = compliance_miss(out["script_compliance"]).to_numpy()
    return out


def quality_by(evaluations: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Quality KPIs in total or per group.

    Parameters
    ----------
    evaluations:
        Evaluations (:data:`features.schema.QUALITY_COLUMNS`) joined with the grouping column
        (``agent_id``, ``queue``, ``team`` of the evaluated contact).
    by:
        The grouping column; None for one row of totals. Rows with a missing label are left
        out of the groups.

    Returns
    -------
    pandas.DataFrame
        One row per group (`by` first, sorted) with :data:`QUALITY_KPIS`: counts, means 0..1
        and shares 0..1 (NaN when nothing carries the measure).
    """
    if by is not None and by not in evaluations.columns:
        raise InvalidInput(
            "cannot group quality", [FieldError(None, by, "required column is missing")]
        )
    flagged = with_flags(evaluations)
    frame = pd.DataFrame(
        {
            "script_compliance": pd.to_numeric(flagged["script_compliance"], errors="coerce"),
            "empathy": pd.to_numeric(flagged["empathy"], errors="coerce"),
            "negative_emotion_rate": flagged["negative_emotion"].astype("Float64"),
            "compliance_miss_rate": flagged["compliance_miss"].astype("Float64"),
        }
    )
    columns = list(QUALITY_KPIS)
    if by is None:
        totals = {"evaluations": len(frame), **frame.mean(skipna=True).to_dict()}
        return pd.DataFrame([totals], columns=columns).astype({"evaluations": "int64"})
    frame[by] = flagged[by].to_numpy()
    frame = frame[frame[by].notna()]
    grouped = frame.groupby(by, sort=True)
    table = grouped.mean()
    table.insert(0, "evaluations", grouped.size())
    out = table.reset_index()[[by, *columns]]
    for column in columns[1:]:
        out[column] = out[column].astype("float64")
    return out
