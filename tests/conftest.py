"""Test set-up: 8 simulated CPU devices, the shared reference files, a real tiny tokenizer."""

import importlib.util
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Compiled programs are cached on disk, so subprocess tests and repeated shapes compile once.
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(REPO / ".jax_cache"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import jax  # noqa: E402

jax.config.update("jax_num_cpu_devices", 8)

import pytest  # noqa: E402

# The real-TFDS tests need the `tfds` extra (TensorFlow), which the main test environment leaves
# out; `.ci/tfds` runs them in an environment of their own. Without the library they are not
# collected, and the run says so at its end (no silent skip).
TFDS_TESTS = ["tasks/test_tfds_real.py"]
HAVE_TFDS = importlib.util.find_spec("tensorflow_datasets") is not None
collect_ignore = [] if HAVE_TFDS else TFDS_TESTS


def pytest_terminal_summary(terminalreporter):
    if not HAVE_TFDS:
        terminalreporter.write_line(
            f"not collected: tests/{', tests/'.join(TFDS_TESTS)} (no tensorflow_datasets here; "
            "`.ci/tfds` runs them with the tfds extra)"
        )


SHARED = Path(os.environ.get("JAXSTILTS_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` beside the checkout (XTREME mock files, MultiCheckList text)."""
    if not SHARED.is_dir():
        raise FileNotFoundError(f"{SHARED}: shared reference folder missing; set JAXSTILTS_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory, shared_dir) -> Path:
    """SentencePiece BPE trained on MultiCheckList's 50 languages, saved as XLM-R saves its own."""
    from jaxstilts.model.tokenizer import multichecklist_sentences, train_sentencepiece

    folder = tmp_path_factory.mktemp("tokenizer")
    sentences = multichecklist_sentences(shared_dir / "multichecklist" / "checklist_templates.tsv")
    train_sentencepiece(sentences, folder)
    return folder


@pytest.fixture(scope="session")
def tokenizer(tokenizer_dir):
    from jaxstilts.model.tokenizer import load_tokenizer

    return load_tokenizer(tokenizer_dir)
