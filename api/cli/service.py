"""`seatwise serve` (the HTTP API) and `seatwise keys create|list|revoke` (API keys)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.cli.common import DatabaseOpt, console, err_console, exits_on_bad_input, store_url
from api.roles import AGENT, SUPERVISOR
from api.security import ROLES, make_key
from api.settings import Settings
from features.errors import FieldError, InvalidInput
from features.store.records_store import Store
from features.store.service_store import ServiceStore

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


def _service_store(database_url: str | None) -> ServiceStore:
    from api.app import migrate_database
    from features.store.engine import shared_engine

    engine = shared_engine(store_url(database_url))
    migrate_database(engine)
    return ServiceStore(engine)


@keys_app.command("create")
@exits_on_bad_input
def create_key(
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    agent_id: Annotated[
        str | None, typer.Option("--agent-id", help="The agent an `agent` key speaks for.")
    ] = None,
    team: Annotated[
        list[str] | None,
        typer.Option("--team", help="A team a `supervisor` key may see (repeatable)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Create the key even for agents or teams not (yet) in the store."
        ),
    ] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Create an API key and print it once (only its hash is stored).

    An agent or team the store does not know is refused (exit 2 naming the field) unless
    ``--force``, which only warns.
    """
    teams = list(team or [])
    errors = []
    if role not in ROLES:
        errors.append(FieldError(None, "role", f"must be one of {', '.join(ROLES)}", role))
    if role == AGENT and not agent_id:
        errors.append(FieldError(None, "agent_id", "an agent key needs --agent-id", agent_id))
    if role == SUPERVISOR and not teams:
        errors.append(FieldError(None, "team", "a supervisor key needs at least one --team"))
    if errors:
        raise InvalidInput("cannot create the key", errors)
    service = _service_store(database_url)
    unknown = unknown_scope(Store(store_url(database_url)), agent_id, teams)
    if unknown and not force:
        raise InvalidInput("cannot create the key (--force creates it anyway)", unknown)
    for error in unknown:
        err_console.print(
            f"[bold yellow]warning:[/] {escape(str(error))}; creating the key anyway (--force)",
            highlight=False,
        )
    new = make_key()
    service.add_key(new.key_id, new.key_hash, role, agent_id, teams)
    typer.echo(new.key)


def unknown_scope(store: Store, agent_id: str | None, teams: list[str]) -> list[FieldError]:
    """The key's agent and teams that no stored agent has (one error per unknown value)."""
    agents = store.read_agents()
    known_agents = set(agents["agent_id"].astype(str))
    known_teams = {str(t) for t in agents["team"].dropna()}
    errors = []
    if agent_id is not None and agent_id not in known_agents:
        errors.append(FieldError(None, "agent_id", "is not a stored agent", agent_id))
    errors.extend(
        FieldError(None, "team", "is no stored agent's team", name)
        for name in teams
        if name not in known_teams
    )
    return errors


@keys_app.command("list")
def list_keys(database_url: DatabaseOpt = None) -> None:
    """List keys (ids, roles, scopes; never the keys themselves)."""
    table = Table("key_id", "role", "agent_id", "teams", "created_at", "revoked_at")
    for row in _service_store(database_url).list_keys():
        table.add_row(
            row.key_id,
            row.role,
            row.agent_id or "",
            ",".join(row.teams),
            str(row.created_at),
            "" if row.revoked_at is None else str(row.revoked_at),
        )
    console.print(table)


@keys_app.command("revoke")
@exits_on_bad_input
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key's id (second part of the key).")],
    database_url: DatabaseOpt = None,
) -> None:
    """Revoke a key: it stops working at once."""
    _service_store(database_url).revoke_key(key_id)
    typer.echo(f"revoked {key_id}")


WORKER_HEALTHCHECK_S = 120
"""Seconds the supervisor waits for a worker's heartbeat before replacing it: a new worker
imports the whole stack (pandas, OR-Tools, MLflow) before its first heartbeat, which takes more
than uvicorn's default 5 s on a busy machine."""


def default_workers() -> int:
    """Worker processes when neither ``--workers`` nor ``SEATWISE_WORKERS`` says: one per CPU
    core, at least two (so one busy process never stops the service answering)."""
    return max(2, os.cpu_count() or 1)


def run_server(
    settings: Settings, host: str, port: int, workers: int, *, access_log: bool = False
) -> None:
    """Serve the app of `settings` on `host`:`port` with `workers` processes.

    Access logs are off unless `access_log`: a line per request costs CPU under load, and
    request paths name agents.

    The database is migrated once here, before any worker starts, so workers never race to
    migrate it. With more than one worker each process builds its own app from the
    ``SEATWISE_*`` environment (:func:`api.app.create_app`); keys, revocations, jobs and the
    cache versions live in the store, so the processes agree on them.
    """
    import uvicorn

    from api.app import create_app, migrate_database
    from features.store.engine import hold_engine, release_engine

    migrate_database(hold_engine(settings.database_url))
    release_engine(settings.database_url)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, access_log=access_log)
        return
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )


def serve(
    host: Annotated[str | None, typer.Option(help="Interface; default $SEATWISE_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Port; default $SEATWISE_PORT.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes; default $SEATWISE_WORKERS, else one per CPU core (at least 2).",
        ),
    ] = None,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log", help="Log a line per request (off by default)."
        ),
    ] = False,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) with several worker
    processes."""
    settings = Settings()
    count = workers or settings.workers or default_workers()
    run_server(settings, host or settings.host, port or settings.port, count, access_log=access_log)


def register(app: typer.Typer) -> None:
    """Add `serve` and `keys` to the `seatwise` app."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
