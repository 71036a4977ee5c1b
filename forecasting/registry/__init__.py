"""MLflow tracking and model registry for forecasters.

Every training run and every backtest is logged to MLflow (parameters, metrics, and the fitted
model or the backtest tables); a model version is promoted with a registered-model *alias*
(``champion``, ``challenger``), never with the deprecated stages. MLflow is imported in this
package only, and used only through its public API. By concern:

* :mod:`forecasting.registry.store` — where the MLflow store lives (``SEATWISE_MLFLOW_URI`` or
  ``<repo>/models/``) and pointing MLflow at it for one call;
* :mod:`forecasting.registry.pyfunc` — the ``mlflow.pyfunc`` wrapper of a fitted forecaster and
  loading it back (``models:/<name>@champion`` reproduces the forecast exactly);
* :mod:`forecasting.registry.runs` — logging training runs and backtests;
* :mod:`forecasting.registry.queries` — registering, promoting, listing models, describing runs
  (typed dicts).
"""

from forecasting.registry.pyfunc import ForecasterModel, LoadedForecaster, load_model
from forecasting.registry.queries import (
    ModelVersionInfo,
    RegisteredModelInfo,
    RunInfo,
    describe_run,
    list_models,
    promote,
    register_model,
)
from forecasting.registry.runs import (
    SCORE_COLUMNS,
    best_model,
    forecaster_name,
    history_interval,
    log_backtest,
    log_training_run,
    summarise_backtest,
)
from forecasting.registry.store import (
    BACKTEST_EXPERIMENT,
    CHAMPION,
    DEFAULT_MODELS_DIR,
    MODEL_NAME,
    TRAINING_EXPERIMENT,
    URI_ENV_VAR,
    tracking_uri,
)

__all__ = [
    "BACKTEST_EXPERIMENT",
    "CHAMPION",
    "DEFAULT_MODELS_DIR",
    "MODEL_NAME",
    "SCORE_COLUMNS",
    "TRAINING_EXPERIMENT",
    "URI_ENV_VAR",
    "ForecasterModel",
    "LoadedForecaster",
    "ModelVersionInfo",
    "RegisteredModelInfo",
    "RunInfo",
    "best_model",
    "describe_run",
    "forecaster_name",
    "history_interval",
    "list_models",
    "load_model",
    "log_backtest",
    "log_training_run",
    "promote",
    "register_model",
    "summarise_backtest",
    "tracking_uri",
]
