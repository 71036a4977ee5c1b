"""`seatwise demo`: the whole pipeline on a demo centre brought up to today, then the API and
dashboard with today's contacts and agent states replayed live.

Steps: generate a synthetic multi-queue, multi-channel centre (calls, chat, e-mail, social
media, messaging) with its tickets, knowledge-base reads, quality evaluations and Chinese
aliases, reproducible from its seed and shifted so that its history runs up to now
(:mod:`features.synthetic.live`); ingest what has happened by now (and the real Anonymous Bank
month of January 1999 beside it) through the same validation and store as any export; print
interval summaries; forecast the current and the next week (a job, as the API runs it); publish
the shifts the centre worked as the rosters of the past weeks and of the current week; plan the
next week with the plan job and publish it; create one API key per role; and serve, while a
feeder (:mod:`api.services.live_feed`) posts the rest of today's contacts and agent states
through the API as they happen (``--speed N``: N times faster; ``--no-live``: no feeder).
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


def _publish_worked_weeks(
    service: Any, centre: Any, first: dt.date, weeks: int, timezone: str
) -> list[tuple[str, int]]:
    """Publish the shifts the centre worked (its agent states) as one roster per week from
    `first`; returns (roster id, activities published) per week."""
    from features.synthetic.live import worked_roster

    rows = worked_roster(centre.agent_states, centre.agents)
    published = []
    for week in range(weeks):
        monday = first + dt.timedelta(days=7 * week)
        days = {(monday + dt.timedelta(days=d)).isoformat() for d in range(7)}
        mine = rows[rows["date"].isin(days)].copy()
        if mine.empty:
            continue
        roster_id = uuid.uuid4().hex
        scenario = {"week_start": monday.isoformat(), "timezone": timezone, "source": "worked"}
        service.create_roster(roster_id, scenario, None)
        for column in ("start", "end"):
            mine[column] = pd.to_datetime(mine[column], utc=True)
        json_rows = [
            {
                **r,
                "queue": r["queue"] if isinstance(r["queue"], str) else None,
                "start": r["start"].isoformat(),
                "end": r["end"].isoformat(),
            }
            for r in mine.to_dict(orient="records")
        ]
        service.update_roster(roster_id, status="solved", solver_status="WORKED", rows=json_rows)
        published.append((roster_id, service.publish_roster(roster_id, mine)))
    return published


def _cut_instant(from_time: str | None, timezone: str) -> pd.Timestamp:
    """Now, or today at local `from_time` (HH:MM); BadParameter naming the option otherwise."""
    now = pd.Timestamp.now(tz=timezone).floor("s")
    if from_time is None:
        return now
    try:
        clock = dt.time.fromisoformat(from_time)
    except ValueError as error:
        raise typer.BadParameter(
            f"must be a local time HH:MM, got {from_time!r}", param_hint="--from-time"
        ) from error
    return pd.Timestamp(dt.datetime.combine(now.date(), clock)).tz_localize(timezone)


def _serve_with_feeder(settings: Any, host: str, port: int, workers: int, feeder: Any) -> None:
    """Serve with `workers` processes (:func:`api.cli.service.run_server`); once the service
    answers, start the live feeder beside it (it posts through the API like any source)."""
    import threading
    import time

    import httpx

    from api.cli.service import run_server

    def start_when_up() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://{host}:{port}/healthz", timeout=2).status_code == 200:
                    feeder.start()
                    return
            except httpx.HTTPError:
                time.sleep(0.5)
        console.print("[red]the server did not come up; no live feed")

    threading.Thread(target=start_when_up, daemon=True).start()
    try:
        run_server(settings, host, port, workers)
    finally:
        feeder.stop()


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
    live: Annotated[
        bool,
        typer.Option("--live/--no-live", help="Replay the rest of today through the API."),
    ] = True,
    speed: Annotated[
        float, typer.Option(min=0.1, max=3600, help="Replay speed: N times faster than real.")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the demo centre.")] = 7,
    from_time: Annotated[
        str | None,
        typer.Option(
            help="Cut the history at this local time of today (HH:MM) and replay from there "
            "(default: now), e.g. to watch a morning in the evening."
        ),
    ] = None,
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
    from features.synthetic.live import history_start, split_at
    from features.synthetic.profiles import CATALOGUE

    os.environ.setdefault("SEATWISE_TIMEZONE", DEMO_TIMEZONE)
    settings = Settings()
    engine = shared_engine(settings.database_url)
    migrate_database(engine)
    store = Store(settings.database_url)
    service = ServiceStore(engine)
    console.print(f"[bold]store[/] {settings.database_url}")

    now = _cut_instant(from_time, DEMO_TIMEZONE)
    first_day = history_start(now.date(), weeks)
    this_week = first_day + dt.timedelta(days=7 * weeks)
    next_week = this_week + dt.timedelta(days=7)
    with progress_bar("generate demo centre") as report:
        profiles = [p for p in CATALOGUE if p.name in DEMO_QUEUES]
        centre = generate_centre(
            weeks=weeks + 1,
            agents=agents,
            timezone=DEMO_TIMEZONE,
            seed=seed,
            start=first_day,
            profiles=profiles,
        )
        past, pending = split_at(centre, now)
        report(0.8, "writing files")
        files = write_centre(past, DEMO_DIR)
    console.print(
        f"history {first_day} – {now:%Y-%m-%d %H:%M}; {len(pending.contacts):,} contacts and "
        f"{len(pending.agent_states):,} agent states still to come today",
        highlight=False,
    )
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

    week_start = next_week
    context = TaskContext(settings.database_url, settings.mlflow_uri, DEMO_TIMEZONE)
    with progress_bar("forecast this week and next (auto)"):
        _run_job(
            service,
            context,
            "forecast",
            {
                "start": this_week.isoformat(),
                "days": 14,
                "model": "auto",
                "queues": queues,
                "timezone": DEMO_TIMEZONE,
                "history_end": pd.Timestamp(this_week).tz_localize(DEMO_TIMEZONE).isoformat(),
            },
        )
    worked = _publish_worked_weeks(service, centre, first_day, weeks + 1, DEMO_TIMEZONE)
    console.print(
        f"published the worked shifts of {len(worked)} weeks ({first_day} – {next_week}): "
        f"{sum(n for _, n in worked):,} activities",
        highlight=False,
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
    keys: dict[str, str] = {}
    for role, scope in DEMO_KEYS:
        new = make_key()
        teams = list(scope.get("teams", []))
        service.add_key(new.key_id, new.key_hash, role, scope.get("agent_id"), teams)
        where = scope.get("agent_id") or ",".join(teams) or "all"
        keys[role] = new.key
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
        f"Replay the last weekday afternoon with contacts: {url}/?at={quote(replay)}",
        soft_wrap=True,
    )
    feeding = live and serve and not (pending.contacts.empty and pending.agent_states.empty)
    if feeding and speed != 1:
        console.print(
            f"Live at {speed:g}x: the replay clock starts at {now:%H:%M:%S}; follow it on "
            f"{url}/?at={quote(now.isoformat()[:19])}&speed={speed:g}",
            soft_wrap=True,
        )
    elif feeding:
        console.print(f"Live: today's contacts arrive as they happen on {url}/", soft_wrap=True)
    if serve:
        from api.cli.service import default_workers, run_server

        workers = settings.workers or default_workers()
        if not feeding:
            run_server(settings, host, port, workers)
            return
        from api.services.live_feed import LiveFeeder, ReplayClock

        feeder = LiveFeeder(url, keys["admin"], pending, ReplayClock(now, speed))
        _serve_with_feeder(settings, host, port, workers, feeder)


def register(app: typer.Typer) -> None:
    """Add `demo` to the `seatwise` app."""
    app.command("demo")(demo)
