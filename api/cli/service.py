"""`seatwise serve` (the HTTP API) and `seatwise keys create|list|revoke` (API keys)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import DatabaseOpt, console, exits_on_bad_input, store_url
from api.roles import AGENT, SUPERVISOR
from api.security import ROLES, make_key
from api.settings import Settings
from features.errors import FieldError, InvalidInput
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
    database_url: DatabaseOpt = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
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
    new = make_key()
    _service_store(database_url).add_key(new.key_id, new.key_hash, role, agent_id, teams)
    typer.echo(new.key)


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


def serve(
    host: Annotated[str | None, typer.Option(help="Interface; default $SEATWISE_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Port; default $SEATWISE_PORT.")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs)."""
    import uvicorn

    from api.app import create_app

    settings = Settings()
    app = create_app(settings)
    uvicorn.run(app, host=host or settings.host, port=port or settings.port)


def register(app: typer.Typer) -> None:
    """Add `serve` and `keys` to the `seatwise` app."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
