"""Alerts: low-CSAT and negative-sentiment contacts, intervals below service-level target.

A supervisor sees the contact alerts of their teams' agents and the service-level alerts of
the queues their teams serve (queues in those agents' skills); an admin sees everything.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import AwareDatetime

from api.auth import Principal, caller
from api.deps import roles_route
from api.params import utc_instant
from api.roles import Resource
from api.schemas.alerts import (
    AlertKind,
    AlertListPublic,
    AlertPublic,
    DeliveryListPublic,
    DeliveryPublic,
)
from api.schemas.common import INVALID, NOT_FOUND
from api.services.alerting import acknowledge_alert, alert_scope, alerting, visible_alert
from api.services.speech import SpeechUnavailable, SpokenLanguage, alert_sentence, speak_wav
from features.errors import NotFound

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


@router.get(
    "",
    response_model=AlertListPublic,
    **roles_route(Resource.ALERTS_READ, responses=INVALID, cached=True),
)
async def read_alerts(
    request: Request,
    principal: Annotated[Principal, Depends(caller(Resource.ALERTS_READ, cached=True))],
    since: Annotated[
        AwareDatetime | None, Query(description="Only alerts that happened at or after this")
    ] = None,
    kind: AlertKind | None = None,
    queue: Annotated[str | None, Query(max_length=128)] = None,
    team: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=5_000)] = 500,
) -> AlertListPublic:
    """Alerts visible to the caller, newest first, filtered by time, kind, queue and team."""
    since_utc = None if since is None else utc_instant(since, "since").to_pydatetime()

    def read() -> list[dict[str, Any]]:
        return alerting(request.app).store.list_alerts(
            since=since_utc,
            kind=kind,
            queue=queue,
            team=team,
            scope=alert_scope(request.app, principal),
            limit=limit,
        )

    rows = await run_in_threadpool(read)
    return AlertListPublic(alerts=[AlertPublic(**row) for row in rows])


@router.get(
    "/{alert_id}/deliveries",
    response_model=DeliveryListPublic,
    **roles_route(Resource.ALERT_DELIVERIES_READ, responses={**INVALID, **NOT_FOUND}, cached=True),
)
async def read_alert_deliveries(
    request: Request,
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> DeliveryListPublic:
    """Webhook deliveries of one alert: status, attempts, last HTTP status and error."""

    def read() -> list[dict[str, Any]]:
        store = alerting(request.app).store
        if not store.get_alerts([alert_id]):
            raise NotFound(f"alert {alert_id} does not exist")
        return store.list_deliveries(alert_id)

    rows = await run_in_threadpool(read)
    return DeliveryListPublic(deliveries=[DeliveryPublic(**row) for row in rows])


@router.post(
    "/{alert_id}/acknowledge",
    response_model=AlertPublic,
    **roles_route(Resource.ALERTS_ACKNOWLEDGE, responses={**INVALID, **NOT_FOUND}),
)
async def acknowledge(
    request: Request,
    principal: Annotated[Principal, Depends(caller(Resource.ALERTS_ACKNOWLEDGE))],
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> AlertPublic:
    """Acknowledge an alert the caller may see (its first acknowledgement is kept: when and by
    which key); the supervisor's phone does this in one tap."""
    row = await run_in_threadpool(acknowledge_alert, request.app, principal, alert_id)
    return AlertPublic(**row)


@router.get(
    "/{alert_id}/audio",
    response_class=Response,
    **roles_route(
        Resource.ALERTS_READ,
        responses={
            **INVALID,
            **NOT_FOUND,
            200: {"content": {"audio/wav": {}}, "description": "The alert spoken, WAV"},
            503: {"description": "No speech synthesiser on the server (install espeak-ng)"},
        },
    ),
)
async def read_alert_audio(
    request: Request,
    principal: Annotated[Principal, Depends(caller(Resource.ALERTS_READ))],
    alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    lang: Annotated[SpokenLanguage, Query(description="Spoken language: en or zh")] = "en",
) -> Response:
    """The alert's kind, queue and message spoken in English or Mandarin, as a WAV file made on
    the server (espeak-ng), for wall screens whose browser cannot speak."""

    def speak() -> bytes:
        return speak_wav(
            alert_sentence(visible_alert(request.app, principal, alert_id), lang), lang
        )

    try:
        audio = await run_in_threadpool(speak)
    except SpeechUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error
    return Response(
        audio,
        media_type="audio/wav",
        headers={"Content-Disposition": f'inline; filename="alert-{alert_id}-{lang}.wav"'},
    )
