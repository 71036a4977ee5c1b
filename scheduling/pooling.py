"""Pooling what-if: how many agents merging queues would save over a span of intervals.

Separate queues each need their own Erlang staffing; one pool of cross-skilled agents serving the
merged stream (volumes added, handle time volume-weighted) needs fewer, because random peaks of
the queues rarely coincide. The advice compares the two in agent-intervals over the span (and at
the busiest interval) and says it in plain English for a manager.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.calendar import infer_interval_minutes
from features.errors import FieldError, InvalidInput
from scheduling.requirements import BAND_COLUMNS, ServiceTargets, compute_requirements
from scheduling.risk import Z_90


@dataclass(frozen=True)
class PoolingAdvice:
    """What merging queues over a span would save.

    Attributes
    ----------
    queues:
        The queues merged.
    separate_agents:
        Agent-intervals the queues need staffed separately (sum over queues and intervals).
    pooled_agents:
        Agent-intervals one merged pool needs.
    agents_saved:
        ``separate_agents - pooled_agents``.
    share_saved:
        ``agents_saved / separate_agents`` (0 when nothing is needed).
    message:
        The recommendation in plain English.
    separate_peak:
        Agents needed separately at the busiest interval of the span.
    pooled_peak:
        Agents the pool needs at its busiest interval.
    """

    queues: tuple[str, ...]
    separate_agents: int
    pooled_agents: int
    agents_saved: int
    share_saved: float
    message: str
    separate_peak: int = 0
    pooled_peak: int = 0


def _strictest(targets: Sequence[ServiceTargets]) -> ServiceTargets:
    """Targets the merged queue must meet so that every original queue's targets hold."""
    channels = sorted({t.channel for t in targets})
    if len(channels) > 1:
        raise InvalidInput(
            f"only queues of one channel can be pooled, got {channels}",
            [FieldError(None, "queues", "must share one channel", ", ".join(channels))],
        )
    asa = [t.asa_s for t in targets if t.asa_s is not None]
    patience = [t.patience_s for t in targets if t.patience_s is not None]
    confidence = [t.confidence for t in targets if t.confidence is not None]
    return ServiceTargets(
        channel=channels[0],
        concurrency=min(t.concurrency for t in targets),
        confidence=max(confidence) if confidence else None,
        service_level=max(t.service_level for t in targets),
        threshold_s=min(t.threshold_s for t in targets),
        asa_s=min(asa) if asa else None,
        max_occupancy=min(t.max_occupancy for t in targets),
        shrinkage=max(t.shrinkage for t in targets),
        patience_s=max(patience) if len(patience) == len(targets) else None,
    )


def _merge_queues(chosen: pd.DataFrame) -> pd.DataFrame:
    """One stream per interval: volumes added, handle time volume-weighted and, where every
    queue has a band, the band's variance added (independent errors; the width is kept and the
    band starts at ``max(volume - half width, 0)``)."""
    rows = chosen.assign(
        work=chosen["volume"].astype(float) * chosen["aht_s"].astype(float).fillna(0.0)
    )
    sums = ["volume", "work"]
    banded = all(c in rows.columns for c in BAND_COLUMNS)
    if banded:
        low, high = (rows[c].astype(float) for c in BAND_COLUMNS)
        rows["band_var"] = ((high - low) / (2.0 * Z_90)) ** 2
        sums.append("band_var")
    merged = rows.groupby("interval_start", as_index=False)[sums].sum(min_count=1)
    merged["aht_s"] = np.where(merged["volume"] > 0, merged["work"] / merged["volume"], np.nan)
    if banded:
        unknown = rows["band_var"].isna().groupby(rows["interval_start"]).any()
        merged.loc[unknown.to_numpy(), "band_var"] = np.nan
        half = Z_90 * np.sqrt(merged["band_var"])
        merged["volume_p10"] = np.maximum(merged["volume"] - half, 0.0)
        merged["volume_p90"] = merged["volume_p10"] + 2.0 * half
    return merged


def _span_text(start: pd.Timestamp, end: pd.Timestamp) -> str:
    same_day = end - start <= pd.Timedelta(days=1)
    if same_day:
        return f"{start:%H:%M}\u2013{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}\u2013{end:%Y-%m-%d %H:%M}"


def pooling_gain(
    forecast: pd.DataFrame,
    queues: Sequence[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    targets: ServiceTargets | Mapping[str, ServiceTargets],
    interval_minutes: int | None = None,
) -> PoolingAdvice:
    """Agents saved by merging `queues` into one pool for the intervals in [start, end).

    Parameters
    ----------
    forecast:
        `queue`, `interval_start` (tz-aware), `volume` (contacts per interval), `aht_s` (seconds).
    queues:
        Two or more queues of the forecast to merge.
    start, end:
        The span (tz-aware); intervals starting in [start, end) count.
    targets:
        Service targets, one for all or per queue; a pool must meet the strictest of them.
    interval_minutes:
        Interval length; inferred from the forecast's spacing when None.

    Returns
    -------
    PoolingAdvice
        Agent-intervals separately and pooled, the saving, and a message such as
        "Merging billing and sales 22:00–06:00 needs 9 agents instead of 14 at the busiest
        interval (5 fewer, 36%); 120 agent-intervals instead of 180 over the span (60 fewer,
        33%)."
    """
    names = tuple(dict.fromkeys(str(q) for q in queues))
    errors: list[FieldError] = []
    if len(names) < 2:
        errors.append(FieldError(None, "queues", "name at least two distinct queues", names))
    known = set(forecast["queue"].astype(str)) if "queue" in forecast.columns else set()
    errors += [
        FieldError(None, "queues", "queue not in the forecast", q) for q in names if q not in known
    ]
    if not end > start:
        errors.append(FieldError(None, "end", "must be after start", str(end)))
    if errors:
        raise InvalidInput("cannot compare pooling", errors)
    minutes = interval_minutes or infer_interval_minutes(forecast)
    chosen = forecast[
        forecast["queue"].astype(str).isin(names)
        & (forecast["interval_start"] >= start)
        & (forecast["interval_start"] < end)
    ].reset_index(drop=True)
    if chosen.empty:
        raise InvalidInput(
            "no forecast intervals of these queues in the span",
            [FieldError(None, "start", "span holds no intervals", f"{start}..{end}")],
        )
    per_queue = (
        {q: targets for q in names} if isinstance(targets, ServiceTargets) else dict(targets)
    )
    missing = [q for q in names if q not in per_queue]
    if missing:
        raise InvalidInput(
            f"no service targets for queue(s) {missing}",
            [FieldError(None, "queue", "needs service targets", q) for q in missing],
        )
    separate = compute_requirements(
        chosen, {q: per_queue[q] for q in names}, interval_minutes=minutes
    )
    merged = _merge_queues(chosen)
    merged["queue"] = "+".join(names)
    pool_targets = _strictest([per_queue[q] for q in names])
    pooled = compute_requirements(merged, pool_targets, interval_minutes=minutes)

    separate_total = int(separate["agents"].sum())
    pooled_total = int(pooled["agents"].sum())
    saved = separate_total - pooled_total
    share = saved / separate_total if separate_total else 0.0
    separate_peak = int(separate.groupby("interval_start")["agents"].sum().max())
    pooled_peak = int(pooled["agents"].max())
    label = " and ".join([", ".join(names[:-1]), names[-1]])
    span = _span_text(start, end)
    peak_saved = separate_peak - pooled_peak
    peak_share = peak_saved / separate_peak if separate_peak else 0.0
    message = (
        f"Merging {label} {span} needs {pooled_peak} agents instead of {separate_peak} at the "
        f"busiest interval ({peak_saved} fewer, {peak_share:.0%}); {pooled_total} "
        f"agent-intervals instead of {separate_total} over the span ({saved} fewer, {share:.0%})."
    )
    if saved <= 0:
        message += " Pooling saves nothing here; keep the queues separate."
    return PoolingAdvice(
        queues=names,
        separate_agents=separate_total,
        pooled_agents=pooled_total,
        agents_saved=saved,
        share_saved=share,
        message=message,
        separate_peak=separate_peak,
        pooled_peak=pooled_peak,
    )
