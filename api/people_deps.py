"""The people store as a router dependency (its tables: :mod:`features.store.tables.people`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from features.store.people_store import PeopleStore


def get_people_store(request: Request) -> PeopleStore:
    """Queries over time-off requests, allotments and the audit trail on the app's engine."""
    return PeopleStore(request.app.state.engine)


PeopleStoreDep = Annotated[PeopleStore, Depends(get_people_store)]
