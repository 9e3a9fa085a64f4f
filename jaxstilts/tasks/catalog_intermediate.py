"""The paper's nine English intermediate tasks (Phang et al. 2020, Table 1).

Local layouts follow each dataset's official release, relative to the data directory; hub ids are
the parquet datasets on the Hugging Face hub.
"""

from __future__ import annotations

from jaxstilts.tasks.base import HubSource, Kind, LocalSource, RowMap, Sources, Task, TfdsSource

EN = ("en",)
NLI_LABELS = ("entailment", "neutral", "contradiction")
TRAIN_DEV = {"train": EN, "validation": EN}
# jiant's HellaSwag (jiant/tasks/lib/hellaswag.py): prompt ctx_a, choices ctx_b + " " + ending
HELLASWAG_ROWS = RowMap(fields={"context": "ctx_a", "choices": "endings", "label": "label",
                                "id": "ind"}, choice_prefix="ctx_b")
INTERMEDIATE = frozenset({"intermediate"})
ENGLISH_TRAIN = frozenset({"english_train"})  # the English training data of a target task

# Hub and TFDS NLI datasets share columns and class names (entailment, neutral, contradiction).
HUB_NLI = RowMap(fields={"text_a": "premise", "text_b": "hypothesis", "label": "label"})
GLUE_MNLI_TSV = RowMap(
    fields={"text_a": "sentence1", "text_b": "sentence2", "label": "gold_label", "id": "pairID"}
)
SNLI_JSONL = RowMap(
    fields={"text_a": "sentence1", "text_b": "sentence2", "label": "gold_label", "id": "pairID"},
    exclude_labels=("-",),
)
ANLI_JSONL = RowMap(
    fields={"text_a": "context", "text_b": "hypothesis", "label": "label", "id": "uid"},
    label_map={"e": "entailment", "n": "neutral", "c": "contradiction"},
)
ANLI_ROUNDS = ("R1", "R2", "R3")

MNLI_HUB = HubSource(
    "nyu-mll/glue",
    {"train": "train", "validation": "validation_matched"},
    name="mnli",
    rows=HUB_NLI,
)
MNLI_LOCAL = LocalSource(
    "tsv",
    {"train": "MNLI/train.tsv", "validation": "MNLI/dev_matched.tsv"},
    GLUE_MNLI_TSV,
    note="GLUE MNLI, https://dl.fbaipublicfiles.com/glue/data/MNLI.zip",
)
MNLI_TFDS = TfdsSource("glue/mnli", {"train": "train", "validation": "validation_matched"}, HUB_NLI)

SQUAD_FIELDS = RowMap()  # hub, TFDS and the SQuAD JSON reader all give the canonical columns


def _squad(version: str) -> Sources:
    files = {"train": f"squad/train-v{version}.json", "validation": f"squad/dev-v{version}.json"}
    hub_id = "rajpurkar/squad_v2" if version == "2.0" else "rajpurkar/squad"
    return Sources(
        hub=(HubSource(hub_id, {"train": "train", "validation": "validation"}),),
        local=(
            LocalSource(
                "squad_json",
                files,
                SQUAD_FIELDS,
                note="https://rajpurkar.github.io/SQuAD-explorer/",
            ),
        ),
        tfds=(TfdsSource(f"squad/v{version}", {"train": "train", "validation": "validation"}),),
    )


TASKS = [
    Task(
        name="anli_plus",
        kind=Kind.PAIR_CLASSIFICATION,
        metric="accuracy",
        languages=EN,
        splits=TRAIN_DEV,
        labels=NLI_LABELS,
        tags=INTERMEDIATE,
        description="ANLI+: SNLI + MNLI + ANLI R1-R3 training data on one NLI head; "
        "validated on ANLI R1-R3 dev.",
        sources=Sources(
            hub=(
                HubSource("stanfordnlp/snli", {"train": "train"}, rows=HUB_NLI),
                HubSource("nyu-mll/glue", {"train": "train"}, name="mnli", rows=HUB_NLI),
                HubSource(
                    "facebook/anli",
                    {
                        "train": ("train_r1", "train_r2", "train_r3"),
                        "validation": ("dev_r1", "dev_r2", "dev_r3"),
                    },
                    rows=RowMap(
                        fields={
                            "text_a": "premise",
                            "text_b": "hypothesis",
                            "label": "label",
                            "id": "uid",
                        }
                    ),
                ),
            ),
            local=(
                LocalSource(
                    "jsonl",
                    {"train": "snli_1.0/snli_1.0_train.jsonl"},
                    SNLI_JSONL,
                    note="https://nlp.stanford.edu/projects/snli/snli_1.0.zip",
                ),
                LocalSource(
                    "tsv", {"train": "MNLI/train.tsv"}, GLUE_MNLI_TSV, note=MNLI_LOCAL.note
                ),
                LocalSource(
                    "jsonl",
                    {
                        "train": tuple(f"anli_v1.0/{r}/train.jsonl" for r in ANLI_ROUNDS),
                        "validation": tuple(f"anli_v1.0/{r}/dev.jsonl" for r in ANLI_ROUNDS),
                    },
                    ANLI_JSONL,
                    note="https://dl.fbaipublicfiles.com/anli/anli_v1.0.zip",
                ),
            ),
            tfds=(
                TfdsSource("snli", {"train": "train"}, HUB_NLI),
                TfdsSource("glue/mnli", {"train": "train"}, HUB_NLI),
                *(
                    TfdsSource(
                        f"anli/r{r}",
                        {"train": "train", "validation": "validation"},
                        ANLI_JSONL,  # TFDS's ClassLabel names the classes e/n/c, as the JSONL
                    )
                    for r in (1, 2, 3)
                ),
            ),
        ),
    ),
    Task(
        name="mnli",
        kind=Kind.PAIR_CLASSIFICATION,
        metric="accuracy",
        languages=EN,
        splits=TRAIN_DEV,
        labels=NLI_LABELS,
        tags=INTERMEDIATE | ENGLISH_TRAIN,
        description="MultiNLI (GLUE); also XNLI's English training data.",
        sources=Sources(hub=(MNLI_HUB,), local=(MNLI_LOCAL,), tfds=(MNLI_TFDS,)),
    ),
    Task(
        name="qqp",
        kind=Kind.PAIR_CLASSIFICATION,
        metric="accuracy",
        languages=EN,
        splits=TRAIN_DEV,
        labels=("not_duplicate", "duplicate"),
        tags=INTERMEDIATE,
        description="Quora Question Pairs (GLUE).",
        sources=Sources(
            hub=(
                HubSource(
                    "nyu-mll/glue",
                    {"train": "train", "validation": "validation"},
                    name="qqp",
                    rows=RowMap(
                        fields={
                            "text_a": "question1",
                            "text_b": "question2",
                            "label": "label",
                            "id": "idx",
                        }
                    ),
                ),
            ),
            local=(
                LocalSource(
                    "tsv",
                    {"train": "QQP/train.tsv", "validation": "QQP/dev.tsv"},
                    RowMap(
                        fields={
                            "text_a": "question1",
                            "text_b": "question2",
                            "label": "is_duplicate",
                            "id": "id",
                        },
                        label_map={"0": "not_duplicate", "1": "duplicate"},
                    ),
                    note="GLUE QQP, https://dl.fbaipublicfiles.com/glue/data/QQP-clean.zip",
                ),
            ),
            tfds=(
                TfdsSource(
                    "glue/qqp",
                    {"train": "train", "validation": "validation"},
                    RowMap(
                        fields={
                            "text_a": "question1",
                            "text_b": "question2",
                            "label": "label",
                            "id": "idx",
                        }
                    ),
                ),
            ),
        ),
    ),
    Task(
        name="sst2",
        kind=Kind.PAIR_CLASSIFICATION,
        metric="accuracy",
        languages=EN,
        splits=TRAIN_DEV,
        labels=("negative", "positive"),
        tags=INTERMEDIATE,
        description="Stanford Sentiment Treebank, binary (GLUE); single sentences.",
        sources=Sources(
            hub=(
                HubSource(
                    "nyu-mll/glue",
                    {"train": "train", "validation": "validation"},
                    name="sst2",
                    rows=RowMap(
                        fields={"text_a": "sentence", "text_b": None, "label": "label", "id": "idx"}
                    ),
                ),
            ),
            local=(
                LocalSource(
                    "tsv",
                    {"train": "SST-2/train.tsv", "validation": "SST-2/dev.tsv"},
                    RowMap(
                        fields={"text_a": "sentence", "text_b": None, "label": "label"},
                        label_map={"0": "negative", "1": "positive"},
                    ),
                    note="GLUE SST-2, https://dl.fbaipublicfiles.com/glue/data/SST-2.zip",
                ),
            ),
            tfds=(
                TfdsSource(
                    "glue/sst2",
                    {"train": "train", "validation": "validation"},
                    RowMap(
                        fields={"text_a": "sentence", "text_b": None, "label": "label", "id": "idx"}
                    ),
                ),
            ),
        ),
    ),
    Task(
        name="squad_v2",
        kind=Kind.SPAN_EXTRACTION,
        metric="squad_v2",
        languages=EN,
        splits=TRAIN_DEV,
        unanswerable=True,
        tags=INTERMEDIATE,
        description="SQuAD v2.0: extractive QA with unanswerable questions.",
        sources=_squad("2.0"),
    ),
    Task(
        name="squad_v1",
        kind=Kind.SPAN_EXTRACTION,
        metric="squad",
        languages=EN,
        splits=TRAIN_DEV,
        tags=ENGLISH_TRAIN,
        description="SQuAD v1.1: English training data of XQuAD and MLQA.",
        sources=_squad("1.1"),
    ),
    Task(
        name="hellaswag",
        kind=Kind.MULTIPLE_CHOICE,
        metric="accuracy",
        languages=EN,
        splits=TRAIN_DEV,
        num_choices=4,
        tags=INTERMEDIATE,
        description="HellaSwag: pick the ending of a context, as jiant: `ctx_a` | `ctx_b` + "
        "ending (TFDS has only the joined context: `ctx` | ending there).",
        sources=Sources(
            hub=(
                HubSource(
                    "Rowan/hellaswag",
                    {"train": "train", "validation": "validation"},
                    rows=HELLASWAG_ROWS,
                ),
            ),
            local=(
                LocalSource(
                    "jsonl",
                    {
                        "train": "hellaswag/hellaswag_train.jsonl",
                        "validation": "hellaswag/hellaswag_val.jsonl",
                    },
                    HELLASWAG_ROWS,
                    note="https://github.com/rowanz/hellaswag/tree/master/data",
                ),
            ),
            tfds=(
                TfdsSource(
                    "hellaswag",
                    {"train": "train", "validation": "validation"},
                    RowMap(
                        fields={
                            "context": "context",
                            "choices": "endings",
                            "label": "label",
                            "id": None,
                        }
                    ),
                ),
            ),
        ),
    ),
    Task(
        name="ccg",
        kind=Kind.TAGGING,
        metric="token_accuracy",
        languages=EN,
        splits={"train": EN, "validation": EN, "test": EN},
        labels=None,
        tags=INTERMEDIATE,
        description="CCG supertagging (CCGbank) as jiant: `text<TAB>tags` lines, and a fixed "
        "supertag inventory -- every tag of train, test and dev in first-seen order, as jiant's "
        "ccg_to_num.py numbers them (1363 on CCGbank; `featurize.tag_inventory`).",
        sources=Sources(
            local=(
                LocalSource(
                    "tagged_lines",
                    {"train": "ccg/ccg.train", "validation": "ccg/ccg.dev", "test": "ccg/ccg.test"},
                    note="CCGbank (LDC2005T13) converted by jiant's scripts/ccg/ccg_proc.py "
                    "(sections 00-18 / 19-21 / 22-24, one `text<TAB>tags` line per sentence)",
                ),
            ),
            hub_unavailable="CCGbank is licensed by the LDC (LDC2005T13) and not on the hub; "
            "convert it with jiant's scripts/ccg/ccg_proc.py into ccg/ccg.{train,dev,test} and "
            "use source='local'",
        ),
    ),
    Task(
        name="cosmos_qa",
        kind=Kind.MULTIPLE_CHOICE,
        metric="accuracy",
        languages=EN,
        splits=TRAIN_DEV,
        num_choices=4,
        tags=INTERMEDIATE,
        description="Cosmos QA: commonsense reading comprehension (context + question).",
        sources=Sources(
            hub=(
                HubSource(
                    "allenai/cosmos_qa",
                    {"train": "train", "validation": "validation"},
                    rows=RowMap(
                        fields={
                            "context": ["context", "question"],
                            "choices": ["answer0", "answer1", "answer2", "answer3"],
                            "label": "label",
                            "id": "id",
                        }
                    ),
                ),
            ),
            local=(
                LocalSource(
                    "csv",
                    {"train": "cosmosqa/train.csv", "validation": "cosmosqa/valid.csv"},
                    RowMap(
                        fields={
                            "context": ["context", "question"],
                            "choices": ["answer0", "answer1", "answer2", "answer3"],
                            "label": "label",
                            "id": "id",
                        }
                    ),
                    note="https://github.com/wilburOne/cosmosqa/tree/master/data",
                ),
            ),
        ),
    ),
    Task(
        name="commonsense_qa",
        kind=Kind.MULTIPLE_CHOICE,
        metric="accuracy",
        languages=EN,
        splits=TRAIN_DEV,
        num_choices=5,
        tags=INTERMEDIATE,
        description="CommonsenseQA: a question and five answers.",
        sources=Sources(
            hub=(
                HubSource(
                    "tau/commonsense_qa",
                    {"train": "train", "validation": "validation"},
                    rows=RowMap(
                        fields={
                            "context": "question",
                            "choices": "choices.text",
                            "label": "answerKey",
                            "id": "id",
                        },
                        label_map={k: i for i, k in enumerate("ABCDE")},
                    ),
                ),
            ),
            local=(
                LocalSource(
                    "jsonl",
                    {
                        "train": "commonsenseqa/train_rand_split.jsonl",
                        "validation": "commonsenseqa/dev_rand_split.jsonl",
                    },
                    RowMap(
                        fields={
                            "context": "question.stem",
                            "choices": "question.choices[].text",
                            "label": "answerKey",
                            "id": "id",
                        },
                        label_map={k: i for i, k in enumerate("ABCDE")},
                    ),
                    note="https://www.tau-nlp.sites.tau.ac.il/commonsenseqa",
                ),
            ),
        ),
    ),
]
