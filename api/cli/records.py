"""`seatwise ingest {contacts,agent-states,agents,tickets,kb-events,quality} FILE`: validate and
store records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import DatabaseOpt, console, exits_on_bad_input, progress_bar, store_url
from features.ingest import RecordKind, ingest_file
from features.store.records_store import Store

ingest_app = typer.Typer(
    help=(
        "Validate records files and store them (exit code 2 on bad input; nothing is stored, "
        "unless --rejects names a file for the broken rows)."
    ),
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="CSV, Parquet or JSON file of records.")]
TimezoneOpt = Annotated[
    str | None,
    typer.Option("--timezone", help="The site's IANA zone for timestamps without an offset."),
]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="csv, parquet or json (default: from the suffix), or a built-in mapping: technion.",
    ),
]
MappingOpt = Annotated[
    Path | None,
    typer.Option("--mapping", help="A JSON mapping of your export's columns to record fields."),
]
RejectsOpt = Annotated[
    Path | None,
    typer.Option(
        "--rejects",
        help=(
            "Store the valid rows and write every broken row, with its source row and reasons, "
            "to this CSV (without it the file is all or nothing)."
        ),
    ),
]


def _run(
    kind: RecordKind,
    path: Path,
    timezone: str | None,
    fmt: str | None,
    mapping: Path | None,
    database_url: str | None,
    rejects: Path | None,
) -> None:
    store = Store(store_url(database_url))
    try:
        store.migrate()
        with progress_bar(f"ingest {kind}") as progress:
            report = ingest_file(
                store,
                kind,
                path,
                timezone=timezone,
                fmt=fmt,
                mapping=mapping,
                progress=progress,
                rejects=rejects,
            )
    finally:
        store.dispose()
    updated = getattr(report, "updated", 0)
    console.print(
        f"{kind}: {report.received:,} received, {report.inserted:,} stored, "
        + (f"{updated:,} updated, " if updated else "")
        + f"{report.duplicates - updated:,} already known"
        + (f", {report.rejected:,} rejected (written to {rejects})" if rejects else ""),
        highlight=False,
        soft_wrap=True,
    )


@ingest_app.command("contacts")
@exits_on_bad_input
def ingest_contacts(
    path: FileArg,
    timezone: TimezoneOpt = None,
    fmt: FormatOpt = None,
    mapping: MappingOpt = None,
    database_url: DatabaseOpt = None,
    rejects: RejectsOpt = None,
) -> None:
    """Validate and store contacts (re-sent contact_ids are no-ops)."""
    _run("contacts", path, timezone, fmt, mapping, database_url, rejects)


@ingest_app.command("agent-states")
@exits_on_bad_input
def ingest_agent_states(
    path: FileArg,
    timezone: TimezoneOpt = None,
    fmt: FormatOpt = None,
    database_url: DatabaseOpt = None,
    rejects: RejectsOpt = None,
) -> None:
    """Validate and store agent-state spans (agent_id, state, started_at, ended_at)."""
    _run("agent-states", path, timezone, fmt, None, database_url, rejects)


@ingest_app.command("agents")
@exits_on_bad_input
def ingest_agents(
    path: FileArg,
    timezone: TimezoneOpt = None,
    fmt: FormatOpt = None,
    database_url: DatabaseOpt = None,
    rejects: RejectsOpt = None,
) -> None:
    """Validate and store agents (skills, contract, availability); known agents are updated.

    --timezone is given to agents whose record names no timezone.
    """
    _run("agents", path, timezone, fmt, None, database_url, rejects)


@ingest_app.command("tickets")
@exits_on_bad_input
def ingest_tickets(
    path: FileArg,
    timezone: TimezoneOpt = None,
    fmt: FormatOpt = None,
    database_url: DatabaseOpt = None,
    rejects: RejectsOpt = None,
) -> None:
    """Validate and store tickets (status_changes: a JSON array, in CSV as its cell's text); a
    known ticket with new status changes replaces the stored one."""
    _run("tickets", path, timezone, fmt, None, database_url, rejects)


@ingest_app.command("kb-events")
@exits_on_bad_input
def ingest_kb_events(
    path: FileArg,
    timezone: TimezoneOpt = None,
    fmt: FormatOpt = None,
    database_url: DatabaseOpt = None,
    rejects: RejectsOpt = None,
) -> None:
    """Validate and store knowledge-base events (event_id, contact_id, agent_id, article_id,
    topic, viewed_at); re-sent event_ids are no-ops."""
    _run("kb-events", path, timezone, fmt, None, database_url, rejects)


@ingest_app.command("quality")
@exits_on_bad_input
def ingest_quality(
    path: FileArg,
    timezone: TimezoneOpt = None,
    fmt: FormatOpt = None,
    database_url: DatabaseOpt = None,
    rejects: RejectsOpt = None,
) -> None:
    """Validate and store quality evaluations (script compliance, empathy, keywords, emotion
    segments); re-sent evaluation_ids are no-ops."""
    _run("quality", path, timezone, fmt, None, database_url, rejects)


def register(app: typer.Typer) -> None:
    """Add the `ingest` command group to the `seatwise` app."""
    app.add_typer(ingest_app, name="ingest")
