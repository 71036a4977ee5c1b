"""A realistic synthetic contact centre: contacts, agent states and agents (``seatwise generate``).

The generator simulates, rather than draws, the centre's history so that every record agrees
with every other one:

1. **Arrivals** (:mod:`features.synthetic.arrivals`): a doubly stochastic Poisson process per
   queue — intraday profile with two peaks, weekly pattern, public holidays from the `holidays`
   package, a Gamma day-level multiplier (over-dispersion, Brown et al. 2005; Ibrahim et al.
   2016) and optional injected :class:`Anomaly` spikes or drops.
2. **Staffing** (:mod:`features.synthetic.roster`): agents with skills, teams and contracts;
   square-root staffing from the *planned* rate; greedy shifts with breaks, vacations and sick
   days.
3. **Service** (:mod:`features.synthetic.service`): each queue is a first-come-first-served
   multi-server queue served by its agents' work windows; log-normal handle times; callers
   abandon after an exponential patience; agent states are derived from what happened.
4. **Experience**: transfers, a satisfaction score (1-5) from the survey respondents, lower when
   the wait was long or the contact transferred, and a sentiment (-1..1) on text channels and
   surveyed calls.

Everything is driven by one ``numpy.random.Generator`` seeded by ``seed``: the same arguments
give byte-identical files. See ``docs/generator.md`` for the parameters and why they were chosen.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.calendar import WEEKDAYS, check_timezone, interval_grid, iso_instants
from features.errors import FieldError, InvalidInput
from features.records.frame_io import write_frame
from features.schema import (
    AGENT_STATE_COLUMNS,
    CONTACT_COLUMNS,
    INTERVAL_START,
    KB_EVENT_COLUMNS,
    ProgressCallback,
    no_progress,
)
from features.synthetic.arrivals import Anomaly, plan_arrivals, sample_arrivals
from features.synthetic.profiles import QueueProfile, default_profiles
from features.synthetic.roster import (
    Agent,
    Shift,
    lay_shifts,
    make_agents,
    open_intervals,
    requirements,
    staffed_counts,
)
from features.synthetic.service import (
    ServedQueue,
    agent_state_records,
    build_windows,
    serve_contacts,
)
from features.synthetic.sources import generate_sources

__all__ = ["Anomaly", "Centre", "GeneratorSettings", "generate_centre", "write_centre"]

DEFAULT_END = dt.date(2026, 11, 23)
"""Default end (exclusive) of the generated period: the Monday before 2026-11-24, so the
default demo looks like recent history while staying reproducible (no dependency on today)."""

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannah", "Ivan", "Jonas",
    "Katja", "Lukas", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sami", "Tara", "Yusuf",
)  # fmt: skip
LAST_NAMES = (
    "Becker", "Demir", "Fischer", "Hoffmann", "Jansen", "Keller", "Lange", "Meyer", "Nowak",
    "Schmidt", "Schulz", "Wagner", "Weber", "Yilmaz", "Zimmermann",
)  # fmt: skip


@dataclass(frozen=True)
class GeneratorSettings:
    """Tuning knobs of the generator (defaults documented in docs/generator.md).

    Attributes
    ----------
    staffing_ratio:
        Share of the agents' contracted hours (net of sickness and vacation) that the planned
        requirement fills; volumes are sized to it. 0.8 leaves room for the lumpiness of
        shifts and breaks; near 1 gives a stretched centre with long waits.
    day_cv:
        Coefficient of variation of the Gamma day-level rate multiplier (0.12).
    interval_cv:
        Coefficient of variation of the Gamma half-hour-level rate multiplier (0.05).
    staffing_beta:
        Square-root staffing safety factor (agents = a + beta * sqrt(a)).
    sick_rate:
        Probability that a rostered agent is off sick on a given day (0.04).
    country, subdiv:
        Holiday calendar (`holidays` package codes); None country means no holidays.
    """

    staffing_ratio: float = 0.8
    day_cv: float = 0.12
    interval_cv: float = 0.05
    staffing_beta: float = 1.0
    sick_rate: float = 0.04
    country: str | None = "DE"
    subdiv: str | None = None

    def __post_init__(self) -> None:
        rules = {
            "staffing_ratio": (0.0, 1.5, self.staffing_ratio),
            "day_cv": (0.0, 2.0, self.day_cv),
            "interval_cv": (0.0, 2.0, self.interval_cv),
            "staffing_beta": (0.0, 5.0, self.staffing_beta),
            "sick_rate": (0.0, 0.5, self.sick_rate),
        }
        errors = [
            FieldError(None, name, f"must be a number from {low} to {high}", value)
            for name, (low, high, value) in rules.items()
            if isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not low <= value <= high
            or (name == "staffing_ratio" and value == 0)
        ]
        if errors:
            raise InvalidInput("invalid generator settings", errors)


@dataclass
class Centre:
    """A generated centre: the three record sets, the truth behind them and the parameters.

    Attributes
    ----------
    contacts:
        :data:`features.schema.CONTACT_COLUMNS` (instants tz-aware in the site's zone).
    agent_states:
        :data:`features.schema.AGENT_STATE_COLUMNS`.
    agents:
        Agent records (DESIGN.md "agents" format), JSON-ready dicts.
    rates:
        ``queue, interval_start, planned, rate, staffed`` per 15-minute interval: planned
        contacts (what the planners expected), the true Poisson rate (with the day multiplier
        and anomalies) and agents on duty.
    params:
        Everything used, JSON-ready (written as params.json).
    tickets, kb_events, quality, aliases:
        The other sources (:mod:`features.synthetic.sources`): ticket records, knowledge-base
        events, quality evaluations and Chinese aliases of queues and teams.
    """

    contacts: pd.DataFrame
    agent_states: pd.DataFrame
    agents: list[dict[str, Any]]
    rates: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    kb_events: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    aliases: list[dict[str, str]] = field(default_factory=list)


def generate_centre(
    *,
    weeks: int = 6,
    queues: int = 4,
    agents: int = 60,
    seed: int = 0,
    start: dt.date | str | None = None,
    timezone: str = "Europe/Berlin",
    anomalies: Sequence[Anomaly] | None = None,
    settings: GeneratorSettings | None = None,
    profiles: Sequence[QueueProfile] | None = None,
    progress: ProgressCallback | None = None,
) -> Centre:
    """Simulate a multi-queue, multi-channel contact centre.

    Parameters
    ----------
    weeks:
        Length of the history in weeks (1-104).
    queues:
        Number of queues (default 4: billing voice, sales voice, support chat, tech e-mail).
    agents:
        Number of agents employed (at least one per queue); volumes scale with it so that any
        size gives a plausibly staffed centre.
    seed:
        Seed of the single random generator; same arguments give identical output.
    start:
        First local date. Default: `weeks` weeks before :data:`DEFAULT_END` (a Monday).
    timezone:
        The site's IANA zone; opening hours are local and DST days have 23 or 25 hours.
    anomalies:
        Injected arrival-rate changes (spikes, drops); recorded in ``params["anomalies"]``.
    settings:
        Tuning knobs (:class:`GeneratorSettings`).
    profiles:
        Queue profiles to use instead of the catalogue (overrides `queues`).
    progress:
        Optional callback (fraction 0..1, message).

    Returns
    -------
    Centre
        Contacts, agent states, agents, the true rates and the parameters.
    """
    report = progress or no_progress
    settings = settings or GeneratorSettings()
    chosen = list(profiles) if profiles is not None else None
    first_day = _check_arguments(weeks, queues, agents, start, timezone, chosen)
    chosen = chosen or default_profiles(queues)
    injected = list(anomalies or [])
    _check_anomalies(injected, chosen, timezone)
    rng = np.random.default_rng(seed)
    days = weeks * 7
    report(0.02, "planning arrivals")
    buckets = interval_grid(first_day, days, 5, timezone)
    grid15 = interval_grid(first_day, days, 15, timezone)
    dates = list(pd.date_range(first_day, periods=days, freq="D"))
    staff = make_agents(chosen, agents, dates, rng)
    plan = plan_arrivals(
        chosen,
        np.ones(len(chosen)),
        buckets,
        country=settings.country,
        subdiv=settings.subdiv,
        day_cv=settings.day_cv,
        interval_cv=settings.interval_cv,
        anomalies=injected,
        rng=rng,
    )
    report(0.1, "sizing volumes to the agents")
    unit15 = plan.planned.reshape(len(chosen), -1, 3).sum(axis=2)
    open15 = open_intervals(chosen, grid15)
    week15 = ((grid15.tz_localize(None).normalize() - pd.Timestamp(first_day)).days // 7).to_numpy()
    levels = _calibrate_levels(chosen, staff, unit15, open15, week15, settings, weeks)
    plan.planned *= levels[:, None]
    plan.rate *= levels[:, None]
    arrivals = sample_arrivals(plan, rng)
    report(0.15, "rostering agents")
    planned15 = unit15 * levels[:, None]
    rate15 = plan.rate.reshape(len(chosen), -1, 3).sum(axis=2)
    wanted = requirements(chosen, planned15, open15, week15, settings.staffing_beta)
    shifts = lay_shifts(staff, wanted, open15, grid15, sick_rate=settings.sick_rate, rng=rng)
    shifts.sort(key=lambda s: (s.agent, s.start))
    windows = build_windows(shifts, len(staff))
    report(0.3, "simulating queues")
    drawn = pd.concat(
        [_draw(q, profile, arrivals[q], rng) for q, profile in enumerate(chosen)],
        ignore_index=True,
    ).sort_values(["arrived", "q"], kind="stable", ignore_index=True)
    primary = [[i for i, a in enumerate(staff) if a.queue == q] for q in range(len(chosen))]
    secondary = [
        [i for i, a in enumerate(staff) if a.queue != q and p.name in a.skills]
        for q, p in enumerate(chosen)
    ]
    outcome = serve_contacts(
        drawn["arrived"].to_numpy(),
        drawn["q"].to_numpy(),
        drawn["handle"].to_numpy(),
        drawn["patience"].to_numpy(),
        primary,
        secondary,
        [p.overflow_s for p in chosen],
        windows,
    )
    served = _outcome_frame(drawn, outcome)
    report(0.75, "deriving agent states")
    period = (int(buckets.asi8[0] // 10**9), int(buckets.asi8[-1] // 10**9) + 300)
    handled = served[served["agent"] >= 0]
    states = agent_state_records(shifts, windows, [a.agent_id for a in staff], handled, period)
    report(0.9, "formatting records")
    contacts = _contact_records(served, staff, timezone)
    agent_states = _state_records(states, staff, timezone)
    rates = _rates(
        chosen, grid15, planned15, rate15, staffed_counts(shifts, staff, grid15, len(chosen))
    )
    params = _params(
        weeks, agents, seed, first_day, days, timezone, settings, chosen, levels, injected,
        contacts, agent_states,
    )  # fmt: skip
    agent_records = _agent_records(staff, chosen, shifts, timezone, rng)
    report(0.95, "tickets, knowledge base and quality")
    end = pd.Timestamp(first_day + dt.timedelta(days=days)).tz_localize(timezone)
    sources = generate_sources(
        contacts, agent_records, chosen, first_day=first_day, end=end, timezone=timezone,
        seed=seed,
    )  # fmt: skip
    params["summary"].update(
        tickets=len(sources.tickets),
        kb_events=len(sources.kb_events),
        quality=len(sources.quality),
    )
    report(1.0, f"{len(contacts)} contacts, {len(agent_states)} agent states")
    return Centre(
        contacts, agent_states, agent_records, rates, params,
        sources.tickets, sources.kb_events, sources.quality, sources.aliases,
    )  # fmt: skip


def write_centre(centre: Centre, out_dir: str | Path) -> dict[str, Path]:
    """Write a centre as ``contacts.csv``, ``agent_states.csv``, ``agents.json``, ``rates.csv``,
    ``params.json`` and the other sources ``tickets.json``, ``kb_events.csv``,
    ``quality.json`` and ``aliases.json`` under `out_dir` (instants as ISO 8601 with offset).

    Returns
    -------
    dict
        File kind -> path written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "contacts": write_frame(_formatted(centre.contacts), out / "contacts.csv"),
        "agent_states": write_frame(_formatted(centre.agent_states), out / "agent_states.csv"),
        "rates": write_frame(_formatted(centre.rates), out / "rates.csv"),
    }
    paths["agents"] = out / "agents.json"
    paths["agents"].write_text(json.dumps(centre.agents, indent=2) + "\n")
    paths["params"] = out / "params.json"
    paths["params"].write_text(json.dumps(centre.params, indent=2) + "\n")
    paths["tickets"] = out / "tickets.json"
    paths["tickets"].write_text(json.dumps(centre.tickets, indent=1, ensure_ascii=False) + "\n")
    events = centre.kb_events.reindex(columns=KB_EVENT_COLUMNS)
    paths["kb_events"] = write_frame(_formatted(events), out / "kb_events.csv")
    paths["quality"] = out / "quality.json"
    quality = _formatted(centre.quality).to_dict("records") if not centre.quality.empty else []
    paths["quality"].write_text(json.dumps(quality, indent=1, ensure_ascii=False) + "\n")
    paths["aliases"] = out / "aliases.json"
    paths["aliases"].write_text(json.dumps(centre.aliases, indent=1, ensure_ascii=False) + "\n")
    return paths


def _formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """Instants pre-formatted as ISO 8601 with offset (vectorised; large files write fast)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = iso_instants(out[column])
    return out


def _check_arguments(
    weeks: int,
    queues: int,
    agents: int,
    start: dt.date | str | None,
    timezone: str,
    profiles: list[QueueProfile] | None,
) -> dt.date:
    errors: list[FieldError] = []
    if not isinstance(weeks, int) or not 1 <= weeks <= 104:
        errors.append(FieldError(None, "weeks", "must be an integer from 1 to 104", weeks))
    count = len(profiles) if profiles is not None else queues
    if not isinstance(queues, int) or not 1 <= count <= 50:
        errors.append(FieldError(None, "queues", "must be an integer from 1 to 50", queues))
    if not isinstance(agents, int) or not count <= agents <= 5000:
        rule = f"must be an integer from the number of queues ({count}) to 5000"
        errors.append(FieldError(None, "agents", rule, agents))
    first_day = DEFAULT_END
    if start is None:
        if not errors:
            first_day = DEFAULT_END - dt.timedelta(days=7 * weeks)
    else:
        try:
            first_day = pd.Timestamp(start).date()
        except (ValueError, TypeError):
            errors.append(FieldError(None, "start", "must be a date YYYY-MM-DD", start))
    if errors:
        raise InvalidInput("invalid generator arguments", errors)
    check_timezone(timezone)
    return first_day


def _check_anomalies(anomalies: list[Anomaly], profiles: list[QueueProfile], tz: str) -> None:
    names = {p.name for p in profiles}
    errors: list[FieldError] = []
    for row, anomaly in enumerate(anomalies):
        if anomaly.queue not in names:
            rule = f"must be one of the generated queues {sorted(names)}"
            errors.append(FieldError(row, "queue", rule, anomaly.queue))
        if not anomaly.factor >= 0:
            errors.append(FieldError(row, "factor", "must be >= 0", anomaly.factor))
        try:
            start, end = pd.Timestamp(anomaly.start), pd.Timestamp(anomaly.end)
        except (ValueError, TypeError):
            errors.append(FieldError(row, "start", "start and end must be instants", anomaly.start))
            continue
        if start.tzinfo is None or end.tzinfo is None:
            errors.append(FieldError(row, "start", "start and end need an offset", anomaly.start))
        elif end <= start:
            errors.append(FieldError(row, "end", "must be after start", anomaly.end))
    if errors:
        raise InvalidInput("invalid anomalies", errors)


def _calibrate_levels(
    profiles: Sequence[QueueProfile],
    staff: Sequence[Agent],
    unit15: np.ndarray,
    open15: np.ndarray,
    week15: np.ndarray,
    settings: GeneratorSettings,
    weeks: int,
) -> np.ndarray:
    """Daily volume level per queue (contacts on a day of weekly factor 1) such that the
    planned requirement fills `settings.staffing_ratio` of the pool's contracted hours.

    The requirement grows monotonically with the level, so a bisection per queue finds it.
    """
    levels = np.zeros(len(profiles))
    for q, profile in enumerate(profiles):
        pool = [a for a in staff if a.queue == q]
        hours = sum(a.max_hours for a in pool) * weeks * (1.0 - settings.sick_rate) * 0.95
        target = settings.staffing_ratio * hours * 4.0  # agent-intervals of 15 minutes
        low, high = 0.0, 1.0
        while _wanted(profile, unit15[q] * high, open15[q], week15, settings) < target:
            high *= 2.0
        for _ in range(40):
            mid = (low + high) / 2.0
            if _wanted(profile, unit15[q] * mid, open15[q], week15, settings) < target:
                low = mid
            else:
                high = mid
        levels[q] = low
    return levels


def _wanted(
    profile: QueueProfile,
    planned: np.ndarray,
    open15: np.ndarray,
    week15: np.ndarray,
    settings: GeneratorSettings,
) -> float:
    wanted = requirements([profile], planned[None, :], open15[None, :], week15,
                          settings.staffing_beta)  # fmt: skip
    return float(wanted.sum())


def _draw(
    q: int, profile: QueueProfile, arrivals: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Per-contact random attributes of one queue: handle time and its parts, patience,
    transfers, survey response and mood."""
    n = len(arrivals)
    sigma = np.sqrt(np.log1p(profile.aht_cv**2))
    mu = np.log(profile.aht_s) - sigma**2 / 2
    handle = np.clip(np.round(rng.lognormal(mu, sigma, n)), 10, 6 * profile.aht_s)
    acw = np.round(handle * rng.beta(3.0, 3.0 / profile.acw_share - 3.0, n))
    on_hold = rng.random(n) < (0.3 if profile.channel == "voice" else 0.0)
    hold = np.where(on_hold, np.round(handle * rng.beta(2.0, 18.0, n)), 0.0)
    patience = rng.exponential(profile.patience_s, n) if profile.patience_s else np.full(n, np.inf)
    transfers = (rng.random(n) < profile.transfer_rate).astype(int)
    transfers += (transfers > 0) & (rng.random(n) < 0.1)
    return pd.DataFrame(
        {
            "q": q,
            "queue": profile.name,
            "channel": profile.channel,
            "arrived": arrivals,
            "handle": handle,
            "talk": handle - acw - hold,
            "hold": hold,
            "acw": acw,
            "patience": patience,
            "transfers": transfers,
            "survey": rng.random(n) < profile.csat_response_rate,
            "mood": rng.normal(0.0, 0.8, n),
        }
    )


def _outcome_frame(drawn: pd.DataFrame, outcome: ServedQueue) -> pd.DataFrame:
    """The drawn contacts with what the simulation made of them (seconds since the epoch)."""
    patience = drawn["patience"].to_numpy()
    served = drawn.copy()
    served["answered"] = outcome.answered
    served["abandoned"] = outcome.abandoned
    served["agent"] = outcome.agent
    served["shift"] = outcome.shift
    served["gave_up"] = drawn["arrived"] + np.ceil(np.where(np.isfinite(patience), patience, 0))
    served["talk_end"] = outcome.answered + (drawn["talk"] + drawn["hold"]).astype(np.int64)
    served["done"] = outcome.answered + drawn["handle"].astype(np.int64)
    return served


def _instants(seconds: pd.Series | np.ndarray, timezone: str) -> pd.Series:
    values = pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s", utc=True)
    return pd.Series(values).dt.tz_convert(timezone).dt.as_unit("ns")


def _contact_records(served: pd.DataFrame, staff: Sequence[Agent], timezone: str) -> pd.DataFrame:
    handled = (served["agent"] >= 0).to_numpy()
    abandoned = served["abandoned"].to_numpy()
    wait = np.where(handled, served["answered"] - served["arrived"], np.nan)
    transfers = served["transfers"].to_numpy()
    latent = 4.3 - 0.8 * np.minimum(wait / 300.0, 2.0) - 0.7 * transfers + served["mood"]
    surveyed = handled & served["survey"].to_numpy()
    csat = np.clip(np.round(latent), 1, 5)
    text = served["channel"].isin(["chat", "email", "social", "messaging"]).to_numpy()
    with_sentiment = handled & (text | surveyed)
    sentiment = np.round(np.tanh((latent - 3.0) / 1.5), 3)
    ids = np.array([a.agent_id for a in staff], dtype=object)
    agent_index = served["agent"].to_numpy()
    arrived_at = _instants(served["arrived"], timezone)
    answered_at = _instants(np.where(handled, served["answered"], 0), timezone).where(handled)
    ended_s = np.where(handled, served["talk_end"], served["gave_up"])
    ended_at = _instants(ended_s, timezone).where(handled | abandoned)

    def when(mask: np.ndarray, values: np.ndarray | pd.Series) -> pd.Series:
        return pd.Series(np.where(mask, values, np.nan))

    contacts = pd.DataFrame(
        {
            "contact_id": [f"c{i + 1:07d}" for i in range(len(served))],
            "queue": served["queue"].astype("str"),
            "arrived_at": arrived_at,
            "channel": served["channel"].astype("str"),
            "answered_at": answered_at,
            "ended_at": ended_at,
            "abandoned": abandoned,
            "talk_s": when(handled, served["talk"]),
            "hold_s": when(handled, served["hold"]),
            "acw_s": when(handled, served["acw"]),
            "handle_s": when(handled, served["talk"] + served["hold"] + served["acw"]),
            "agent_id": pd.Series(np.where(handled, ids[np.maximum(agent_index, 0)], None))
            .astype("str")
            .where(handled),
            "transfers": pd.Series(transfers).astype("Int64").where(handled),
            "csat": pd.Series(csat).astype("Int64").where(surveyed),
            "sentiment": when(with_sentiment, sentiment),
        }
    )
    return contacts[CONTACT_COLUMNS]


def _state_records(states: pd.DataFrame, staff: Sequence[Agent], timezone: str) -> pd.DataFrame:
    ids = np.array([a.agent_id for a in staff], dtype=object)
    frame = pd.DataFrame(
        {
            "agent_id": pd.Series(ids[states["agent"].to_numpy()]).astype("str"),
            "state": states["state"].astype("str"),
            "started_at": _instants(states["start"], timezone),
            "ended_at": _instants(states["end"], timezone),
        }
    )
    return frame[AGENT_STATE_COLUMNS]


def _rates(
    profiles: Sequence[QueueProfile],
    grid15: pd.DatetimeIndex,
    planned15: np.ndarray,
    rate15: np.ndarray,
    staffed: np.ndarray,
) -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {
                "queue": p.name,
                INTERVAL_START: grid15,
                "planned": np.round(planned15[q], 4),
                "rate": np.round(rate15[q], 4),
                "staffed": staffed[q],
            }
        )
        for q, p in enumerate(profiles)
    ]
    return pd.concat(frames, ignore_index=True)


def _agent_records(
    staff: Sequence[Agent],
    profiles: Sequence[QueueProfile],
    shifts: Sequence[Shift],
    timezone: str,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Agent records (DESIGN.md) that agree with the simulated roster: availability is the
    main queue's opening hours on the agent's working weekdays, preferred days off are the
    fixed days off, shift lengths are those actually worked."""
    site = timezone.rsplit("/", 1)[-1].replace("_", " ")
    worked: dict[int, set[int]] = {}
    for shift in shifts:
        worked.setdefault(shift.agent, set()).add((shift.end - shift.start) // 60)
    records = []
    for index, agent in enumerate(staff):
        name = f"{FIRST_NAMES[rng.integers(len(FIRST_NAMES))]} "
        name += LAST_NAMES[rng.integers(len(LAST_NAMES))]
        hours = profiles[agent.queue].open_hours
        availability = {
            day: [[_clock(window[0]), _clock(window[1])]]
            for number, day in enumerate(WEEKDAYS)
            if (window := hours.get(day)) is not None and number not in agent.days_off
        }
        lengths = sorted(worked.get(index, set()) | {agent.shift_intervals * 15})
        records.append(
            {
                "agent_id": agent.agent_id,
                "name": name,
                "team": agent.team,
                "site": site,
                "timezone": timezone,
                "skills": agent.skills,
                "contract": {
                    "min_hours": agent.min_hours,
                    "max_hours": agent.max_hours,
                    "max_days": agent.max_days,
                    "shift_lengths_minutes": lengths,
                },
                "availability": availability,
                "time_off": agent.time_off,
                "preferences": {"days_off": [WEEKDAYS[d] for d in agent.days_off]},
            }
        )
    return records


def _clock(hour: float) -> str:
    return f"{int(hour):02d}:{round((hour % 1) * 60):02d}"


def _params(
    weeks: int,
    agents: int,
    seed: int,
    first_day: dt.date,
    days: int,
    timezone: str,
    settings: GeneratorSettings,
    profiles: Sequence[QueueProfile],
    levels: np.ndarray,
    anomalies: Sequence[Anomaly],
    contacts: pd.DataFrame,
    agent_states: pd.DataFrame,
) -> dict[str, Any]:
    return {
        "generator": "seatwise.features.generator",
        "seed": seed,
        "weeks": weeks,
        "agents": agents,
        "queues": [p.name for p in profiles],
        "start": first_day.isoformat(),
        "end": (first_day + dt.timedelta(days=days)).isoformat(),
        "timezone": timezone,
        "settings": settings.__dict__.copy(),
        "profiles": [p.as_dict() for p in profiles],
        "daily_level": {p.name: round(float(v), 3) for p, v in zip(profiles, levels, strict=True)},
        "anomalies": [a.as_dict() for a in anomalies],
        "summary": {
            "contacts": len(contacts),
            "handled": int(contacts["answered_at"].notna().sum()),
            "abandoned": int(contacts["abandoned"].sum()),
            "agent_states": len(agent_states),
        },
        "references": [
            "Brown, Gans, Mandelbaum, Sakov, Shen, Zeltyn, Zhao (2005). Statistical analysis of "
            "a telephone call center: a queueing-science perspective. JASA 100(469):36-50.",
            "Ibrahim, Ye, L'Ecuyer, Shen (2016). Modeling and forecasting call center arrivals: "
            "a literature survey and a case study. Int. J. Forecasting 32(3):865-874.",
        ],
    }
