"""`jaxstilts convert` writes into a new or empty folder only: anything there is refused, named."""

import numpy as np
import pytest
from flax import nnx

from jaxstilts.cli import main
from jaxstilts.convert import convert
from jaxstilts.model import XLMRConfig, XLMRModel, load_pretrained, save_pretrained

CFG = XLMRConfig.preset("tiny", num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                        intermediate_size=64)


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hf")
    save_pretrained(XLMRModel(CFG, None, rngs=nnx.Rngs(0)), folder)
    return folder


def test_converting_into_a_phase_folder_with_checkpoints_is_refused_naming_them(
        hf_folder, tmp_path, capsys):
    phase = tmp_path / "phase"
    assert "step 0" in convert(hf_folder, phase)
    (phase / "checkpoints" / "4").mkdir()  # a later step, as a trained phase has
    assert main(["convert", str(hf_folder), str(phase)]) == 2
    err = capsys.readouterr().err
    assert err == (f"jaxstilts convert: {phase} is not empty (it holds checkpoints/ (steps 0, 4), "
                   "model_config.json); convert into a new or empty folder\n")


def test_converting_into_a_non_empty_model_folder_is_refused_and_leaves_it_alone(
        hf_folder, tmp_path, capsys):
    phase = tmp_path / "phase"
    convert(hf_folder, phase)
    out = tmp_path / "out"
    out.mkdir()
    (out / "config.json").write_text("{}")
    (out / "pytorch_model.bin").write_bytes(b"old weights")
    assert main(["convert", str(phase), str(out)]) == 2
    assert "holds config.json, pytorch_model.bin" in capsys.readouterr().err
    assert (out / "config.json").read_text() == "{}"
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "pytorch_model.bin"]
    fresh = tmp_path / "fresh"
    assert main(["convert", str(phase), str(fresh)]) == 0
    assert sorted(p.name for p in fresh.iterdir()) == ["config.json", "model.safetensors"]
    back = load_pretrained(fresh)
    want = load_pretrained(hf_folder)
    np.testing.assert_array_equal(np.asarray(back.encoder.embeddings.word[...]),
                                  np.asarray(want.encoder.embeddings.word[...]))
