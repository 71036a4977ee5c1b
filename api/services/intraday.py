"""The intraday compositions: a day's anomalies, coverage, recommendations and reforecast.

Each function reads what it needs through the stores and calls the pure packages
(:mod:`forecasting.anomalies`, :mod:`forecasting.reforecast`, :mod:`scheduling.requirements`,
:mod:`scheduling.coverage`, :mod:`scheduling.recommendations`); the routers parse, scope and
convert. Forecast intervals without a handle time are staffed at :data:`DEFAULT_AHT_S`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from api.services.actuals import read_forecast_and_actuals, with_actuals
from api.services.site import Site
from features.calendar import day_bounds
from features.schema import INTERVAL_START, QUEUE
from features.store.intraday_store import read_roster
from forecasting.anomalies import ANOMALY_COLUMNS, score_anomalies
from forecasting.reforecast import queue_ratios, reforecast_intraday
from scheduling.coverage import count_coverage
from scheduling.recommendations import Recommendation, recommend, staffing_effect
from scheduling.requirements import ServiceTargets, compute_requirements

DEFAULT_AHT_S = 300.0
"""Handle time (seconds) assumed for a forecast interval that carries none."""


def anomaly_scores(
    site: Site,
    queues: Sequence[str] | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    threshold: float,
    service_level: float,
    freq_minutes: int | None = None,
) -> pd.DataFrame:
    """Scores of the newest stored forecast of ``[start, end)`` against the stored contacts.

    Volume, handle time (s) and service level (against `service_level`), each with a score
    in standard deviations and a reason; intervals that have not happened yet are left out.
    `freq_minutes` is the actuals' interval length (the forecast's spacing when None).
    """
    reads = read_forecast_and_actuals(site, queues, start, end, freq_minutes=freq_minutes)
    if reads is None:
        return pd.DataFrame(columns=ANOMALY_COLUMNS)
    until = min(end, pd.Timestamp.now(tz=site.timezone))
    return score_anomalies(
        reads.forecast, reads.actuals, threshold=threshold, until=until, sl_targets=service_level
    )


def day_coverage(
    forecast: pd.DataFrame, roster: pd.DataFrame, targets: ServiceTargets, interval_minutes: int
) -> pd.DataFrame:
    """Agents required by the forecast and scheduled by the roster, per queue and interval.

    Parameters
    ----------
    forecast:
        FORECAST_COLUMNS (contacts per interval, ``aht_s`` seconds; missing handle times are
        taken as :data:`DEFAULT_AHT_S`).
    roster:
        Published roster rows (ROSTER_COLUMNS, tz-aware).
    targets:
        Service targets of the Erlang requirement.
    interval_minutes:
        Interval length, minutes.

    Returns
    -------
    pandas.DataFrame
        COVERAGE_COLUMNS: ``required`` (agents to schedule, after shrinkage), ``scheduled``
        (counted by :func:`scheduling.coverage.count_coverage`) and ``gap`` = scheduled -
        required.
    """
    needed = compute_requirements(
        forecast, targets, interval_minutes=interval_minutes, default_aht_s=DEFAULT_AHT_S
    )
    coverage = needed[[QUEUE, INTERVAL_START]].copy()
    coverage["required"] = needed["agents_scheduled"].to_numpy()
    coverage["scheduled"] = count_coverage(roster, coverage, interval_minutes)
    coverage["gap"] = coverage["scheduled"] - coverage["required"]
    return coverage


TOPIC_WINDOW_DAYS = 28
"""Days of knowledge-base use behind a day's training topics."""


def champion_wape(mlflow_uri: str | None) -> float | None:
    """The champion's backtest WAPE (share) from the registry; None without a registry."""
    if mlflow_uri is None:
        return None
    from forecasting import registry

    for model in registry.list_models(uri=mlflow_uri):
        if registry.CHAMPION in model["aliases"] and "wape" in model["metrics"]:
            return float(model["metrics"]["wape"])
    return None


def day_recommendations(
    site: Site,
    day: dt.date,
    queues: Sequence[str] | None,
    targets: ServiceTargets,
    *,
    backtest_wape: float | None,
    training_agents: int,
) -> list[Recommendation]:
    """Recommendations for a local day on `queues` (None: every queue), most severe first.

    Understaffed periods (the published roster against the Erlang requirement of the newest
    forecast, :func:`day_coverage`), quiet periods for training, queues to merge at night, and
    a retrain when today's WAPE is far above `backtest_wape`. A recommendation naming a queue
    outside `queues` is left out.
    """
    low, high = day_bounds(day, site.timezone)
    reads = read_forecast_and_actuals(site, queues, low, high)
    if reads is None:
        return []
    roster = read_roster(site.service, None, low, high, site.timezone)
    coverage = day_coverage(reads.forecast, roster, targets, reads.minutes)
    found = recommend(
        day,
        None,
        coverage,
        reads.forecast.assign(aht_s=reads.forecast["aht_s"].fillna(DEFAULT_AHT_S)),
        reads.actuals,
        backtest_wape,
        targets=targets,
        interval_minutes=reads.minutes,
        training_agents=training_agents,
        training_topics=training_topics(site, day),
    )
    if queues is None:
        return found
    allowed = set(queues)
    return [r for r in found if r.queue is None or set(r.queue.split("+")) <= allowed]


def training_topics(site: Site, day: dt.date) -> list[str]:
    """The knowledge-base topics new agents looked up most in the :data:`TOPIC_WINDOW_DAYS`
    days up to `day` (what a training period should cover), most looked-up first; empty when
    nothing is recorded."""
    from api.services.sources import tenure_starts
    from features.measures.knowledge import new_agent_topics
    from features.store.sources_store import SourcesStore

    low, high = day_bounds(day, site.timezone)
    events = SourcesStore(site.records).read_kb_events(
        low - pd.Timedelta(days=TOPIC_WINDOW_DAYS), high
    )
    if events.empty:
        return []
    ids = set(events["agent_id"].astype(str))
    topics = new_agent_topics(events, tenure_starts(site.records, ids), day)
    return [str(t) for t in topics["topic"]]


@dataclass(frozen=True)
class DayReforecast:
    """The rest of a day re-forecast: each queue's ratio so far, and every interval's rows."""

    now: pd.Timestamp
    ratios: pd.DataFrame
    rows: pd.DataFrame


def reforecast_day(
    site: Site,
    day: dt.date,
    queues: Sequence[str] | None,
    targets: ServiceTargets,
    *,
    now: pd.Timestamp,
    bounds: tuple[float, float],
    credibility_k: float | None,
) -> DayReforecast:
    """Re-forecast the rest of a local day from the contacts so far.

    The ratio of actual to forecast volume (bounded by `bounds`, shrunk towards 1 early in the
    day, or by `credibility_k` pseudo-contacts) scales the remaining intervals; each row carries
    the agents required before and after, and the contacts that actually arrived.
    """
    low, high = day_bounds(day, site.timezone)
    reads = read_forecast_and_actuals(site, queues, low, high, actuals_end=min(high, max(now, low)))
    if reads is None:
        return DayReforecast(now, pd.DataFrame(), pd.DataFrame())
    forecast, actuals, minutes = reads.forecast, reads.actuals, reads.minutes
    ratios = queue_ratios(forecast, actuals, now, bounds=bounds, credibility_k=credibility_k)
    refit = reforecast_intraday(forecast, actuals, now, bounds=bounds, credibility_k=credibility_k)
    effect = staffing_effect(refit, targets, interval_minutes=minutes, default_aht_s=DEFAULT_AHT_S)
    rows = refit.drop(columns=["volume", "volume_original", "aht_s"]).join(
        effect.drop(columns=[QUEUE, INTERVAL_START])
    )
    return DayReforecast(now, ratios, with_actuals(rows, actuals, now, minutes))
