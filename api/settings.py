"""Service settings, read from ``SEATWISE_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    Attributes
    ----------
    database_url:
        SQLAlchemy URL (``SEATWISE_DATABASE_URL``); SQLite at ``./data/seatwise.db`` by default.
    mlflow_uri:
        MLflow tracking/registry URI (``SEATWISE_MLFLOW_URI``); the local store when unset.
    dask_address:
        Address of a Dask scheduler (``SEATWISE_DASK_ADDRESS``); jobs run in the service's own
        worker pool when unset.
    webhook_urls:
        Comma-separated URLs that receive alerts (``SEATWISE_WEBHOOK_URLS``).
    job_workers:
        Threads of the in-process job pool (``SEATWISE_JOB_WORKERS``).
    host, port:
        Where ``seatwise serve`` listens.
    timezone:
        The site's zone, used where records carry no zone of their own.
    retry_after_s:
        Seconds a client is told to wait (``Retry-After``) when the database is unreachable.
    """

    model_config = SettingsConfigDict(env_prefix="SEATWISE_", extra="ignore")

    database_url: str = "sqlite:///./data/seatwise.db"
    mlflow_uri: str | None = None
    dask_address: str | None = None
    webhook_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    job_workers: int = Field(default=2, ge=1, le=64)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    timezone: str = "UTC"
    retry_after_s: int = Field(default=5, ge=1)

    @field_validator("webhook_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
