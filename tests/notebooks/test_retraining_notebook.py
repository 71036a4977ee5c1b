"""The retraining notebook runs end to end on the real bank data and leaves a champion in MLflow."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from forecasting import registry

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "retraining.ipynb"


def empty_store(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A directory holding a new, empty MLflow store.

    Creating MLflow's schema runs dozens of migrations (seconds), so the session builds one
    empty store and every module gets a copy of its database file.
    """
    template = tmp_path_factory.getbasetemp() / "mlflow-empty-store"
    if not (template / "mlflow.db").exists():
        building = tmp_path_factory.mktemp("mlflow-building")
        registry.list_models(uri=f"sqlite:///{building / 'mlflow.db'}")
        building.rename(template)
    target = tmp_path_factory.mktemp(name)
    shutil.copyfile(template / "mlflow.db", target / "mlflow.db")
    return target


def _text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    return "\n".join(parts)


def test_retraining_notebook_registers_a_reproducible_champion(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = empty_store(tmp_path_factory, "mlflow-notebook")
    monkeypatch.setenv(registry.URI_ENV_VAR, str(store))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()

    printed = "\n".join(_text(cell) for cell in notebook.cells if cell.cell_type == "code")
    assert str(shared_data / "bank_calls" / "bank_calls_5min.csv") in printed
    assert "21294 five-minute rows -> 7182 fifteen-minute rows over 126 days" in printed
    assert "reproduces the in-memory forecast exactly" in printed
    images = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(images) == 3

    [model] = registry.list_models(uri=registry.tracking_uri())
    assert model["name"] == "bank-volume"
    assert model["aliases"] == {"champion": 1}
    champion = model["versions"][0]
    assert champion["model"] in {"seasonal_naive", "seasonal_average", "ets"}
    assert f"best model: {champion['model']}" in printed
    # Fifteen-minute bank volumes are regular: every candidate stays well under 10 % WAPE.
    assert 0.0 < model["metrics"]["backtest_wape"] < 0.1
    assert (store / "mlflow.db").exists()
    assert list((store / "artifacts").rglob("python_model.pkl"))
