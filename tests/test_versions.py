"""The jax/flax pairing check in `jaxstilts/__init__.py`: a known-broken pair is named at import."""

import importlib

import pytest

import jaxstilts


def _with_versions(monkeypatch, versions: dict[str, str]) -> None:
    import importlib.metadata as metadata

    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: versions.get(name) or real(name))


def test_flax_too_old_for_jax_is_named_with_the_fix(monkeypatch):
    _with_versions(monkeypatch, {"jax": "0.11.2", "flax": "0.12.8"})
    with pytest.raises(ImportError, match=r"flax 0.12.8 does not work with jax 0.11.2; pip "
                                          r"install 'flax>=0.12.10'"):
        importlib.reload(jaxstilts)


@pytest.mark.parametrize("jax_version,flax_version", [("0.10.2", "0.12.8"), ("0.11.2", "0.12.10"),
                                                      ("0.11.2+cuda13", "0.12.10")])
def test_tested_pairs_import(monkeypatch, jax_version, flax_version):
    _with_versions(monkeypatch, {"jax": jax_version, "flax": flax_version})
    assert importlib.reload(jaxstilts).__version__
