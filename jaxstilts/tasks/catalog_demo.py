"""Demo tasks over the embedded data in `jaxstilts/assets/demo_data` (see its README): an English
intermediate NLI task in GLUE MNLI format (related to the target), an English single-sentence
sentiment task in GLUE SST-2 format (unrelated) and an XNLI-format target in 7 languages."""

from __future__ import annotations

from pathlib import Path

from jaxstilts.tasks.base import Kind, LocalSource, RowMap, Sources, Task
from jaxstilts.tasks.catalog_intermediate import EN, GLUE_MNLI_TSV, NLI_LABELS, TRAIN_DEV

DEMO_DATA = Path(__file__).resolve().parents[1] / "assets" / "demo_data"
DEMO_LANGS = ("en", "de", "ru", "zh", "ar", "hi", "th")

DEMO_NLI = Task(
    name="demo_nli",
    kind=Kind.PAIR_CLASSIFICATION,
    metric="accuracy",
    languages=EN,
    splits=TRAIN_DEV,
    labels=NLI_LABELS,
    max_length=64,
    tags=frozenset({"demo", "intermediate"}),
    description="Demo intermediate task: English NLI about objects in a room (MNLI format).",
    default_data_dir=str(DEMO_DATA),
    sources=Sources(
        local=(
            LocalSource(
                "tsv",
                {"train": "demo_nli/train.tsv", "validation": "demo_nli/dev_matched.tsv"},
                GLUE_MNLI_TSV,
            ),
        ),
    ),
)

DEMO_SST = Task(
    name="demo_sst",
    kind=Kind.PAIR_CLASSIFICATION,
    metric="accuracy",
    languages=EN,
    splits=TRAIN_DEV,
    labels=("negative", "positive"),
    max_length=64,
    tags=frozenset({"demo", "intermediate"}),
    description="Demo unrelated intermediate task: English single-sentence sentiment about "
    "objects in a room (GLUE SST-2 format).",
    default_data_dir=str(DEMO_DATA),
    sources=Sources(
        local=(
            LocalSource(
                "tsv",
                {"train": "demo_sst/train.tsv", "validation": "demo_sst/dev.tsv"},
                RowMap(
                    fields={"text_a": "sentence", "text_b": None, "label": "label"},
                    label_map={"0": "negative", "1": "positive"},
                ),
            ),
        ),
    ),
)

DEMO_XNLI = Task(
    name="demo_xnli",
    scored_as="xnli",  # a stand-in for XNLI: its folder and scorer
    kind=Kind.PAIR_CLASSIFICATION,
    metric="accuracy",
    languages=DEMO_LANGS,
    splits={**TRAIN_DEV, "test": DEMO_LANGS},
    labels=NLI_LABELS,
    max_length=64,
    train_task="demo_xnli",
    tags=frozenset({"demo"}),
    description="Demo target task: comparative sentences, English train/dev, zero-shot test in "
    "6 more languages (XNLI-1.0 format).",
    default_data_dir=str(DEMO_DATA),
    sources=Sources(
        local=(
            LocalSource(
                "tsv",
                {
                    "train": "demo_xnli/xnli.train.tsv",
                    "validation": "demo_xnli/xnli.dev.tsv",
                    "test": "demo_xnli/xnli.test.tsv",
                },
                RowMap(
                    fields={
                        "text_a": "sentence1",
                        "text_b": "sentence2",
                        "label": "gold_label",
                        "id": "pairID",
                    },
                    where={"language": "{lang}"},
                ),
            ),
        ),
    ),
)

TASKS = (DEMO_NLI, DEMO_SST, DEMO_XNLI)


def demo_mlm_files() -> dict[str, Path]:
    """Language -> plain-text file (one sentence per line) for continued masked-LM training."""
    return {path.stem: path for path in sorted((DEMO_DATA / "mlm").glob("*.txt"))}
