"""Dependencies every router shares: settings, stores, the site, the job runner, and route
declarations.

Use ``**roles_route(Resource.X)`` on a route to authenticate, admit only the roles
:data:`api.roles.ADMITTED` gives `Resource.X` and declare them in OpenAPI as ``x-roles``; a
handler that needs the caller adds a ``Principal`` parameter with
``Depends(caller(Resource.X))`` (the same resource gives the same dependency, so it runs once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from api.auth import caller
from api.roles import Resource, admitted
from api.schemas.common import AUTH_RESPONSES
from api.services.site import Site
from api.settings import Settings
from features.store.records_store import Store
from features.store.service_store import ServiceStore

if TYPE_CHECKING:
    from api.services.jobs import JobRunner


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


def get_site(request: Request) -> Site:
    """The site's stores and zone, for the service compositions."""
    state = request.app.state
    return Site(state.service_store, state.store, state.settings.timezone)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SiteDep = Annotated[Site, Depends(get_site)]
StoreDep = Annotated[Store, Depends(get_store)]
ServiceStoreDep = Annotated[ServiceStore, Depends(get_service_store)]
JobsDep = Annotated["JobRunner", Depends(get_jobs)]


def roles_route(
    resource: Resource,
    responses: dict[int | str, dict[str, Any]] | None = None,
    openapi_extra: dict[str, Any] | None = None,
    *,
    cached: bool = False,
) -> dict[str, Any]:
    """Route keyword arguments admitting `resource`'s roles and declaring them as ``x-roles``.

    Parameters
    ----------
    resource:
        The row of :data:`api.roles.ADMITTED` the route belongs to.
    responses, openapi_extra:
        Further OpenAPI responses and operation fields.
    cached:
        Look keys up through the app's key cache (endpoints called many times a second).

    Examples
    --------
    >>> from fastapi import APIRouter
    >>> router = APIRouter()
    >>> @router.get("/things", **roles_route(Resource.JOBS_READ))
    ... def read_things() -> list[str]:
    ...     return []
    """
    return {
        "dependencies": [Depends(caller(resource, cached=cached))],
        "openapi_extra": {**(openapi_extra or {}), "x-roles": list(admitted(resource))},
        "responses": {**AUTH_RESPONSES, **(responses or {})},
    }


def public_route(responses: dict[int | str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Route keyword arguments of an endpoint without authentication (``x-roles: []``)."""
    return {"openapi_extra": {"x-roles": []}, "responses": dict(responses or {})}
