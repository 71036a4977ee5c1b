"""Where the store lives: ``SEATWISE_DATABASE_URL`` or SQLite at ``./data/seatwise.db``."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "SEATWISE_DATABASE_URL"
DEFAULT_SQLITE_PATH = Path("data") / "seatwise.db"


def database_url(url: str | None = None) -> str:
    """Return the database URL to use.

    Parameters
    ----------
    url:
        An explicit SQLAlchemy URL; wins over the environment when given.

    Returns
    -------
    str
        `url`, else ``$SEATWISE_DATABASE_URL``, else ``sqlite:///./data/seatwise.db`` (the
        ``./data`` directory is created, relative to the working directory).
    """
    chosen = url or os.environ.get(DATABASE_URL_ENV)
    if chosen:
        return chosen
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH.as_posix()}"
