"""Test set-up: 8 simulated CPU devices, the reference files in the checkout, a real tiny tokenizer.

Everything the tests read lies inside the repository: XTREME's mock files under
`tests/fixtures/xtreme_mock/`, MultiCheckList's templates in the package's assets.
"""

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


XTREME_MOCK = REPO / "tests" / "fixtures" / "xtreme_mock"


@pytest.fixture(scope="session")
def mock_dir() -> Path:
    """XTREME's mock predictions and labels, with the scores its evaluate.py gives on them."""
    return XTREME_MOCK


@pytest.fixture(scope="session")
def multichecklist_sentences():
    """Every template sentence of XTREME-R's MultiCheckList (50 languages), from the package."""
    from jaxstilts.model.tokenizer import multichecklist_path, multichecklist_sentences

    return multichecklist_sentences(multichecklist_path())


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory, multichecklist_sentences) -> Path:
    """SentencePiece BPE trained on MultiCheckList's 50 languages, saved as XLM-R saves its own."""
    from jaxstilts.model.tokenizer import train_sentencepiece

    folder = tmp_path_factory.mktemp("tokenizer")
    sentences = multichecklist_sentences
    train_sentencepiece(sentences, folder)
    return folder


@pytest.fixture(scope="session")
def tokenizer(tokenizer_dir):
    from jaxstilts.model.tokenizer import load_tokenizer

    return load_tokenizer(tokenizer_dir)
