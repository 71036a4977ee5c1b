"""Checks a job's parameters pass before it is queued, so a job that cannot succeed, or would
run unbounded, is refused with HTTP 422 naming the field instead of failing later.

The forecaster names themselves are checked by the request schemas
(:data:`forecasting.names.ForecasterName`); here are the checks that need the store or more
than one field.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from features.errors import FieldError, InvalidInput
from features.store.records_store import Store
from features.store.tables.records import ContactRow

MAX_BACKTEST_TEST_DAYS = 1100
"""Most test days a backtest may score, folds × horizon days (three years)."""

MAX_BACKTEST_FITS = 300
"""Most model fits a backtest may make, folds × models."""

MS_PER_DAY = 86_400_000


def queues_without_contacts(store: Store, queues: Sequence[str]) -> set[str]:
    """The queues of `queues` without any stored contact (one probe per queue, stopping at
    its first contact)."""
    missing = set()
    with store.engine.connect() as connection:
        for queue in dict.fromkeys(queues):
            probe = select(ContactRow.contact_id).where(ContactRow.queue == queue).limit(1)
            if connection.execute(probe).first() is None:
                missing.add(queue)
    return missing


def check_stored_queues(store: Store, queues: Sequence[str] | None, field: str = "queues") -> None:
    """InvalidInput naming ``field[i]`` for each requested queue without stored contacts to
    learn from (None: every stored queue, always fine)."""
    if not queues:
        return
    missing = queues_without_contacts(store, queues)
    errors = [
        FieldError(None, f"{field}[{i}]", "no contacts stored for this queue", q)
        for i, q in enumerate(queues)
        if q in missing
    ]
    if errors:
        raise InvalidInput("unknown queues", errors)


def stored_history_days(store: Store) -> int:
    """Days from the first to the last stored contact (every queue), 0 when none is stored."""
    query = select(func.min(ContactRow.arrived_at), func.max(ContactRow.arrived_at))
    with store.engine.connect() as connection:
        first, last = connection.execute(query).one()
    if first is None or last is None:
        return 0
    return int((last - first) // MS_PER_DAY) + 1


def implied_folds(history_days: int, horizon_days: int, min_train_days: int) -> int:
    """Folds a backtest with ``folds=None`` makes on `history_days` days (every origin with
    `min_train_days` before it, one horizon apart: :func:`forecasting.backtest.fold_cutoffs`)."""
    room = history_days - horizon_days - min_train_days
    return max(room // horizon_days + 1, 0)


def check_backtest_work(
    folds: int | None,
    horizon_days: int,
    models: int,
    min_train_days: int,
    history_days: int,
) -> None:
    """InvalidInput naming ``folds`` (or ``horizon_days``, ``models``) when a backtest would
    score more than :data:`MAX_BACKTEST_TEST_DAYS` test days or make more than
    :data:`MAX_BACKTEST_FITS` fits.

    Parameters
    ----------
    folds:
        Requested folds; None means every origin `history_days` allows.
    horizon_days:
        Days forecast per fold.
    models:
        Models backtested.
    min_train_days:
        Days of history before the first origin (when `folds` is None).
    history_days:
        Days of stored history.
    """
    if folds is None:
        count = implied_folds(history_days, horizon_days, min_train_days)
        origin = " (null: every origin of the stored history)"
    else:
        count, origin = folds, ""
    errors = []
    if count * horizon_days > MAX_BACKTEST_TEST_DAYS:
        rule = (
            f"folds × horizon_days must be at most {MAX_BACKTEST_TEST_DAYS} test days "
            f"(got {count}{origin} × {horizon_days}); ask for fewer folds or a shorter horizon"
        )
        errors.append(FieldError(None, "folds", rule, count))
    if count * models > MAX_BACKTEST_FITS:
        rule = (
            f"folds × models must be at most {MAX_BACKTEST_FITS} fits "
            f"(got {count}{origin} × {models}); ask for fewer folds or models"
        )
        errors.append(FieldError(None, "folds", rule, count))
    if errors:
        raise InvalidInput("backtest too large", errors)
