"""The service's one settings class, read from ``SEATWISE_*`` environment variables.

The app, the CLI and the background jobs all read their configuration from :class:`Settings`;
the store takes the URL it is given (``Settings().database_url``) and reads no environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from features.schema import ALLOWED_INTERVAL_MINUTES

DEFAULT_DATA_DIR = Path("data")
"""Folder of the default SQLite store, relative to the working directory."""
DEFAULT_DATABASE_URL = f"sqlite:///{(DEFAULT_DATA_DIR / 'seatwise.db').as_posix()}"
"""The store when ``SEATWISE_DATABASE_URL`` is unset: SQLite at ``./data/seatwise.db``."""
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
"""Largest request body the API reads by default, bytes (5 MiB: some 20,000 contacts as JSON)."""


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    Attributes
    ----------
    database_url:
        SQLAlchemy URL (``SEATWISE_DATABASE_URL``); SQLite at ``./data/seatwise.db`` by default
        (the ``./data`` folder is created when the default is chosen).
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
        Seconds a client is told to wait (``Retry-After``) when the database is unreachable or
        the worker sheds load.
    workers:
        Worker processes of ``seatwise serve`` (``SEATWISE_WORKERS``); unset, one per CPU core
        and at least two.
    max_in_flight:
        Requests one worker process admits at once (``SEATWISE_MAX_IN_FLIGHT``); the next is
        answered 503 with ``Retry-After`` instead of queueing (the probes are never refused).
    request_timeout_s:
        Seconds after which an unanswered request is answered 503 (``SEATWISE_REQUEST_TIMEOUT_S``).
    alert_csat_max:
        CSAT (1-5) at or below which a contact raises an alert.
    alert_sentiment_max:
        Sentiment (-1..1) below which a contact raises an alert.
    alert_service_level_target:
        Service-level target (share of contacts answered within the threshold) per interval;
        unset, each queue's channel standard (:data:`scheduling.channels.CHANNEL_STANDARDS`:
        80% for voice, 95% of e-mails within 4 h, ...).
    alert_sl_threshold_s:
        Seconds within which an answer counts as in service; unset, each channel's threshold
        (:data:`features.schema.CHANNEL_THRESHOLDS_S`).
    alert_interval_minutes:
        Interval length of the service-level rule, minutes (5, 10, 15, 30 or 60).
    alert_min_offered:
        Intervals with fewer offered contacts are not judged.
    webhook_tries, webhook_backoff_s, webhook_timeout_s:
        Attempts per delivery, seconds before the first retry (doubling), seconds per attempt.
    max_body_bytes:
        Largest request body accepted, bytes (``SEATWISE_MAX_BODY_BYTES``); larger ones are
        refused with 413 before they are read (bulk loads go through ``seatwise ingest``).
    swap_auto_approve:
        Apply an accepted shift swap at once when it keeps every hard rule and opens no new
        coverage gap (``SEATWISE_SWAP_AUTO_APPROVE``); otherwise a planner approves it.
    """

    model_config = SettingsConfigDict(env_prefix="SEATWISE_", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, validate_default=True)
    mlflow_uri: str | None = None
    dask_address: str | None = None
    webhook_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    job_workers: int = Field(default=2, ge=1, le=64)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    timezone: str = "UTC"
    retry_after_s: int = Field(default=5, ge=1)
    workers: int | None = Field(default=None, ge=1, le=64)
    max_in_flight: int = Field(default=24, ge=1, le=1024)
    request_timeout_s: float = Field(default=10.0, gt=0, le=3600)
    alert_csat_max: float = Field(default=2.0, ge=1, le=5)
    alert_sentiment_max: float = Field(default=-0.3, ge=-1, le=1)
    alert_service_level_target: float | None = Field(default=None, ge=0, le=1)
    alert_sl_threshold_s: float | None = Field(default=None, gt=0)
    alert_interval_minutes: int = 15
    alert_min_offered: int = Field(default=1, ge=1)
    webhook_tries: int = Field(default=3, ge=1, le=10)
    webhook_backoff_s: float = Field(default=0.5, ge=0)
    webhook_timeout_s: float = Field(default=2.0, gt=0)
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024)
    swap_auto_approve: bool = False

    @field_validator("database_url")
    @classmethod
    def _create_default_folder(cls, value: str) -> str:
        if value == DEFAULT_DATABASE_URL:
            DEFAULT_DATA_DIR.mkdir(parents=True, exist_ok=True)
        return value

    @field_validator("webhook_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("alert_interval_minutes")
    @classmethod
    def _allowed_minutes(cls, value: int) -> int:
        if value not in ALLOWED_INTERVAL_MINUTES:
            allowed = ", ".join(str(m) for m in ALLOWED_INTERVAL_MINUTES)
            raise ValueError(f"must be one of {allowed} minutes, got {value}")
        return value
