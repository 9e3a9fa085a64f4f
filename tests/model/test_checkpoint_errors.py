"""Broken checkpoints and configs fail with a message naming the file or parameter."""

import json
import shutil

import pytest

from jaxstilts.model import XLMRConfig, load_pretrained


def copy_checkpoint(src, dst):
    shutil.copytree(src, dst)
    return dst


def test_missing_folder_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere/model: no such folder"):
        load_pretrained(str(tmp_path / "nowhere" / "model"))


def test_missing_weights_name_the_folder_and_the_expected_files(hf_checkpoint, tmp_path):
    folder = copy_checkpoint(hf_checkpoint(None)[0], tmp_path / "ckpt")
    (folder / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"ckpt: no weights \(expected one of model"):
        load_pretrained(folder)


def test_missing_config_is_named(hf_checkpoint, tmp_path):
    folder = copy_checkpoint(hf_checkpoint(None)[0], tmp_path / "ckpt")
    (folder / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match="config.json: no such file"):
        load_pretrained(folder)


def test_a_config_that_is_not_xlmr_is_refused(hf_checkpoint, tmp_path):
    folder = copy_checkpoint(hf_checkpoint(None)[0], tmp_path / "ckpt")
    cfg = json.loads((folder / "config.json").read_text())
    cfg["model_type"] = "bert"
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match=r"config.json: model_type is 'bert', not an XLM-R"):
        load_pretrained(folder)


def test_config_validation_names_the_field():
    with pytest.raises(ValueError, match="hidden_size 50 is not a multiple of num_attention_heads"):
        XLMRConfig(hidden_size=50, num_attention_heads=3)
    with pytest.raises(ValueError, match="dtype='float16'"):
        XLMRConfig(dtype="float16")
    with pytest.raises(ValueError, match="unknown model preset 'huge'"):
        XLMRConfig.preset("huge")


def test_a_weight_with_the_wrong_shape_names_the_parameter(hf_checkpoint, tmp_path):
    folder = copy_checkpoint(hf_checkpoint(None)[0], tmp_path / "ckpt")
    cfg = json.loads((folder / "config.json").read_text())
    cfg["intermediate_size"] = 96  # the file's FFN weights are 80 wide
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match=r"tensor roberta.encoder.layer.0.intermediate.dense.bias "
                                         r"has shape \(80,\), expected \(96,\)"):
        load_pretrained(folder)


def test_a_truncated_safetensors_file_is_reported(hf_checkpoint, tmp_path):
    folder = copy_checkpoint(hf_checkpoint(None)[0], tmp_path / "ckpt")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"model.safetensors: cannot read safetensors file .*"
                                         r"truncated or corrupt"):
        load_pretrained(folder)


def test_a_checkpoint_missing_an_encoder_tensor_is_refused(hf_checkpoint, tmp_path):
    from safetensors.numpy import load_file, save_file

    folder = copy_checkpoint(hf_checkpoint(None)[0], tmp_path / "ckpt")
    tensors = load_file(folder / "model.safetensors")
    del tensors["encoder.layer.2.output.dense.weight"]
    save_file(tensors, folder / "model.safetensors")
    with pytest.raises(ValueError, match="lacks encoder tensor "
                                         "roberta.encoder.layer.2.output.dense.weight"):
        load_pretrained(folder)


def test_an_uncached_hub_id_offline_says_what_to_download(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(FileNotFoundError, match=r"hf download FacebookAI/xlm-roberta-large"):
        load_pretrained("FacebookAI/xlm-roberta-large")
