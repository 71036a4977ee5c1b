"""The ``cache_versions`` table: a counter per family of stored data (migration 0008)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from features.store.tables.base import Base


class CacheVersion(Base):
    """One family of stored data (``records``, ``schedules``, ``agents``) and how often it was
    written."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
