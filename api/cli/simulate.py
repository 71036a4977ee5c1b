"""`seatwise simulate`: replay real contacts on a roster — how would last week's calls have gone?

Reads a roster (ROSTER_COLUMNS, CSV or Parquet) and contacts (a contacts file, or the stored
contacts of ``--from``/``--to``), replays the contacts through the simulator on the roster's work
spans, and writes the per-queue, per-interval result (offered, answered, abandoned, service level,
ASA, abandonment rate, occupancy) to ``--out`` and the totals beside it
(``<stem>_totals.csv``: the replay's and the records' own, per queue and for the centre).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from api.cli.common import console, exits_on_bad_input, progress_bar, store_url
from api.cli.history import DatabaseOpt, parse_bound, parse_freq
from features.calendar import check_timezone
from features.errors import FieldError, InvalidInput
from features.ingest import read_records
from features.records.frame_io import read_frame, write_frame
from features.records.validation import validate_contacts
from features.store.records_store import Store
from scheduling.channels import queue_channels
from scheduling.requirements import ServiceTargets
from scheduling.simulation.replay import ReplayResult, replay_roster
from scheduling.simulation.trace import CENSORED_PATIENCE


def totals_path(out: Path) -> Path:
    """Where the totals go: beside the result, ``<stem>_totals.csv``."""
    return out.with_name(f"{out.stem}_totals.csv")


def parse_per_queue(values: list[str] | None, name: str, whole: bool) -> dict[str, float]:
    """``QUEUE=NUMBER`` options (repeatable) as a mapping; InvalidInput naming bad ones."""
    found: dict[str, float] = {}
    errors = []
    for text in values or []:
        queue, _, number = text.rpartition("=")
        try:
            value = float(number)
        except ValueError:
            value = float("nan")
        if not queue or value != value or (whole and value != int(value)):
            kind = "a whole number" if whole else "a number"
            errors.append(FieldError(None, name, f"must be QUEUE={kind.upper()} ({kind})", text))
            continue
        found[queue] = value
    if errors:
        raise InvalidInput(f"bad --{name.replace('_', '-')}", errors)
    return found


def queue_targets(
    contacts: pd.DataFrame,
    service_level: float | None,
    thresholds: dict[str, float],
    concurrency: dict[str, float],
) -> dict[str, ServiceTargets]:
    """Each queue's channel standard with the command line's overrides."""
    targets = {}
    for queue, channel in queue_channels(contacts).items():
        overrides: dict[str, object] = {}
        if service_level is not None:
            overrides["service_level"] = service_level
        if queue in thresholds:
            overrides["threshold_s"] = thresholds[queue]
        if queue in concurrency:
            overrides["concurrency"] = int(concurrency[queue])
        targets[queue] = ServiceTargets.for_channel(channel, **overrides)
    return targets


def _load_contacts(
    contacts: Path | None,
    from_: str | None,
    to: str | None,
    timezone: str | None,
    database_url: str | None,
) -> tuple[pd.DataFrame, pd.Timestamp | None, pd.Timestamp | None]:
    zone = timezone or "UTC"
    low = parse_bound(from_, zone, end=False)
    high = parse_bound(to, zone, end=True)
    if contacts is not None:
        # naive timestamps in the file are refused unless the site's zone is named
        frame = validate_contacts(read_records(contacts, "contacts"), timezone=timezone)
        return frame, low, high
    if low is None or high is None:
        raise InvalidInput(
            "give --contacts FILE, or --from and --to to replay stored contacts",
            [FieldError(None, "contacts", "a file or a stored range (--from, --to) is needed")],
        )
    store = Store(store_url(database_url))
    try:
        store.migrate()
        frame = store.read_contacts(low, high)
    finally:
        store.dispose()
    return frame, low, high


def _pct(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.1%}"


def _seconds(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.0f}"


def _show(result: ReplayResult) -> None:
    """The totals, replay beside records: SL, ASA (s), abandonment, intervals meeting the target."""
    table = Table(title="replay vs records")
    headers = ("queue", "offered", "SL", "SL real", "ASA", "ASA real", "aband.", "real", "met")
    for column in headers:
        table.add_column(column, justify="left" if column == "queue" else "right")
    real = result.observed.set_index("queue")
    for row in result.totals.itertuples(index=False):
        seen = real.loc[row.queue] if row.queue in real.index else pd.Series(dtype=float)
        table.add_row(
            str(row.queue),
            f"{row.offered:,.0f}",
            _pct(row.service_level),
            _pct(seen.get("service_level", float("nan"))),
            _seconds(row.asa_s),
            _seconds(seen.get("asa_s", float("nan"))),
            _pct(row.abandon_rate),
            _pct(seen.get("abandon_rate", float("nan"))),
            _pct(row.intervals_met),
        )
    console.print(table)


@exits_on_bad_input
def simulate(
    roster: Annotated[
        Path, typer.Option("--roster", help="Roster file (CSV/Parquet, ROSTER_COLUMNS).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Result file to write (.csv/.parquet).")],
    contacts: Annotated[
        Path | None,
        typer.Option("--contacts", help="Contacts file to replay (default: the store's)."),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="First date or instant of the window (local).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Last date (inclusive) or end instant.")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="The site's IANA zone (default UTC).")
    ] = None,
    freq: Annotated[str, typer.Option(help="Interval length: 5min ... 1h.")] = "15min",
    service_level: Annotated[
        float | None,
        typer.Option(help="Service-level target counted in 'met' (default: each channel's)."),
    ] = None,
    threshold_s: Annotated[
        list[str] | None,
        typer.Option(help="QUEUE=SECONDS threshold (repeatable; default: the channel's)."),
    ] = None,
    concurrency: Annotated[
        list[str] | None,
        typer.Option(help="QUEUE=K chats one agent holds at once (repeatable; chat default 2)."),
    ] = None,
    patience: Annotated[
        str,
        typer.Option(help=f"Served contacts' unknown patience: {', '.join(CENSORED_PATIENCE)}."),
    ] = "kaplan_meier",
    replications: Annotated[int, typer.Option(min=1, max=100, help="Replays to average.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the random draws.")] = 0,
    database_url: DatabaseOpt = None,
) -> None:
    """Replay real contacts on a roster: service level, ASA and abandonment per queue and
    interval, with the records' own figures beside them."""
    zone = check_timezone(timezone) if timezone is not None else "UTC"
    minutes = parse_freq(freq)
    thresholds = parse_per_queue(threshold_s, "threshold_s", whole=False)
    slots = parse_per_queue(concurrency, "concurrency", whole=True)
    rows = read_frame(roster, timezone=timezone)
    with progress_bar("simulate") as report:
        report(0.02, "reading contacts")
        frame, low, high = _load_contacts(contacts, from_, to, timezone, database_url)
        targets = queue_targets(frame, service_level, thresholds, slots)

        def scaled(fraction: float, message: str) -> None:
            report(0.1 + 0.85 * fraction, message)

        result = replay_roster(
            frame,
            rows,
            start=low,
            end=high,
            timezone=zone,
            interval_minutes=minutes,
            targets=targets,
            censored=patience,
            replications=replications,
            seed=seed,
            progress=scaled,
        )
    write_frame(result.intervals, out)
    both = pd.concat(
        [result.totals.assign(source="replay"), result.observed.assign(source="records")],
        ignore_index=True,
    )
    write_frame(both, totals_path(out))
    _show(result)
    console.print(
        f"{len(result.intervals):,} queue-intervals -> {out}; totals -> {totals_path(out)}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add `seatwise simulate` to the `seatwise` app."""
    app.command("simulate")(simulate)
