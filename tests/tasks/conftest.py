"""Fixture files in official formats (tests/fixtures/data) and the languages each task has there."""

from pathlib import Path

import datasets
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"

# Languages with fixture files, per task (tasks not listed: English only).
FIXTURE_LANGUAGES = {
    "xnli": ("en", "de", "ru", "ar", "hi", "zh", "th"),
    "pawsx": ("en", "de", "ja", "zh", "ko"),
    "udpos": ("en", "de", "ru", "ar", "hi", "zh", "ja", "th"),
    "udpos_xtreme_r": ("en", "pl"),
    "panx": ("en", "de", "ru", "ar", "hi", "zh", "ja", "th"),
    "panx_xtreme_r": ("en", "pl"),
    "xquad": ("en", "de", "ru", "ar", "hi", "zh", "th"),
    "xquad_xtreme_r": ("en", "ro"),
    "mlqa": ("en", "de", "ar", "hi", "zh"),
    "tydiqa": ("en", "ar", "bn", "ko", "ru", "te"),
    "bucc2018": ("de", "fr", "ru", "zh"),
    "tatoeba": ("de", "ru", "ar", "hi", "zh", "ja", "th"),
    "tatoeba_xtreme_r": ("de", "pl"),
    "xcopa": ("zh", "th", "ta", "it", "et"),
    "mewslix": ("en", "ar", "ja", "uk", "de"),
    "lareqa": ("en", "de", "ar", "zh", "th"),
}


def fixture_languages(task, split: str) -> tuple[str, ...]:
    wanted = FIXTURE_LANGUAGES.get(task.name, ("en",))
    return tuple(lang for lang in task.languages_of(split) if lang in wanted)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True, scope="session")
def _quiet_datasets():
    datasets.disable_progress_bars()
    yield
