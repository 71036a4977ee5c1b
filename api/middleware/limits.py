"""Request limits, checked once for every route before any of them reads the request.

* a body past ``max_body_bytes`` (``SEATWISE_MAX_BODY_BYTES``) is refused with 413, by its
  ``Content-Length`` before it is read or while it streams in; bulk loads go through files
  (``seatwise ingest``) or several batches;
* a JSON body nested deeper than :data:`MAX_JSON_DEPTH` is refused with 422 (so no parser or
  validator downstream recurses without bound);
* NaN, Infinity and numbers too large for a double anywhere in a JSON body, and keys given twice
  in one object, are refused with 422 naming the field (Python's JSON reader would otherwise
  take them as floats, or keep the last key silently);
* a NUL character in a JSON body's text or keys, or in a query parameter, is refused with 422
  naming the field (no store holds it: PostgreSQL's text cannot), and so is a query parameter
  reading ``nan``, ``inf`` or ``infinity`` (which a float parameter would otherwise take);
* a path holding a control character (``/static/app.js%00.js``) names no resource: 404.

Every refusal is a JSON body of the shape the rest of the API uses (:func:`api.errors.error_body`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import numpy as np

from api.errors import error_body, field_error_at
from features.errors import FieldError
from features.records.json_text import NON_FINITE_RULE, NUL_RULE, outside_strings, scan_json

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects a JSON body may have (a scenario needs 5)."""

_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
"""Every byte but brackets: deleted to leave the nesting structure."""
_CONTROL_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")
_NON_FINITE_WORD = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
"""What Python's float() reads as NaN or Infinity."""


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.split(b";")[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def nesting_depth(outside: bytes) -> int:
    """How deep arrays and objects nest in a JSON text already stripped of its strings
    (:func:`features.records.json_text.outside_strings`); 0 for a scalar."""
    brackets = outside.translate(None, _BRACKETS)
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def implausible_json_values(body: bytes, outside: bytes | None = None) -> list[FieldError]:
    """Every NaN, Infinity or number beyond a double's range, every key given twice in one
    object and every text or key holding NUL in a JSON text, named by its location (row = first
    array index; field = the names on the way, dot-joined, as in every 422 of the API). Empty
    for a clean body or one that is not JSON (the route says why)."""
    found = [field_error_at(loc, rule, value) for loc, rule, value in scan_json(body, outside)]
    return sorted(found, key=lambda e: (-1 if e.row is None else e.row, e.field))


def implausible_parameters(query_string: bytes) -> list[FieldError]:
    """Every query parameter whose name or value holds NUL (``?team=a%00``), and every value
    that reads as a number that is not finite (``?threshold=inf``, ``nan``, ``-Infinity``: no
    parameter of the API means that, and a float parameter would take it)."""
    if not query_string:
        return []
    found: list[FieldError] = []
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            found.append(FieldError(None, name, NUL_RULE, value.replace("\x00", "\\u0000")[:80]))
        elif _NON_FINITE_WORD.fullmatch(value.strip()):
            found.append(FieldError(None, name, NON_FINITE_RULE, value))
    return found


async def _send_json(send: Send, status: int, content: dict[str, Any]) -> None:
    body = json.dumps(content, allow_nan=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """ASGI middleware bounding every request's body size, JSON depth and JSON numbers.

    Parameters
    ----------
    app:
        The application it wraps.
    max_body_bytes:
        Largest request body accepted, bytes; larger ones get 413.
    max_depth:
        Deepest JSON nesting accepted; deeper bodies get 422.
    """

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_depth: int = MAX_JSON_DEPTH
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _CONTROL_IN_PATH.search(scope.get("path", "")):
            await _send_json(send, 404, {"detail": "no such resource"})
            return
        bad_query = implausible_parameters(scope.get("query_string", b""))
        if bad_query:
            await _send_json(send, 422, error_body(bad_query))
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(send, declared)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(send, size)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(scope):
            problems = self._json_problems(body)
            if problems:
                await _send_json(send, 422, error_body(problems))
                return
        await self.app(scope, _replay([body], None, receive), send)

    def _json_problems(self, body: bytes) -> list[FieldError]:
        outside = outside_strings(body)
        depth = nesting_depth(outside)
        if depth > self.max_depth:
            rule = f"JSON must not nest deeper than {self.max_depth} levels"
            return [FieldError(row=None, field="body", rule=rule, value=depth)]
        return implausible_json_values(body, outside)

    async def _too_large(self, send: Send, size: int) -> None:
        rule = (
            f"must be at most {self.max_body_bytes:,} bytes; send bulk loads as files "
            "(seatwise ingest) or in several batches"
        )
        content = error_body([FieldError(row=None, field="body", rule=rule, value=size)])
        await _send_json(send, 413, content)


def _replay(bodies: list[bytes], first: Message | None, receive: Receive) -> Receive:
    """A `receive` that hands out the body already read (or the one non-body message), then
    whatever the client sends next (its disconnect)."""
    pending: list[Message] = [
        {"type": "http.request", "body": body, "more_body": False} for body in bodies
    ]
    if first is not None:
        pending.append(first)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
