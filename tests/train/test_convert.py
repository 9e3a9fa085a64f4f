"""`jaxstilts convert` writes into a new or empty folder only: anything there is refused, named."""

import numpy as np
import pytest
from flax import nnx

from jaxstilts.cli import main
from jaxstilts.convert import convert
from jaxstilts.model import XLMRConfig, XLMRModel, load_pretrained, save_pretrained
from jaxstilts.model.tokenizer import tiny_tokenizer_dir

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
    assert main(["convert", str(phase), str(fresh), "--tokenizer", tiny_tokenizer_dir()]) == 0
    assert sorted(p.name for p in fresh.iterdir()) == [
        "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    back = load_pretrained(fresh)
    want = load_pretrained(hf_folder)
    np.testing.assert_array_equal(np.asarray(back.encoder.embeddings.word[...]),
                                  np.asarray(want.encoder.embeddings.word[...]))


def test_an_exported_run_phase_loads_in_transformers_and_in_jaxstilts(hf_folder, tmp_path,
                                                                      capsys):
    """RUN/target -> HF folder with the run's tokenizer (config.json names it): a folder that
    `transformers` loads and that jaxstilts takes as `--model` or `model.pretrained`."""
    import torch
    from transformers import AutoTokenizer, XLMRobertaModel

    from jaxstilts.config import load_config
    from jaxstilts.model import load_tokenizer

    run = tmp_path / "run"
    convert(hf_folder, run / "target")
    (run / "config.json").write_text(load_config("tiny").to_json_best_effort())
    out = tmp_path / "out"
    assert main(["convert", str(run / "target"), str(out)]) == 0
    assert "tokenizer included" in capsys.readouterr().out
    hf_tokenizer = AutoTokenizer.from_pretrained(str(out))
    ours = load_tokenizer(out)
    text = "Das Wetter ist heute schön."
    assert hf_tokenizer(text)["input_ids"] == load_tokenizer(tiny_tokenizer_dir())(text)[
        "input_ids"] == ours(text)["input_ids"]
    ids = np.asarray([hf_tokenizer(text)["input_ids"]])
    with torch.no_grad():
        want = XLMRobertaModel.from_pretrained(str(out)).eval()(torch.tensor(ids))
    got = load_pretrained(out)(ids, np.ones_like(ids))
    np.testing.assert_allclose(np.asarray(got), want.last_hidden_state.numpy(), atol=1e-4)


def test_a_phase_without_a_run_config_asks_for_the_tokenizer(hf_folder, tmp_path, capsys):
    phase = tmp_path / "phase"
    convert(hf_folder, phase)
    assert main(["convert", str(phase), str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (
        f"jaxstilts convert: {phase}: no run config.json above it says which tokenizer it was "
        "trained with: pass --tokenizer FOLDER_OR_HUB_ID\n")
    assert not (tmp_path / "out").exists()


def test_converting_a_missing_path_says_it_does_not_exist(tmp_path, capsys):
    assert main(["convert", str(tmp_path / "nope"), str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (f"jaxstilts convert: {tmp_path / 'nope'}: no such file "
                                       "or folder\n")


def test_an_exported_model_is_readable_by_others_as_the_umask_allows(hf_folder):
    import os

    umask = os.umask(0)
    os.umask(umask)
    for name in ("config.json", "model.safetensors"):
        assert (hf_folder / name).stat().st_mode & 0o777 == 0o666 & ~umask, name


def test_a_phase_folder_as_the_pretrained_model_says_to_convert_it(hf_folder, tmp_path, capsys):
    phase = tmp_path / "phase"
    assert "model.pretrained takes the Hugging Face folder itself" in convert(hf_folder, phase)
    assert main(["run", "tiny", "--workdir", str(tmp_path / "W"),
                 f"--config.model.pretrained={phase}"]) == 2
    assert capsys.readouterr().err == (
        f"jaxstilts run: model.pretrained={str(phase)!r} is a phase folder (Orbax checkpoints), "
        f"not a Hugging Face folder: `jaxstilts convert {phase} HF_FOLDER` makes one, then "
        "--config.model.pretrained=HF_FOLDER\n")
    assert not (tmp_path / "W").exists()
