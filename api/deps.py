"""Dependencies every router shares: the caller (API key → Principal), roles, settings, store.

Use ``**roles_route(*roles)`` on a route to authenticate, admit only `roles` and declare them in
OpenAPI as ``x-roles``; a handler that needs the caller adds a ``Principal`` parameter with
``Depends(require_roles(*roles))`` (the same roles give the same dependency, so it runs once).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.security import ROLES, key_matches, split_key
from api.settings import Settings
from features.calendar import is_timezone
from features.errors import FieldError, InvalidInput
from features.store.records_store import Store
from features.store.service_store import ServiceStore

if TYPE_CHECKING:
    from api.services.jobs import JobRunner

_bearer = HTTPBearer(auto_error=False, description="An API key made by `seatwise keys create`.")


@dataclass
class Principal:
    """Who is calling: the key's id, its role and its data scope."""

    key_id: str
    role: str
    agent_id: str | None = None
    teams: list[str] = field(default_factory=list)


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_service_store(request: Request) -> ServiceStore:
    """Queries over keys, jobs, forecasts and rosters."""
    store: ServiceStore = request.app.state.service_store
    return store


def get_store(request: Request) -> Store:
    """The records store (contacts, agent states, agents)."""
    store: Store = request.app.state.store
    return store


def get_jobs(request: Request) -> JobRunner:
    """The background job runner."""
    runner: JobRunner = request.app.state.jobs
    return runner


def get_session(request: Request) -> Iterator[Session]:
    """A session in one transaction: committed when the handler returns, rolled back on error."""
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
StoreDep = Annotated[Store, Depends(get_store)]
ServiceStoreDep = Annotated[ServiceStore, Depends(get_service_store)]
JobsDep = Annotated["JobRunner", Depends(get_jobs)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of `request`; 401 when the bearer key is missing, unknown or revoked."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    key = credentials.credentials
    key_id = split_key(key)
    if key_id is None:
        raise _unauthorized("invalid API key")
    row = get_service_store(request).get_key(key_id)
    if row is None or row.revoked_at is not None or not key_matches(key, row.key_hash):
        raise _unauthorized("invalid or revoked API key")
    return Principal(key_id=row.key_id, role=row.role, agent_id=row.agent_id, teams=row.teams)


def check_role(principal: Principal, roles: tuple[str, ...]) -> Principal:
    """`principal` when its role is one of `roles`; HTTP 403 naming the allowed roles otherwise."""
    if principal.role not in roles:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"role '{principal.role}' may not call this endpoint; allowed: "
            f"{', '.join(roles)}",
        )
    return principal


@functools.cache
def require_roles(*roles: str) -> Callable[..., Principal]:
    """A dependency admitting only `roles`: 401 without a valid key, 403 for another role.

    Calling it twice with the same roles returns the same callable, so FastAPI runs it once
    per request even when both the route and the handler declare it.
    """
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown roles {unknown}; roles are {list(ROLES)}")

    def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        return check_role(principal, roles)

    return dependency


def roles_route(
    *roles: str,
    responses: dict[int | str, dict[str, Any]] | None = None,
    openapi_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Route keyword arguments admitting `roles` and declaring them as OpenAPI ``x-roles``.

    Examples
    --------
    >>> from fastapi import APIRouter
    >>> router = APIRouter()
    >>> @router.get("/things", **roles_route("admin", "planner"))
    ... def read_things() -> list[str]:
    ...     return []
    """
    from api.schemas.common import AUTH_RESPONSES

    return {
        "dependencies": [Depends(require_roles(*roles))],
        "openapi_extra": {**(openapi_extra or {}), "x-roles": list(roles)},
        "responses": {**AUTH_RESPONSES, **(responses or {})},
    }


def public_route(responses: dict[int | str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Route keyword arguments of an endpoint without authentication (``x-roles: []``)."""
    return {"openapi_extra": {"x-roles": []}, "responses": dict(responses or {})}


def scoped_agents(principal: Principal, store: Store) -> set[str] | None:
    """Agent ids the caller may see: None for all; an agent sees itself, a supervisor the
    agents whose team is one of the key's teams."""
    if principal.role == "agent":
        return {principal.agent_id} if principal.agent_id else set()
    if principal.role != "supervisor":
        return None
    agents = store.read_agents()
    mine = agents[agents["team"].isin(principal.teams)]
    return {str(a) for a in mine["agent_id"]}


def scoped_queues(principal: Principal, store: Store) -> set[str] | None:
    """Queues the caller may see: None for all; for a supervisor (or agent) the queues their
    agents are skilled for."""
    agent_ids = scoped_agents(principal, store)
    if agent_ids is None:
        return None
    agents = store.read_agents()
    skills = agents.loc[agents["agent_id"].isin(sorted(agent_ids)), "skills"]
    return {str(queue) for entry in skills if isinstance(entry, dict) for queue in entry}


def forbid_outside(allowed: set[str] | None, wanted: str, what: str) -> None:
    """403 when `wanted` is outside the caller's scope `allowed` (None: everything allowed)."""
    if allowed is not None and wanted not in allowed:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"{what} '{wanted}' is outside this key's scope",
        )


def valid_timezone(name: str) -> str:
    """`name` when it is an IANA zone; InvalidInput (422) otherwise."""
    if not is_timezone(name):
        raise InvalidInput(
            "unknown timezone",
            [FieldError(None, "timezone", "must be an IANA zone like Europe/Berlin", name)],
        )
    return name
