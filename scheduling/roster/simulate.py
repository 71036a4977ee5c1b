"""Score a roster with the discrete-event simulator: expected service per queue and interval.

The simulator needs contact volumes, so a roster is simulated against a forecast: the one
passed in, else the scenario's own ``forecast`` rows. A scenario given only as requirements
(agents, no volumes) cannot be simulated without a forecast, and says so.
"""

from __future__ import annotations

import pandas as pd

from features.errors import FieldError, InvalidInput
from scheduling.roster.scenario import Scenario, load_scenario
from scheduling.roster.solver import RosterResult
from scheduling.simulation.simulator import SimAgent, SimConfig, simulate


def roster_to_sim_agents(roster: pd.DataFrame, scenario: Scenario) -> list[SimAgent]:
    """Simulator agents from roster rows: each work row becomes a span restricted to its queue
    (the routing plan); breaks and other activities are off the phones.

    Parameters
    ----------
    roster:
        ROSTER_COLUMNS rows with tz-aware `start`/`end`.
    scenario:
        Gives each agent's skills (queue -> proficiency 1..5).
    """
    skills = {a.agent_id: dict(a.skills) for a in scenario.agents}
    work = roster[roster["activity"] == "work"].sort_values(["agent_id", "start"])
    spans: dict[str, list[tuple[pd.Timestamp, pd.Timestamp, str | None]]] = {}
    for row in work.itertuples(index=False):
        queue = None if pd.isna(row.queue) else str(row.queue)
        spans.setdefault(str(row.agent_id), []).append((row.start, row.end, queue))
    return [
        SimAgent(agent_id=agent_id, skills=skills.get(agent_id, {}), shifts=shifts)
        for agent_id, shifts in spans.items()
    ]


def default_sim_config(scenario: Scenario, seed: int = 0, replications: int = 1) -> SimConfig:
    """Simulation settings from the scenario: first queue's threshold, per-queue patience from
    the service targets, queue priorities and the interval length."""
    targets = {q: scenario.service_for(q) for q in scenario.queue_names()}
    patience = {q: t.patience_s for q, t in targets.items() if t.patience_s is not None}
    first = targets[scenario.queue_names()[0]]
    return SimConfig(
        threshold_s=first.threshold_s,
        patience_s=patience or None,
        priorities={q.name: q.priority for q in scenario.queues},
        seed=seed,
        replications=replications,
        interval_minutes=scenario.interval_minutes,
    )


def scenario_forecast(scenario: Scenario) -> pd.DataFrame:
    """The scenario's forecast rows as a frame (queue, interval_start, volume, aht_s)."""
    if not scenario.forecast:
        raise InvalidInput(
            "simulating a roster needs contact volumes: pass a forecast, or give the scenario "
            "forecast rows instead of requirements",
            [FieldError(None, "forecast", "needed to simulate the roster")],
        )
    frame = pd.DataFrame([r.model_dump() for r in scenario.forecast])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True).dt.tz_convert(
        scenario.timezone
    )
    return frame[["queue", "interval_start", "volume", "aht_s"]]


def simulate_roster(
    result: RosterResult,
    scenario: Scenario | dict,
    forecast: pd.DataFrame | None = None,
    config: SimConfig | None = None,
) -> pd.DataFrame:
    """Expected service of a solved roster, per queue and interval, by simulation.

    Parameters
    ----------
    result:
        A solved roster (:func:`scheduling.roster.solver.solve_roster`).
    scenario:
        Its scenario.
    forecast:
        Volumes to simulate (queue, interval_start, volume in contacts per interval, aht_s in
        seconds); default: the scenario's forecast rows.
    config:
        Simulator settings; default :func:`default_sim_config`.

    Returns
    -------
    pandas.DataFrame
        The simulator's frame: queue, interval_start, offered, answered, abandoned,
        service_level, asa_s, abandon_rate, occupancy.

    Raises
    ------
    InvalidInput
        No forecast given and the scenario has none.
    """
    scenario = load_scenario(scenario)
    volumes = forecast if forecast is not None else scenario_forecast(scenario)
    agents = roster_to_sim_agents(result.roster, scenario)
    return simulate(volumes, agents, config or default_sim_config(scenario))
