"""`seatwise generate` (a realistic demo centre) and `seatwise intervals` (interval histories)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from api.cli.common import (
    DatabaseOpt,
    FromOpt,
    SiteTimezoneOpt,
    ToOpt,
    console,
    exits_on_bad_input,
    progress_bar,
    store_url,
)
from features.calendar import check_freq_minutes, check_timezone
from features.errors import FieldError, InvalidInput
from features.ingest import read_records
from features.measures.intervals import build_intervals
from features.records.frame_io import write_frame
from features.records.validation import validate_agent_states, validate_contacts
from features.schema import QUEUE
from features.store.records_store import Store
from features.synthetic.generator import Anomaly, GeneratorSettings, generate_centre, write_centre


def parse_freq(text: str) -> int:
    """Interval length in minutes from ``15min``, ``15m``, ``15``, ``1h`` or ``60min``."""
    match = re.fullmatch(r"\s*(\d+)\s*(min|m|h)?\s*", text.lower())
    if match is None:
        raise InvalidInput(
            f"--freq must look like 15min or 1h, got {text!r}",
            [FieldError(None, "freq", "must be 5min, 10min, 15min, 30min or 60min", text)],
        )
    minutes = int(match.group(1)) * (60 if match.group(2) == "h" else 1)
    return check_freq_minutes(minutes)


def parse_anomaly(text: str) -> Anomaly:
    """An anomaly from ``QUEUE,START,END,FACTOR`` (instants ISO 8601 with offset)."""
    parts = [p.strip() for p in text.split(",")]
    rule = "must be QUEUE,START,END,FACTOR with ISO instants, e.g. sales,2026-11-10T10:00+01:00,"
    rule += "2026-11-10T12:00+01:00,3"
    if len(parts) != 4:
        raise InvalidInput(f"bad --anomaly {text!r}", [FieldError(None, "anomaly", rule, text)])
    try:
        factor = float(parts[3])
        start, end = pd.Timestamp(parts[1]), pd.Timestamp(parts[2])
    except ValueError as exc:
        raise InvalidInput(
            f"bad --anomaly {text!r}", [FieldError(None, "anomaly", rule, text)]
        ) from exc
    return Anomaly(parts[0], start, end, factor)


def parse_bound(text: str | None, timezone: str, *, end: bool) -> pd.Timestamp | None:
    """`--from`/`--to` as an instant: a date is local midnight (for `--to`, the end of that
    day, so ``--to 2026-11-07`` includes the 7th); an instant without offset is local time."""
    if text is None:
        return None
    try:
        value = pd.Timestamp(text)
    except ValueError as exc:
        field = "to" if end else "from"
        rule = "must be a date YYYY-MM-DD or an ISO 8601 instant"
        raise InvalidInput(
            f"bad --{field} {text!r}", [FieldError(None, field, rule, text)]
        ) from exc
    date_only = re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()) is not None
    if date_only and end:
        value = value + pd.Timedelta(days=1)
    if value.tzinfo is None:
        value = value.tz_localize(timezone, nonexistent="shift_forward", ambiguous=True)
    return value


def parse_thresholds(values: list[str] | None) -> tuple[float | None, dict[str, float]]:
    """``--sl-threshold 20`` (every queue) and ``--sl-threshold tech=86400`` (one queue):
    the default threshold (None: each channel's, :data:`features.schema.CHANNEL_THRESHOLDS_S`)
    and the per-queue ones, in seconds."""
    default: float | None = None
    per_queue: dict[str, float] = {}
    errors: list[FieldError] = []
    for text in values or []:
        name, _, seconds = text.rpartition("=")
        try:
            number = float(seconds)
        except ValueError:
            errors.append(
                FieldError(None, "sl_threshold", "must be SECONDS or QUEUE=SECONDS", text)
            )
            continue
        if name:
            per_queue[name] = number
        else:
            default = number
    if errors:
        raise InvalidInput("bad --sl-threshold", errors)
    return default, per_queue


def threshold_mapping(
    default: float | None, per_queue: dict[str, float], queues: list[str]
) -> float | dict[str, float] | None:
    """The `sl_threshold_s` argument of :func:`features.measures.intervals.build_intervals`."""
    if not per_queue or default is None:
        return dict(per_queue) or default
    return {q: per_queue.get(q, default) for q in sorted(set(queues) | set(per_queue))}


def _site_timezone_from_store(store: Store) -> str | None:
    agents = store.read_agents()
    zones = set(agents["timezone"].dropna()) if "timezone" in agents else set()
    return zones.pop() if len(zones) == 1 else None


@exits_on_bad_input
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the files into.")],
    weeks: Annotated[int, typer.Option(help="Weeks of history.")] = 6,
    queues: Annotated[int, typer.Option(help="Number of queues.")] = 4,
    agents: Annotated[int, typer.Option(help="Number of agents.")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 0,
    start: Annotated[
        str | None, typer.Option(help="First local date (default: ends 2026-11-23).")
    ] = None,
    timezone: Annotated[str, typer.Option(help="The site's IANA zone.")] = "Europe/Berlin",
    country: Annotated[
        str, typer.Option(help="Holiday country code ('none' for no holidays).")
    ] = "DE",
    anomaly: Annotated[
        list[str] | None,
        typer.Option(help="Inject QUEUE,START,END,FACTOR (repeatable): a spike or drop."),
    ] = None,
) -> None:
    """Write a realistic synthetic centre: contacts.csv, agent_states.csv, agents.json,
    rates.csv and params.json."""
    anomalies = [parse_anomaly(a) for a in anomaly or []]
    settings = GeneratorSettings(country=None if country.lower() == "none" else country)
    with progress_bar("generate") as progress:
        centre = generate_centre(
            weeks=weeks,
            queues=queues,
            agents=agents,
            seed=seed,
            start=start,
            timezone=timezone,
            anomalies=anomalies,
            settings=settings,
            progress=progress,
        )
        paths = write_centre(centre, out)
    summary = centre.params["summary"]
    console.print(
        f"{summary['contacts']:,} contacts ({summary['abandoned']:,} abandoned), "
        f"{summary['agent_states']:,} agent states, {len(centre.agents)} agents, "
        f"{centre.params['start']} to {centre.params['end']} ({timezone}) -> {out}"
    )
    for kind, path in paths.items():
        console.print(f"  {kind}: {path}")


@exits_on_bad_input
def intervals(
    out: Annotated[Path, typer.Option("--out", help="History file to write (.csv or .parquet).")],
    freq: Annotated[str, typer.Option(help="Interval length: 5min, 10min, 15min, 30min, 1h.")] = (
        "15min"
    ),
    from_: FromOpt = None,
    to: ToOpt = None,
    timezone: SiteTimezoneOpt = None,
    contacts: Annotated[
        Path | None,
        typer.Option("--contacts", help="Build from this contacts file instead of the store."),
    ] = None,
    agent_states: Annotated[
        Path | None,
        typer.Option("--agent-states", help="Agent-states file (with --contacts) for occupancy."),
    ] = None,
    queue: Annotated[list[str] | None, typer.Option(help="Only these queues (repeatable).")] = None,
    sl_threshold: Annotated[
        list[str] | None,
        typer.Option(
            help="Service-level threshold: SECONDS, or QUEUE=SECONDS (repeatable); default: "
            "the channel's (voice 20 s, chat 60 s, e-mail 4 h, social 1 h, messaging 5 min)."
        ),
    ] = None,
    fill_closed: Annotated[
        bool, typer.Option(help="Also write intervals without contacts (zeros).")
    ] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Write interval histories (offered, handled, abandoned, AHT, ASA, service level,
    abandon rate, occupancy) per queue and local-time interval."""
    minutes = parse_freq(freq)
    if timezone is not None:
        check_timezone(timezone)
    default_threshold, queue_thresholds = parse_thresholds(sl_threshold)
    with progress_bar("intervals") as progress:
        if contacts is not None:
            zone = timezone or "UTC"
            low = parse_bound(from_, zone, end=False)
            high = parse_bound(to, zone, end=True)
            progress(0.05, "reading contacts")
            # naive timestamps in the file are refused unless the site's zone is named
            frame = validate_contacts(read_records(contacts, "contacts"), timezone=timezone)
            states = None
            if agent_states is not None:
                raw = read_records(agent_states, "agent-states")
                states = validate_agent_states(raw, timezone=timezone)
            if low is not None:
                frame = frame[frame["arrived_at"] >= low]
            if high is not None:
                frame = frame[frame["arrived_at"] < high]
            if queue:
                frame = frame[frame[QUEUE].isin(queue)]
        else:
            store = Store(store_url(database_url))
            try:
                store.migrate()
                zone = timezone or _site_timezone_from_store(store) or "UTC"
                low = parse_bound(from_, zone, end=False)
                high = parse_bound(to, zone, end=True)
                progress(0.05, "reading contacts")
                frame = store.read_contacts(low, high, queue or None)
                progress(0.25, "reading agent states")
                states = store.read_agent_states(low, high)
            finally:
                store.dispose()
            if states.empty:
                states = None
        queues = sorted(frame[QUEUE].unique())
        thresholds = threshold_mapping(default_threshold, queue_thresholds, queues)

        def scaled(fraction: float, message: str) -> None:
            progress(0.3 + 0.65 * fraction, message)

        history = build_intervals(
            frame,
            freq_minutes=minutes,
            timezone=zone,
            sl_threshold_s=thresholds,
            agent_states=states,
            fill_closed=fill_closed,
            progress=scaled,
        )
        write_frame(history, out)
    if history.empty:
        console.print(f"no contacts in the range: wrote an empty history to {out}")
        return
    console.print(
        f"{len(history):,} intervals of {minutes} min for {history['queue'].nunique()} queue(s), "
        f"{history['interval_start'].min().isoformat()} to "
        f"{history['interval_start'].max().isoformat()} ({zone}) -> {out}"
    )


def register(app: typer.Typer) -> None:
    """Add `generate` and `intervals` to the `seatwise` app."""
    app.command("generate")(generate)
    app.command("intervals")(intervals)
