"""Forecasting: volume and handle-time forecasts with quantiles, peaks and backtests.

Pure: frames and dataclasses in and out, no file, database or HTTP I/O.
"""

from forecasting.backtest import BacktestResult, backtest
from forecasting.base import Forecaster
from forecasting.peaks import daily_peaks
from forecasting.selection import FORECASTERS, AutoForecaster, make_forecaster

__all__ = [
    "FORECASTERS",
    "AutoForecaster",
    "BacktestResult",
    "Forecaster",
    "backtest",
    "daily_peaks",
    "make_forecaster",
]
