"""The one place that maps domain and infrastructure errors to HTTP responses.

InvalidInput → 422 with every broken (row, field, rule); NotFound → 404; Infeasible → 409 with
the conflicting rules; an unreachable database → 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Sequence
from typing import Any, cast

import psycopg
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from features.errors import FieldError, Infeasible, InvalidInput, NotFound

logger = logging.getLogger(__name__)


def field_error_at(loc: Sequence[int | str], rule: str, value: Any = None) -> FieldError:
    """The broken rule at a location of a request (``("body", "forecast", 3, "volume")``): the
    first list index is the row, the names joined by dots the field (``forecast.volume``); the
    request part (body, query, path) is left out; objects and lists are not shown as values."""
    parts = [part for part in loc if part not in ("body", "query", "path")]
    row = next((part for part in parts if isinstance(part, int)), None)
    names = [str(part) for part in parts if not isinstance(part, int)]
    shown = None if isinstance(value, (dict, list)) else value
    return FieldError(row=row, field=".".join(names) or "body", rule=rule, value=shown)


def _field_error_from_pydantic(error: dict[str, Any]) -> FieldError:
    return field_error_at(tuple(error.get("loc", ())), str(error["msg"]), error.get("input"))


def _json_safe(value: Any) -> Any:
    """A value a strict JSON encoder accepts: non-finite numbers as their names (``NaN``,
    ``Infinity``), anything that is not a JSON scalar as its text."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def error_body(errors: list[FieldError]) -> dict[str, Any]:
    """The JSON body of a 4xx naming every broken rule: ``{"detail": [{row, field, rule,
    value}, ...]}``, always valid JSON (a NaN or Infinity that was sent is shown as text)."""
    details = []
    for error in errors:
        item = error.as_dict()
        item["value"] = _json_safe(item["value"])
        details.append(item)
    return cast(dict[str, Any], jsonable_encoder({"detail": details}))


def invalid_response(errors: list[FieldError], status_code: int = 422) -> JSONResponse:
    """A 422 (or `status_code`) response listing every broken rule."""
    return JSONResponse(status_code=status_code, content=error_body(errors))


async def _on_invalid_input(_request: Request, exc: Exception) -> JSONResponse:
    exc = cast(InvalidInput, exc)
    errors = exc.errors or [FieldError(row=None, field="body", rule=str(exc))]
    return invalid_response(errors)


async def _on_request_validation(_request: Request, exc: Exception) -> JSONResponse:
    exc = cast(RequestValidationError, exc)
    return invalid_response([_field_error_from_pydantic(dict(e)) for e in exc.errors()])


async def _on_not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


async def _on_infeasible(_request: Request, exc: Exception) -> JSONResponse:
    exc = cast(Infeasible, exc)
    conflicts = [
        {"rule": c.rule, "detail": c.detail, "agents": list(c.agents)} for c in exc.conflicts
    ]
    message = exc.args[0] if exc.args else "infeasible"
    return JSONResponse(status_code=409, content={"detail": message, "conflicts": conflicts})


def _database_unavailable(request: Request) -> JSONResponse:
    retry_after = getattr(request.app.state.settings, "retry_after_s", 5)
    return JSONResponse(
        status_code=503,
        content={"detail": "database unavailable; retry later"},
        headers={"Retry-After": str(retry_after)},
    )


def _database_reachable(request: Request) -> bool:
    try:
        request.app.state.service_store.ping()
    except (DBAPIError, OSError, sqlite3.Error, psycopg.Error):
        return False
    return True


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    # An unreachable database is a 503 the client may retry; any other database error (a bad
    # query, a broken constraint) is a bug and stays a 500.
    invalidated = isinstance(exc, DBAPIError) and exc.connection_invalidated
    if invalidated or not await run_in_threadpool(_database_reachable, request):
        # The error's class only: its text may quote rows of the statement (personal data).
        logger.warning("database unavailable: %s", type(exc).__name__)
        return _database_unavailable(request)
    if not request.app.state.migrated:
        from api.app import ensure_schema

        await run_in_threadpool(ensure_schema, request.app)
        return _database_unavailable(request)
    raise exc


def install_error_handlers(app: FastAPI) -> None:
    """Register every error mapping on `app`."""
    app.add_exception_handler(InvalidInput, _on_invalid_input)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(NotFound, _on_not_found)
    app.add_exception_handler(Infeasible, _on_infeasible)
    for error in (OperationalError, DBAPIError, psycopg.OperationalError, sqlite3.OperationalError):
        app.add_exception_handler(error, _on_database_error)
