"""`seatwise demo`: the whole pipeline on a demo centre, then the API and dashboard.

Steps: generate a synthetic multi-queue, multi-channel centre (calls, chat, e-mail, social
media, messaging) with its tickets, knowledge-base reads, quality evaluations and Chinese
aliases, ingest it (and the real Anonymous Bank month of January 1999 beside it) through the
same validation and store as any export, print interval summaries, train a forecast for the
next week (a job, as the API runs it), turn it into staffing requirements, solve and publish a
roster, create one API key per role, and serve.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
import typer
from rich.table import Table

from api.cli.common import console, exits_on_bad_input, progress_bar
from features.schema import INTERVAL_START, QUEUE

DEMO_TIMEZONE = "Europe/Berlin"
DEMO_DIR = Path("data/demo")
DEMO_QUEUES = ("billing", "sales", "support", "tech", "social", "messaging")
"""Queue profiles of the demo centre (one per channel, two voice queues)."""
TECHNION_FILE = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / ("anonymous_bank/january_1999.txt")
)
DEMO_KEYS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("admin", {}),
    ("planner", {}),
    ("supervisor", {"teams": ["billing-1", "sales-1"]}),
    ("agent", {"agent_id": "a001"}),
    ("routing", {}),
    ("data_scientist", {}),
)


def _summary_table(history: pd.DataFrame, title: str) -> Table:
    table = Table(title=title)
    for column in (QUEUE, "days", "offered", "handled", "AHT s", "ASA s", "SL", "abandon"):
        table.add_column(column, justify="left" if column == QUEUE else "right")
    for queue, rows in history.groupby(QUEUE):
        offered = rows["offered"].sum()
        handled = rows["handled"].sum()
        weights = rows["handled"].where(rows["handled"] > 0, 0)
        aht = (rows["aht_s"].fillna(0) * weights).sum() / max(handled, 1)
        asa = (rows["asa_s"].fillna(0) * weights).sum() / max(handled, 1)
        sl = (rows["service_level"].fillna(0) * rows["offered"]).sum() / max(offered, 1)
        days = rows[INTERVAL_START].dt.date.nunique()
        table.add_row(
            str(queue),
            str(days),
            f"{offered:,.0f}",
            f"{handled:,.0f}",
            f"{aht:.0f}",
            f"{asa:.1f}",
            f"{sl:.1%}",
            f"{rows['abandoned'].sum() / max(offered, 1):.1%}",
        )
    return table


def _next_monday(last: pd.Timestamp) -> dt.date:
    day = (last + pd.Timedelta(days=1)).date()
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _run_job(store: Any, context: Any, kind: str, params: dict[str, Any]) -> Any:
    from api.services.job_tasks import run_job

    job_id = uuid.uuid4().hex
    store.create_job(job_id, kind, params, owner="demo", key_id=None)
    run_job(kind, job_id, params, context)
    job = store.get_job(job_id)
    if job.state != "done":
        raise typer.BadParameter(f"{kind} job failed: {job.error}")
    return job


@exits_on_bad_input
def demo(
    port: Annotated[int, typer.Option(help="Port to serve the API and dashboard on.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to serve on.")] = "127.0.0.1",
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve when done.")] = True,
    weeks: Annotated[int, typer.Option(help="Weeks of synthetic history.")] = 6,
    agents: Annotated[int, typer.Option(help="Agents in the synthetic centre.")] = 60,
    time_limit: Annotated[float, typer.Option(help="Roster solver time limit, seconds.")] = 60.0,
) -> None:
    """Build the demo centre, run the whole pipeline and serve the API and dashboard."""
    from api.app import migrate_database
    from api.security import make_key
    from api.services.job_tasks import TaskContext
    from api.settings import Settings
    from features.ingest import ingest_file
    from features.measures.intervals import build_intervals
    from features.store.engine import shared_engine
    from features.store.records_store import Store
    from features.store.service_store import ServiceStore
    from features.store.sources_store import SourcesStore
    from features.synthetic.generator import generate_centre, write_centre
    from features.synthetic.profiles import CATALOGUE
    from scheduling.risk import DEFAULT_CONFIDENCE

    os.environ.setdefault("SEATWISE_TIMEZONE", DEMO_TIMEZONE)
    settings = Settings()
    engine = shared_engine(settings.database_url)
    migrate_database(engine)
    store = Store(settings.database_url)
    service = ServiceStore(engine)
    console.print(f"[bold]store[/] {settings.database_url}")

    with progress_bar("generate demo centre") as report:
        profiles = [p for p in CATALOGUE if p.name in DEMO_QUEUES]
        centre = generate_centre(
            weeks=weeks, agents=agents, timezone=DEMO_TIMEZONE, seed=7, profiles=profiles
        )
        report(0.8, "writing files")
        files = write_centre(centre, DEMO_DIR)
    for kind, key in (
        ("agents", "agents"),
        ("contacts", "contacts"),
        ("agent-states", "agent_states"),
        ("tickets", "tickets"),
        ("kb-events", "kb_events"),
        ("quality", "quality"),
    ):
        with progress_bar(f"ingest {kind}") as report:
            result = ingest_file(store, kind, files[key], progress=report)  # type: ignore[arg-type]
        console.print(f"  {kind}: {result.inserted:,} new, {result.duplicates:,} already stored")
    aliases = SourcesStore(store).put_aliases(centre.aliases)
    console.print(f"  aliases: {aliases.inserted:,} new, {aliases.duplicates:,} already stored")
    if TECHNION_FILE.exists():
        with progress_bar("ingest Anonymous Bank, January 1999") as report:
            result = ingest_file(store, "contacts", TECHNION_FILE, fmt="technion", progress=report)
        console.print(f"  technion: {result.inserted:,} new, {result.duplicates:,} already stored")
        real = build_intervals(
            store.read_contacts(queues=["PS", "PE", "IN", "NE", "NW", "TT"]),
            timezone="Asia/Jerusalem",
        )
        console.print(_summary_table(real, "Anonymous Bank, January 1999 (real, 15 min)"))
    else:
        console.print(f"[yellow]real data not found at {TECHNION_FILE}; synthetic centre only")

    queues = sorted(centre.contacts[QUEUE].astype(str).unique())
    # Each channel's own service-level threshold (features.schema.CHANNEL_THRESHOLDS_S).
    history = build_intervals(
        store.read_contacts(queues=queues),
        timezone=DEMO_TIMEZONE,
        agent_states=store.read_agent_states(),
    )
    console.print(_summary_table(history, f"Demo centre ({DEMO_TIMEZONE}, 15 min)"))

    week_start = _next_monday(history[INTERVAL_START].max())
    context = TaskContext(settings.database_url, settings.mlflow_uri, DEMO_TIMEZONE)
    with progress_bar("forecast next week (auto)"):
        _run_job(
            service,
            context,
            "forecast",
            {
                "start": week_start.isoformat(),
                "days": 7,
                "model": "auto",
                "queues": queues,
                "timezone": DEMO_TIMEZONE,
            },
        )
    with progress_bar(f"plan next week: requirements, roster (≤ {time_limit:.0f} s), check"):
        job = _run_job(
            service,
            context,
            "plan",
            {
                "week_start": week_start.isoformat(),
                "queues": queues,
                "timezone": DEMO_TIMEZONE,
                "interval_minutes": 15,
                "time_limit_s": time_limit,
                "confidence": DEFAULT_CONFIDENCE,
            },
        )
    roster_id = str(job.result["roster_id"])
    roster = service.get_roster(roster_id)
    rows = pd.DataFrame(roster.rows)
    for column in ("start", "end"):
        rows[column] = pd.to_datetime(rows[column], utc=True)
    published = service.publish_roster(roster_id, rows)
    expected = job.result.get("expected") or {}
    met = expected.get("intervals_meeting_target")
    console.print(
        f"plan {roster_id}: roster {roster.solver_status}, {published} activities published; "
        + (f"expected {met:.0%} of intervals meeting target" if met is not None else ""),
        highlight=False,
    )
    if job.result.get("summary"):
        console.print(job.result["summary"], highlight=False)

    console.print("[bold]Demo API keys[/] (send as `Authorization: Bearer <key>`):")
    for role, scope in DEMO_KEYS:
        new = make_key()
        teams = list(scope.get("teams", []))
        service.add_key(new.key_id, new.key_hash, role, scope.get("agent_id"), teams)
        where = scope.get("agent_id") or ",".join(teams) or "all"
        typer.echo(f"  {role:<15} {where:<18} {new.key}")
    url = f"http://{host}:{port}"
    last_day = history[INTERVAL_START].max().normalize()
    while last_day.weekday() >= 5:
        last_day -= pd.Timedelta(days=1)
    replay = (last_day + pd.Timedelta(hours=15)).isoformat()
    console.print(f"[bold green]Seatwise[/] dashboard {url}/  API docs {url}/docs")
    console.print(
        f"Ask in plain language (English or Chinese): {url}/dashboard/ask, e.g. "
        '"what was billing\'s service level yesterday?" or "昨天账单队列的服务水平是多少?"',
        soft_wrap=True,
    )
    console.print(
        f"The history ends before today; replay its last weekday afternoon: "
        f"{url}/?at={quote(replay)}",
        soft_wrap=True,
    )
    if serve:
        from api.cli.service import default_workers, run_server

        run_server(settings, host, port, settings.workers or default_workers())


def register(app: typer.Typer) -> None:
    """Add `demo` to the `seatwise` app."""
    app.command("demo")(demo)
