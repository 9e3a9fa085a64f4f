"""`model.scan_layers` and workdirs recorded before it: their checkpoints hold unrolled layers."""

import json

from jaxstilts.config import experiment_defaults, load_config
from jaxstilts.experiment.model import model_config
from jaxstilts.workdir import config_differences


def test_a_workdir_recorded_before_the_key_resumes_only_unrolled(tmp_path):
    assert experiment_defaults().model.scan_layers is True  # scanned unless a config says not
    config = load_config("tiny", ["--config.model.scan_layers=True"])
    assert model_config(config).scan_layers is True
    recorded = json.loads(config.to_json_best_effort())
    del recorded["model"]["scan_layers"]
    (tmp_path / "config.json").write_text(json.dumps(recorded))
    assert config_differences(config, tmp_path) == {"model.scan_layers": (False, True)}
    unrolled = load_config("tiny", ["--config.model.scan_layers=False"])
    assert config_differences(unrolled, tmp_path) == {}
    assert model_config(unrolled).scan_layers is False
