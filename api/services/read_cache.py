"""Answers of expensive reads (intervals, KPIs, schedules) kept in memory while the data under
them is unchanged.

A wall of wallboards and supervisors' phones asks the same few questions every few seconds;
each answer costs a scan of the contacts and a pandas roll-up. :class:`ReadCache` keeps the
serialised answer per (path, query, caller's scope) together with the versions of the data
families it was computed from (:mod:`features.store.cache_versions`, bumped by every write in
the writing transaction). Each request reads the current versions (one small query), so an
answer is never served after a write that has committed — in this process, in another worker
process or on another machine. Concurrent requests for the same missing answer compute it once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth import Principal
from features.store.cache_versions import read_versions

READ_CACHE_STATE = "seatwise_read_cache"
"""Name of the app-state attribute holding the app's :class:`ReadCache`."""

_STATE_LOCK = threading.Lock()

CacheKey = tuple[Hashable, ...]


@dataclass
class _Entry:
    versions: tuple[int, ...]
    stored_at: float
    body: bytes


@dataclass
class ReadCache:
    """Serialised answers by key, valid while their data families' versions are unchanged.

    Parameters
    ----------
    max_entries:
        Answers kept (least recently used go first).
    max_body_bytes:
        Answers larger than this are served but not kept, bytes.
    max_age_s:
        Seconds after which an answer is recomputed even if no version moved (a bound on
        staleness should a write ever bypass the stores' version bumps).
    """

    max_entries: int = 512
    max_body_bytes: int = 8_000_000
    max_age_s: float = 300.0
    clock: Callable[[], float] = time.monotonic
    hits: int = field(default=0, init=False)
    misses: int = field(default=0, init=False)
    _entries: OrderedDict[CacheKey, _Entry] = field(default_factory=OrderedDict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _computing: dict[CacheKey, threading.Lock] = field(default_factory=dict, init=False)

    def _fresh(self, key: CacheKey, versions: tuple[int, ...]) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.versions != versions or self.clock() - entry.stored_at > self.max_age_s:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry.body

    def _store(self, key: CacheKey, versions: tuple[int, ...], body: bytes) -> None:
        if len(body) > self.max_body_bytes:
            return
        with self._lock:
            self._entries[key] = _Entry(versions, self.clock(), body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get_or_compute(
        self, key: CacheKey, versions: tuple[int, ...], compute: Callable[[], bytes]
    ) -> bytes:
        """The answer of `key` computed under `versions`: from memory, or `compute()` once
        (concurrent callers of the same key wait for the first one's answer)."""
        body = self._fresh(key, versions)
        if body is not None:
            self.hits += 1
            return body
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            body = self._fresh(key, versions)
            if body is not None:
                self.hits += 1
                return body
            self.misses += 1
            try:
                body = compute()
                self._store(key, versions, body)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
            return body


def read_cache(app: FastAPI) -> ReadCache:
    """The app's read cache (made on first use)."""
    cache = getattr(app.state, READ_CACHE_STATE, None)
    if cache is None:
        with _STATE_LOCK:
            cache = getattr(app.state, READ_CACHE_STATE, None)
            if cache is None:
                cache = ReadCache()
                setattr(app.state, READ_CACHE_STATE, cache)
    result: ReadCache = cache
    return result


def json_body(model: BaseModel) -> bytes:
    """`model` as FastAPI would send it for a route whose response model is its class."""
    return bytes(JSONResponse(model.model_dump(mode="json", by_alias=True)).body)


def cached_json(
    request: Request,
    principal: Principal,
    families: Sequence[str],
    compute: Callable[[], BaseModel],
) -> Response:
    """The JSON answer of `request` for `principal`, from the app's :class:`ReadCache` while
    the data `families` (:data:`features.store.cache_versions.FAMILIES`) are unchanged.

    The key is the path, the query parameters (sorted) and the caller's role and scope, so
    keys with the same scope share answers and different scopes never do.
    """
    current = read_versions(request.app.state.engine)
    versions = tuple(current.get(family, -1) for family in families)
    key: CacheKey = (
        request.url.path,
        tuple(sorted(request.query_params.multi_items())),
        principal.role,
        principal.agent_id,
        tuple(sorted(principal.teams)),
    )
    body = read_cache(request.app).get_or_compute(key, versions, lambda: json_body(compute()))
    return Response(content=body, media_type="application/json")
