"""Dashboard fixtures: a small demo store, a real uvicorn server over it, headless Chromium.

The store is built once per session the way ``seatwise demo`` builds its own (generate, ingest
with tickets, knowledge-base reads, quality and aliases, forecast job, requirements, roster job,
publish, keys), only smaller: three weeks of a two-queue centre; the last week is forecast from
the two before it and rostered, so forecasts, actuals, a published roster and agent states all
meet in that week.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import uvicorn

from api.app import create_app, migrate_database
from api.security import make_key
from api.services.job_tasks import TaskContext, run_job
from api.settings import Settings
from features.store.engine import shared_engine
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from features.store.sources_store import SourcesStore
from features.synthetic.generator import generate_centre
from forecasting import registry
from scheduling import ServiceTargets, compute_requirements
from scheduling.roster.builder import scenario_from_agents
from tests.dashboard.dashboard_browser import DemoStore

TIMEZONE = "Europe/Berlin"


def _run(service: ServiceStore, context: TaskContext, kind: str, params: dict[str, Any]) -> None:
    job_id = uuid.uuid4().hex
    service.create_job(job_id, kind, params, owner="tests", key_id=None)
    run_job(kind, job_id, params, context)
    job = service.get_job(job_id)
    if job.state != "done":
        pytest.fail(f"{kind} job failed: {job.error}")


def _add_key(service: ServiceStore, role: str, agent_id: str | None, teams: list[str]) -> str:
    new = make_key()
    service.add_key(new.key_id, new.key_hash, role, agent_id, teams)
    return new.key


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    """Generate, ingest, forecast the last week, roster and publish it, make keys."""
    folder = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{folder / 'seatwise.db'}"
    mlflow_uri = f"sqlite:///{folder / 'mlflow.db'}"
    centre = generate_centre(weeks=3, agents=16, queues=2, timezone=TIMEZONE, seed=3)
    engine = shared_engine(url)
    migrate_database(engine)
    # Creating the MLflow store takes seconds: do it beside the pipeline, once our own Alembic
    # run is over (Alembic's context is process-global, two migrations at once collide).
    registry_ready = threading.Thread(target=registry.list_models, kwargs={"uri": mlflow_uri})
    registry_ready.start()
    store = Store(url)
    service = ServiceStore(engine)
    store.upsert_agents(centre.agents)
    store.ingest_contacts(centre.contacts)
    store.ingest_agent_states(centre.agent_states)
    sources = SourcesStore(store)
    sources.ingest_tickets(pd.DataFrame(centre.tickets))
    sources.ingest_kb_events(centre.kb_events)
    sources.ingest_quality(centre.quality)
    sources.put_aliases(centre.aliases)
    last = centre.contacts["arrived_at"].max().tz_convert(TIMEZONE)
    week_start = (last.normalize() - pd.Timedelta(days=last.weekday())).date()
    start = pd.Timestamp(week_start).tz_localize(TIMEZONE)
    context = TaskContext(url, mlflow_uri, TIMEZONE)
    _run(
        service,
        context,
        "forecast",
        {
            "start": week_start.isoformat(),
            "days": 7,
            "model": "seasonal_naive",
            "timezone": TIMEZONE,
            "history_end": start.isoformat(),
        },
    )
    forecast = service.read_latest_forecast(None, start, start + pd.DateOffset(days=7))
    forecast["interval_start"] = forecast["interval_start"].dt.tz_convert(TIMEZONE)
    requirements = compute_requirements(
        forecast.assign(aht_s=forecast["aht_s"].fillna(300.0)),
        ServiceTargets(service_level=0.8, threshold_s=20, shrinkage=0.15),
    )
    # Agents on leave part of the week cannot work their weekly minimum: relax it for all.
    relaxed = [
        {**agent, "contract": {**agent["contract"], "min_hours": 0}} for agent in centre.agents
    ]
    scenario = scenario_from_agents(relaxed, requirements, week_start=week_start, timezone=TIMEZONE)
    roster_id = uuid.uuid4().hex
    service.create_roster(roster_id, scenario, None)
    _run(service, context, "roster", {"roster_id": roster_id, "time_limit_s": 5})
    roster = service.get_roster(roster_id)
    rows = pd.DataFrame(roster.rows)
    for column in ("start", "end"):
        rows[column] = pd.to_datetime(rows[column], utc=True)
    service.publish_roster(roster_id, rows)
    first = centre.agents[0]
    keys = {
        "admin": _add_key(service, "admin", None, []),
        "planner": _add_key(service, "planner", None, []),
        "supervisor": _add_key(service, "supervisor", None, [str(first["team"])]),
        "agent": _add_key(service, "agent", str(first["agent_id"]), []),
    }
    other = next(a for a in centre.agents if a["agent_id"] != first["agent_id"])
    keys["other_agent"] = _add_key(service, "agent", str(other["agent_id"]), [])
    store.dispose()
    engine.dispose()
    at = start + pd.Timedelta(days=2, hours=11, minutes=5)
    registry_ready.join()
    return DemoStore(url, mlflow_uri, week_start, at, centre.agents, keys)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """A real uvicorn server with `settings` on a free loopback port, in a thread; its URL."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(demo_store: DemoStore) -> Iterator[str]:
    """A real uvicorn server over the demo store on a free loopback port; yields its base URL."""
    settings = Settings(
        database_url=demo_store.url,
        mlflow_uri=demo_store.mlflow_uri,
        timezone=TIMEZONE,
        job_workers=1,
    )
    with serving(settings) as base:
        yield base


@pytest.fixture(scope="session")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A server over a migrated store holding nothing but keys (admin, planner, supervisor of
    team t1, agent a001) and agent a001 itself; yields its base URL and the keys by role."""
    folder = tmp_path_factory.mktemp("empty")
    url = f"sqlite:///{folder / 'seatwise.db'}"
    engine = shared_engine(url)
    migrate_database(engine)
    service = ServiceStore(engine)
    store = Store(url)
    store.upsert_agents(
        [{"agent_id": "a001", "name": "Ada", "team": "t1", "skills": {"billing": 3}}]
    )
    store.dispose()
    keys = {
        "admin": _add_key(service, "admin", None, []),
        "planner": _add_key(service, "planner", None, []),
        "supervisor": _add_key(service, "supervisor", None, ["t1"]),
        "agent": _add_key(service, "agent", "a001", []),
    }
    engine.dispose()
    settings = Settings(
        database_url=url,
        mlflow_uri=f"sqlite:///{folder / 'mlflow.db'}",
        timezone=TIMEZONE,
        job_workers=1,
    )
    with serving(settings) as base:
        yield base, keys
