"""Declarative base shared by every table; one metadata, one Alembic migration chain.

Revision ids are fixed so parallel work lines up: ``0001_records`` (contacts, agent states,
agents), ``0002_service`` (API keys, jobs, forecasts, rosters, alerts), ``0003_intraday``.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every Seatwise table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
