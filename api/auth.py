"""Who is calling: the bearer key → :class:`Principal`, and the role check of every route.

:func:`principal_for_key` is the one key lookup. :func:`caller` turns a
:class:`api.roles.Resource` into the dependency that authenticates (401) and admits only the
resource's roles (403). Hot endpoints (routing, alerts) use ``caller(resource, cached=True)``:
it remembers each presented key's principal for :attr:`KeyCache.ttl_s` seconds, so a routing
engine calling hundreds of times a second does not load and verify the key each time, but it
still asks the store whether the key is revoked on every request
(:meth:`features.store.service_store.ServiceStore.key_revoked`, one indexed read of one column):
revocation holds from the next request, in every process and on every machine.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.roles import Resource, admitted
from api.security import key_matches, split_key
from features.store.service_store import ServiceStore

_bearer = HTTPBearer(auto_error=False, description="An API key made by `seatwise keys create`.")

KEY_CACHE_STATE = "seatwise_key_cache"
"""Name of the app-state attribute holding the app's :class:`KeyCache`."""


@dataclass
class Principal:
    """Who is calling: the key's id, its role and its data scope."""

    key_id: str
    role: str
    agent_id: str | None = None
    teams: list[str] = field(default_factory=list)


def principal_for_key(service: ServiceStore, key: str) -> Principal | None:
    """The caller a presented key speaks for; None when it is malformed, unknown or revoked."""
    key_id = split_key(key)
    if key_id is None:
        return None
    row = service.get_key(key_id)
    if row is None or row.revoked_at is not None or not key_matches(key, row.key_hash):
        return None
    return Principal(key_id=row.key_id, role=row.role, agent_id=row.agent_id, teams=row.teams)


@dataclass
class KeyCache:
    """Presented key (by its SHA-256) -> Principal (or None for a rejected key), for ttl_s."""

    ttl_s: float = 5.0
    max_entries: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, tuple[float, Principal | None]] = field(default_factory=dict, init=False)

    def get(self, key: str) -> tuple[bool, Principal | None]:
        """(found, principal) for a presented key."""
        entry = self._entries.get(_digest(key))
        if entry is None or entry[0] < self.clock():
            return False, None
        return True, entry[1]

    def put(self, key: str, principal: Principal | None) -> None:
        """Remember the outcome of looking a key up."""
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[_digest(key)] = (self.clock() + self.ttl_s, principal)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _presented_key(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    return credentials.credentials


def _admitted(principal: Principal | None) -> Principal:
    if principal is None:
        raise _unauthorized("invalid or revoked API key")
    return principal


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of `request`; 401 when the bearer key is missing, unknown or revoked."""
    key = _presented_key(credentials)
    return _admitted(principal_for_key(request.app.state.service_store, key))


async def authenticate_cached(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Like :func:`authenticate`, taking the key's principal from the app's :class:`KeyCache`
    when it can, and then only checking in the store that the key is not revoked."""
    key = _presented_key(credentials)
    keys: KeyCache = getattr(request.app.state, KEY_CACHE_STATE)
    service: ServiceStore = request.app.state.service_store
    found, principal = keys.get(key)
    if not found:
        principal = await run_in_threadpool(principal_for_key, service, key)
        keys.put(key, principal)
    elif principal is not None and await run_in_threadpool(service.key_revoked, principal.key_id):
        principal = None
        keys.put(key, None)
    return _admitted(principal)


def check_role(principal: Principal, roles: tuple[str, ...]) -> Principal:
    """`principal` when its role is one of `roles`; HTTP 403 naming the allowed roles otherwise."""
    if principal.role not in roles:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"role '{principal.role}' may not call this endpoint; allowed: "
            f"{', '.join(roles)}",
        )
    return principal


def caller(resource: Resource, *, cached: bool = False) -> Callable[..., Any]:
    """The dependency admitting only `resource`'s roles: 401 without a valid key, 403 for
    another role; with `cached`, keys are looked up through the app's :class:`KeyCache`.

    The same arguments give the same callable, so FastAPI runs it once per request even when
    both the route (:func:`api.deps.roles_route`) and the handler declare it.
    """
    return _caller(resource, cached)


@functools.cache
def _caller(resource: Resource, cached: bool) -> Callable[..., Any]:
    roles = admitted(resource)
    if cached:

        async def cached_dependency(
            principal: Annotated[Principal, Depends(authenticate_cached)],
        ) -> Principal:
            return check_role(principal, roles)

        return cached_dependency

    def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        return check_role(principal, roles)

    return dependency
