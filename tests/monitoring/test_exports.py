"""Exports to MLflow (file and SQLite stores) and Prometheus, with real libraries."""

from __future__ import annotations

import math

import pytest

from pytest_fairness import FairnessValueError
from pytest_fairness.monitoring import MonitorResult, monitor


@pytest.fixture(scope="module")
def result(make_log) -> MonitorResult:
    log = make_log(n=8_000, days=35, seed=9)
    return monitor(
        log,
        time="ts",
        freq="W",
        y_pred="approved",
        sensitive_features=["sex", "race"],
        bounds={"demographic_parity_difference": 0.1},
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("store", ["file", "sqlite"])
def test_mlflow_gets_one_metric_per_gate_and_group_with_a_step_per_window(
    result, tmp_path, store, monkeypatch
):
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    # MLflow 3 keeps the file store for those who opt in
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = (
        (tmp_path / "mlruns").as_uri()
        if store == "file"
        else f"sqlite:///{tmp_path}/mlflow.db"
    )
    mlflow.set_tracking_uri(uri)
    try:
        with pytest.raises(FairnessValueError, match="no active MLflow run"):
            result.to_mlflow()
        with mlflow.start_run() as run:
            run_id = result.to_mlflow()
        assert run_id == run.info.run_id
        client = mlflow.tracking.MlflowClient()
        history = client.get_metric_history(
            run_id, "fairness/demographic_parity_difference"
        )
        values = result.windows.sort_values("window_start")["value"].tolist()
        assert [m.step for m in history] == list(range(5))
        assert [
            m.value for m in sorted(history, key=lambda m: m.step)
        ] == pytest.approx(values)
        group = client.get_metric_history(
            run_id, "fairness/selection_rate/sex.female/race.black"
        )
        assert len(group) == 5
        alerts = client.get_metric_history(run_id, "fairness/alerts/bound")
        assert sum(m.value for m in alerts) == len(result.alerts_of("bound"))
        tags = client.get_run(run_id).data.tags
        assert tags["fairness.freq"] == "W"
        # into a named run, outside any active run
        other = client.create_run(
            client.get_experiment_by_name("Default").experiment_id
        )
        assert result.to_mlflow(run_id=other.info.run_id) == other.info.run_id
    finally:
        mlflow.set_tracking_uri("")


def test_prometheus_text_parses_and_is_written_atomically(result, tmp_path):
    parser = pytest.importorskip("prometheus_client.parser")
    path = tmp_path / "fairness.prom"
    text = result.to_prometheus(path, labels={"model": "loan"})
    assert path.read_text() == text
    assert list(tmp_path.iterdir()) == [path]
    families = {f.name: f for f in parser.text_string_to_metric_families(text)}
    assert families["pytest_fairness_disparity"].type == "gauge"
    (sample,) = families["pytest_fairness_disparity"].samples
    last = result.windows.iloc[-1]
    assert sample.labels == {"model": "loan", "metric": "demographic_parity_difference"}
    assert sample.value == pytest.approx(last["value"])
    rates = families["pytest_fairness_group_rate"].samples
    assert {s.labels["group"] for s in rates} == {
        "female, asian",
        "female, black",
        "female, white",
        "male, asian",
        "male, black",
        "male, white",
    }
    alerts = {
        s.labels["kind"]: s.value for s in families["pytest_fairness_alerts"].samples
    }
    assert set(alerts) == {"bound", "drift", "composition"}
    every = result.to_prometheus(window="all")
    samples = next(
        f
        for f in parser.text_string_to_metric_families(every)
        if f.name == "pytest_fairness_disparity"
    ).samples
    assert len(samples) == 5
    assert all(not math.isnan(s.value) for s in samples)
    with pytest.raises(FairnessValueError, match="window must be 'last' or 'all'"):
        result.to_prometheus(window="latest")
    with pytest.raises(FairnessValueError, match="not a Prometheus label name"):
        result.to_prometheus(labels={"model-name": "x"})
