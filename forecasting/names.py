"""The forecasters' registry names, in a module light enough for request validation.

:data:`forecasting.selection.FORECASTERS` is built from :data:`FORECASTER_NAMES` (one class per
name, in this order), so the API can check a requested model name without importing the models.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

ForecasterName = Literal[
    "seasonal_naive", "seasonal_average", "ets", "weekday_level", "lightgbm", "auto"
]
"""A forecaster's registry name (``auto`` picks per queue by backtest)."""

FORECASTER_NAMES: Final[tuple[str, ...]] = get_args(ForecasterName)
"""Every forecaster's registry name, in :data:`forecasting.selection.FORECASTERS` order."""
