"""Where the encoder comes from is decided once: the pretrained checkpoint is read by the first
phase only; the target phase and the evaluation take the previous phase's encoder."""

import json

from flax import nnx

from jaxstilts.experiment import model as experiment_model
from jaxstilts.experiment import run_experiment
from jaxstilts.model import XLMRConfig
from jaxstilts.model.modeling import MultiTaskModel
from jaxstilts.model.tokenizer import tiny_tokenizer_dir

from .sweep_config import get_config


def test_pretrained_read_once_span_target_without_validation(tmp_path, monkeypatch):
    reads = []

    def load_pretrained(source, **kwargs):
        reads.append(source)
        return MultiTaskModel(XLMRConfig.preset("tiny"), {}, rngs=nnx.Rngs(7))

    monkeypatch.setattr(experiment_model, "load_pretrained", load_pretrained)
    monkeypatch.setattr(experiment_model, "model_config", lambda config: XLMRConfig.preset("tiny"))
    c = get_config()
    c.model.pretrained, c.model.tokenizer = "hub/pretend-xlmr", str(tiny_tokenizer_dir())
    c.intermediate.tasks, c.target.task = ("mnli",), "xquad"
    c.evaluate.languages = ("en", "de")
    for phase in ("intermediate", "target"):
        c[phase].validate_every = 0  # no validation (it used to be refused by the loop)
    record = run_experiment(c, tmp_path)
    assert reads == ["hub/pretend-xlmr"]  # the intermediate phase's init; nothing after it
    assert set(record["results"]["xquad"]) == {"en", "de"}
    assert 0 <= record["score"] <= 100
    for phase in ("intermediate", "target"):
        done = json.loads((tmp_path / phase / "done.json").read_text())
        assert done["history"] == [] and done["best_score"] is None
    assert (tmp_path / "eval" / "predictions" / "xquad" / "test-de.json").exists()
