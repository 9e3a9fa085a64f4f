"""XTREME targets (Hu et al. 2020) with their languages, their English training data, and the
XTREME-R additions (Ruder et al. 2021): XCOPA, Mewsli-X, LAReQA and wider language sets.

Local layouts, relative to the data directory: the official releases (the files
`scripts/download_data.sh` of google-research/xtreme downloads, before its processing), and the
folders that script writes (`Sources.download`: `udpos/`, `panx/`, `pawsx/`, `xnli/`, `tatoeba/`,
`bucc2018/`, `mlqa/MLQA_V1/`), read where the release files are not there; XQuAD's processed
files keep the release names. Where the script removed the test gold (labels, tags, Tatoeba's
alignment, BUCC's test pairs, XQuAD/MLQA answers) the test split is predicted and written, not
scored. `jaxstilts data` says which layout is found and what is missing. Zero-shot transfer trains
on the English `train` split named by `train_task` and evaluates every language of `test`.
"""

from __future__ import annotations

from dataclasses import replace

from jaxstilts.languages import sorted_languages
from jaxstilts.tasks.base import HubSource, Kind, LocalSource, RowMap, Sources, Task, TfdsSource
from jaxstilts.tasks.catalog_intermediate import EN, ENGLISH_TRAIN, HUB_NLI, NLI_LABELS, TRAIN_DEV

XTREME = frozenset({"xtreme"})
XTREME_R = frozenset({"xtreme_r"})

XNLI_LANGS = sorted_languages("xtreme", "xnli")
PAWSX_LANGS = sorted_languages("xtreme", "pawsx")
UDPOS_LANGS = sorted_languages("xtreme", "udpos")
UDPOS_R_LANGS = sorted_languages("xtreme-r", "udpos")
PANX_LANGS = sorted_languages("xtreme", "panx")
PANX_R_LANGS = sorted_languages("xtreme-r", "panx")
XQUAD_LANGS = sorted_languages("xtreme", "xquad")
XQUAD_R_LANGS = sorted_languages("xtreme-r", "xquad")
MLQA_LANGS = sorted_languages("xtreme", "mlqa")
TYDIQA_LANGS = sorted_languages("xtreme", "tydiqa")
BUCC_LANGS = sorted_languages("xtreme", "bucc2018")
TATOEBA_LANGS = sorted_languages("xtreme", "tatoeba")
TATOEBA_R_LANGS = sorted_languages("xtreme-r", "tatoeba")
XCOPA_LANGS = sorted_languages("xtreme-r", "xcopa")
MEWSLIX_LANGS = sorted_languages("xtreme-r", "mewslix")
LAREQA_LANGS = sorted_languages("xtreme-r", "lareqa")

UPOS = tuple(
    "ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X".split()
)
PANX_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")

# Dataset-specific language codes: UD-POS hub configs use English names, TyDiQA ids and files
# language names, Tatoeba ISO 639-3 codes.
UDPOS_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "kk": "Kazakh", "ko": "Korean",
    "mr": "Marathi", "nl": "Dutch", "pt": "Portuguese", "ru": "Russian", "ta": "Tamil",
    "te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "ur": "Urdu",
    "vi": "Vietnamese", "yo": "Yoruba", "zh": "Chinese", "lt": "Lithuanian", "pl": "Polish",
    "ro": "Romanian", "uk": "Ukrainian", "wo": "Wolof",
}  # fmt: skip
TYDIQA_NAMES = {
    "ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish", "id": "indonesian",
    "ko": "korean", "ru": "russian", "sw": "swahili", "te": "telugu",
}  # fmt: skip
TATOEBA_CODES = {
    "af": "afr", "ar": "ara", "bg": "bul", "bn": "ben", "de": "deu", "el": "ell", "es": "spa",
    "et": "est", "eu": "eus", "fa": "pes", "fi": "fin", "fr": "fra", "he": "heb", "hi": "hin",
    "hu": "hun", "id": "ind", "it": "ita", "ja": "jpn", "jv": "jav", "ka": "kat", "kk": "kaz",
    "ko": "kor", "ml": "mal", "mr": "mar", "nl": "nld", "pt": "por", "ru": "rus", "sw": "swh",
    "ta": "tam", "te": "tel", "th": "tha", "tl": "tgl", "tr": "tur", "ur": "urd", "vi": "vie",
    "zh": "cmn", "az": "aze", "lt": "lit", "pl": "pol", "ro": "ron", "uk": "ukr",
}  # fmt: skip


def _eval_splits(languages, *splits, train=EN):
    out = {split: tuple(languages) for split in splits}
    if train:
        out["train"] = tuple(train)
    return out


# download_data.sh: UD v2.5 for XTREME's languages, v2.7 only for those XTREME-R added
UD_V27_LANGS = ("lt", "pl", "uk", "wo", "ro")
UD_HANDLES = {"2.5": "1-3105", "2.7": "1-3424"}


def _udpos_local(*versions: str) -> LocalSource:
    """CoNLL-U files of every treebank of a language (`{lang}_<treebank>-ud-<split>.conllu`),
    converted as XTREME converts them (see `read_conllu`); with two versions, v2.7 serves only
    `UD_V27_LANGS`, as `download_data.sh` does."""
    per_language = {"*": {"ud": versions[0]}}
    if len(versions) > 1:
        per_language |= {lang: {"ud": versions[1]} for lang in UD_V27_LANGS}
    return LocalSource(
        "conllu",
        {
            split: f"ud-treebanks-v{{ud}}/UD_*/{{lang}}_*-ud-{name}.conllu"
            for split, name in (("train", "train"), ("validation", "dev"), ("test", "test"))
        },
        options={"xtreme": True, "template_values": per_language},
        note=" and ".join(f"UD v{v}: https://lindat.mff.cuni.cz/repository/xmlui/handle/11234/"
                          f"{UD_HANDLES[v]}" for v in versions),
    )


DOWNLOAD_NOTE = "scripts/download_data.sh of google-research/xtreme"


def _processed(fmt: str, folder: str, columns, rows: RowMap | None = None, test_columns=None,
               splits=("train", "dev")) -> tuple[LocalSource, LocalSource]:
    """A task's folder written by XTREME's download_data.sh (`<folder>/<split>-<lang>.tsv`):
    `splits` with their gold, and the test split without it (its `test_columns`; a test file
    that still has all `columns` is read with its gold: `sources.with_gold_if_present`)."""
    names = {"train": "train", "dev": "validation"}
    rows = rows or RowMap()
    tab = {"delimiter": "\t"} if fmt == "csv" else {}
    labelled = LocalSource(fmt, {names[n]: f"{folder}/{n}-{{lang}}.tsv" for n in splits}, rows,
                           options={"columns": columns, **tab}, note=DOWNLOAD_NOTE)
    test = LocalSource(fmt, {"test": f"{folder}/test-{{lang}}.tsv"}, rows,
                       options={"columns": test_columns, "labelled_columns": columns, **tab},
                       note=DOWNLOAD_NOTE, unlabelled=True)
    return labelled, test


# utils_preprocess.py writes sentence1, sentence2[, label] rows with csv.writer (tab-separated)
PROCESSED_PAIR = RowMap(fields={"text_a": "sentence1", "text_b": "sentence2", "label": "label"})
PAIR_COLUMNS = ("sentence1", "sentence2", "label")

SPAN = RowMap()  # SQuAD-format readers, the hub and TFDS all give canonical QA columns
BITEXT_HUB = RowMap(fields={"query": "source_sentence", "candidate": "target_sentence"})

XNLI = Task(
    name="xnli",
    scored_as="xnli",
    kind=Kind.PAIR_CLASSIFICATION,
    metric="accuracy",
    languages=XNLI_LANGS,
    splits=_eval_splits(XNLI_LANGS, "validation", "test", train=None),
    labels=NLI_LABELS,
    train_task="mnli",
    tags=XTREME,
    description="XNLI: MNLI-style dev/test in 15 languages; trained on English MNLI.",
    sources=Sources(
        hub=(
            HubSource(
                "facebook/xnli",
                {"validation": "validation", "test": "test"},
                name="{lang}",
                rows=HUB_NLI,
            ),
        ),
        local=(
            LocalSource(
                "tsv",
                {"validation": "XNLI-1.0/xnli.dev.tsv", "test": "XNLI-1.0/xnli.test.tsv"},
                RowMap(
                    fields={
                        "text_a": "sentence1",
                        "text_b": "sentence2",
                        "label": "gold_label",
                        "id": "pairID",
                    },
                    where={"language": "{lang}"},
                ),
                note="https://dl.fbaipublicfiles.com/XNLI/XNLI-1.0.zip",
            ),
        ),
        download=_processed("csv", "xnli", PAIR_COLUMNS, PROCESSED_PAIR, PAIR_COLUMNS[:2],
                            splits=("dev",)),
    ),
)

PAWSX = Task(
    name="pawsx",
    scored_as="pawsx",
    kind=Kind.PAIR_CLASSIFICATION,
    metric="accuracy",
    languages=PAWSX_LANGS,
    splits=_eval_splits(PAWSX_LANGS, "validation", "test"),
    labels=("0", "1"),
    train_task="pawsx",
    tags=XTREME | ENGLISH_TRAIN,
    description="PAWS-X paraphrase identification; English train.tsv is the training data.",
    sources=Sources(
        hub=(
            HubSource(
                "google-research-datasets/paws-x",
                {"train": "train", "validation": "validation", "test": "test"},
                name="{lang}",
                rows=RowMap(
                    fields={
                        "text_a": "sentence1",
                        "text_b": "sentence2",
                        "label": "label",
                        "id": "id",
                    }
                ),
            ),
        ),
        local=(
            LocalSource(
                "tsv",
                {
                    "train": "x-final/{lang}/train.tsv",
                    "validation": "x-final/{lang}/dev_2k.tsv",
                    "test": "x-final/{lang}/test_2k.tsv",
                },
                RowMap(
                    fields={
                        "text_a": "sentence1",
                        "text_b": "sentence2",
                        "label": "label",
                        "id": "id",
                    }
                ),
                note="https://storage.googleapis.com/paws/pawsx/x-final.tar.gz",
            ),
        ),
        download=_processed("csv", "pawsx", PAIR_COLUMNS, PROCESSED_PAIR, PAIR_COLUMNS[:2]),
    ),
)

UDPOS = Task(
    name="udpos",
    scored_as="udpos",
    kind=Kind.TAGGING,
    metric="seqeval_f1",
    languages=UDPOS_LANGS,
    splits=_eval_splits(UDPOS_LANGS, "validation", "test"),
    labels=UPOS,
    codes=UDPOS_NAMES,
    train_task="udpos",
    tags=XTREME | ENGLISH_TRAIN,
    description="UD-POS (UD v2.5; XTREME-R: v2.7 for lt/pl/uk/wo/ro): all treebanks of a "
    "language concatenated, converted as XTREME's download_data.sh; UPOS tags.",
    sources=Sources(
        hub=(
            HubSource(
                "google/xtreme",
                {"train": "train", "validation": "validation", "test": "test"},
                name="udpos.{code}",
                rows=RowMap(fields={"tokens": "tokens", "tags": "pos_tags"}),
            ),
        ),
        local=(_udpos_local("2.5"),),
        download=_processed("conll", "udpos", 2, test_columns=1),
    ),
)

PANX = Task(
    name="panx",
    scored_as="panx",
    kind=Kind.TAGGING,
    metric="seqeval_f1",
    languages=PANX_LANGS,
    splits=_eval_splits(PANX_LANGS, "validation", "test"),
    labels=PANX_TAGS,
    train_task="panx",
    tags=XTREME | ENGLISH_TRAIN,
    description="PAN-X / WikiANN named entities (Rahimi et al. splits).",
    sources=Sources(
        hub=(
            HubSource(
                "unimelb-nlp/wikiann",
                {"train": "train", "validation": "validation", "test": "test"},
                name="{lang}",
                rows=RowMap(fields={"tokens": "tokens", "tags": "ner_tags"}),
            ),
        ),
        local=(
            LocalSource(
                "conll",
                {
                    "train": "panx_dataset/{lang}/train",
                    "validation": "panx_dataset/{lang}/dev",
                    "test": "panx_dataset/{lang}/test",
                },
                options={"prefix": "{lang}:"},
                note="AmazonPhotos.zip of XTREME (per-language tars with train/dev/test)",
            ),
        ),
        download=_processed("conll", "panx", 2, test_columns=1),
        tfds=(
            TfdsSource(
                "wikiann/{lang}",
                {"train": "train", "validation": "validation", "test": "test"},
                RowMap(fields={"tokens": "tokens", "tags": "tags"}),
            ),
        ),
    ),
)

XQUAD = Task(
    name="xquad",
    scored_as="xquad",
    kind=Kind.SPAN_EXTRACTION,
    metric="squad",
    languages=XQUAD_LANGS,
    splits=_eval_splits(XQUAD_LANGS, "test", train=None),
    train_task="squad_v1",
    tags=XTREME,
    description="XQuAD: SQuAD v1.1 dev paragraphs translated into 10 languages.",
    sources=Sources(
        hub=(HubSource("google/xquad", {"test": "validation"}, name="xquad.{lang}"),),
        local=(
            LocalSource(
                "squad_json",
                {"test": "xquad/xquad.{lang}.json"},
                SPAN,
                note="https://github.com/deepmind/xquad",
            ),
        ),
    ),
)

MLQA = Task(
    name="mlqa",
    scored_as="mlqa",
    kind=Kind.SPAN_EXTRACTION,
    metric="mlqa",
    languages=MLQA_LANGS,
    splits=_eval_splits(MLQA_LANGS, "validation", "test", train=None),
    train_task="squad_v1",
    tags=XTREME,
    description="MLQA, same-language context/question pairs.",
    sources=Sources(
        hub=(
            HubSource(
                "google/xtreme",
                {"validation": "validation", "test": "test"},
                name="MLQA.{lang}.{lang}",
            ),
        ),
        local=(
            LocalSource(
                "squad_json",
                {
                    "validation": "MLQA_V1/dev/dev-context-{lang}-question-{lang}.json",
                    "test": "MLQA_V1/test/test-context-{lang}-question-{lang}.json",
                },
                SPAN,
                note="https://dl.fbaipublicfiles.com/MLQA/MLQA_V1.zip",
            ),
        ),
        # download_data.sh unzips the release into mlqa/ (test answers stripped: see validate)
        download=(
            LocalSource(
                "squad_json",
                {
                    "validation": "mlqa/MLQA_V1/dev/dev-context-{lang}-question-{lang}.json",
                    "test": "mlqa/MLQA_V1/test/test-context-{lang}-question-{lang}.json",
                },
                SPAN,
                note=DOWNLOAD_NOTE,
            ),
        ),
    ),
)

TYDIQA = Task(
    name="tydiqa",
    scored_as="tydiqa",
    kind=Kind.SPAN_EXTRACTION,
    metric="squad",
    languages=TYDIQA_LANGS,
    # validation: the English dev set, as jiant's tydiqa_en (its val is tydiqa.en.dev.json)
    splits={**_eval_splits(TYDIQA_LANGS, "test"), "validation": EN},
    codes=TYDIQA_NAMES,
    train_task="tydiqa",
    tags=XTREME | ENGLISH_TRAIN,
    description="TyDiQA-GoldP: English train, the official dev set as test (as XTREME does); "
    "the English dev set validates (as jiant does).",
    sources=Sources(
        hub=(
            HubSource(
                "google/xtreme",
                {"train": "train", "validation": "validation", "test": "validation"},
                name="tydiqa",
                rows=RowMap(where={"id": "{code}-*"}),
            ),
        ),
        local=(
            LocalSource(
                "squad_json",
                {
                    "train": "tydiqa/tydiqa-goldp-v1.1-train.json",
                    "validation": "tydiqa/tydiqa-goldp-v1.1-dev/tydiqa-goldp-dev-{code}.json",
                    "test": "tydiqa/tydiqa-goldp-v1.1-dev/tydiqa-goldp-dev-{code}.json",
                },
                RowMap(where={"id": "{code}-*"}),
                note="https://storage.googleapis.com/tydiqa/v1.1/ (GoldP train json, dev tgz)",
            ),
        ),
    ),
)

BUCC = Task(
    name="bucc2018",
    scored_as="bucc2018",
    kind=Kind.RETRIEVAL,
    metric="bucc_f1",
    languages=BUCC_LANGS,
    splits=_eval_splits(BUCC_LANGS, "validation", "test", train=None),
    tags=XTREME,
    description="BUCC 2018 parallel sentence mining against English; dev = the sample gold, "
    "test = the training gold (as XTREME does).",
    sources=Sources(
        # No hub source: mining among gold pairs only would inflate F1. With `data.source = hub`
        # (the paper configs) BUCC is read from the official files under `data.data_dir`.
        hub_unavailable="the hub copy (google/xtreme bucc18.*) holds only the gold pairs, not "
        "the non-parallel sentences the miner must reject; use the official sample/training "
        "corpora (local files)",
        local=(
            LocalSource(
                "bucc",
                {
                    split: tuple(
                        f"bucc2018/{{lang}}-en/{{lang}}-en.{name}.{side}"
                        for side in ("{lang}", "en", "gold")
                    )
                    for split, name in (("validation", "sample"), ("test", "training"))
                },
                note="https://comparable.limsi.fr/bucc2018/ (sample-gold and training-gold tars)",
            ),
        ),
        # download_data.sh renames sample -> dev, training -> test, and deletes the test gold
        download=(
            LocalSource(
                "bucc",
                {"validation": tuple(f"bucc2018/{{lang}}-en.dev.{side}"
                                     for side in ("{lang}", "en", "gold"))},
                note=DOWNLOAD_NOTE,
            ),
            LocalSource(
                "bucc",
                {"test": ("bucc2018/{lang}-en.test.{lang}", "bucc2018/{lang}-en.test.en")},
                note=DOWNLOAD_NOTE,
                unlabelled=True,
            ),
        ),
    ),
)

TATOEBA = Task(
    name="tatoeba",
    scored_as="tatoeba",
    kind=Kind.RETRIEVAL,
    metric="tatoeba_accuracy",
    languages=TATOEBA_LANGS,
    splits=_eval_splits(TATOEBA_LANGS, "test", train=None),
    codes=TATOEBA_CODES,
    tags=XTREME,
    description="Tatoeba (LASER v1): find each sentence's English translation.",
    sources=Sources(
        hub=(
            HubSource(
                "google/xtreme", {"test": "validation"}, name="tatoeba.{code}", rows=BITEXT_HUB
            ),
        ),
        local=(
            LocalSource(
                "tatoeba",
                {
                    "test": (
                        "tatoeba/v1/tatoeba.{code}-eng.{code}",
                        "tatoeba/v1/tatoeba.{code}-eng.eng",
                    )
                },
                BITEXT_HUB,
                note="https://github.com/facebookresearch/LASER/tree/main/data/tatoeba/v1",
            ),
        ),
        # download_data.sh sorts the English side: the line alignment (the gold) is gone
        download=(
            LocalSource(
                "tatoeba",
                {"test": ("tatoeba/{lang}-en.{lang}", "tatoeba/{lang}-en.en")},
                options={"aligned": False},
                note=DOWNLOAD_NOTE,
                unlabelled=True,
            ),
        ),
    ),
)

COPA_ROWS = RowMap(
    fields={
        "context": ["premise", "question"],
        "choices": ["choice1", "choice2"],
        "label": "label",
        "id": "idx",
    },
    # jiant's COPA (jiant/tasks/lib/copa.py): premise + " " + this question, choice as is
    value_maps={
        "question": {"cause": "What was the cause of this?", "effect": "What happened as a result?"}
    },
)

COPA = Task(
    name="copa",
    kind=Kind.MULTIPLE_CHOICE,
    metric="accuracy",
    languages=EN,
    splits=TRAIN_DEV,
    num_choices=2,
    tags=ENGLISH_TRAIN,
    description="COPA (SuperGLUE): English training data of XCOPA.",
    sources=Sources(
        hub=(
            HubSource(
                "aps/super_glue",
                {"train": "train", "validation": "validation"},
                name="copa",
                rows=COPA_ROWS,
            ),
        ),
        local=(
            LocalSource(
                "jsonl",
                {"train": "COPA/train.jsonl", "validation": "COPA/val.jsonl"},
                COPA_ROWS,
                note="https://dl.fbaipublicfiles.com/glue/superglue/data/v2/COPA.zip",
            ),
        ),
        tfds=(
            TfdsSource(
                "super_glue/copa",
                {"train": "train", "validation": "validation"},
                # TFDS's ClassLabel names the answers choice1/choice2: back to choice indices.
                replace(COPA_ROWS, label_map={"choice1": "0", "choice2": "1"}),
            ),
        ),
    ),
)

# Social IQa: jiant's prompt (jiant/tasks/lib/socialiqa.py) and XTREME-R's (third_party/
# run_xcopa.py) are both context + " " + question, against answerA/B/C. Labels are 1-based: the
# release's `*-labels.lst` lines; the hub's `label` column ("1\n" in copies made before
# huggingface/datasets#1633 stripped the newline, as jiant's own label map expects).
SIQA_ROWS = RowMap(
    fields={
        "context": ["context", "question"],
        "choices": ["answerA", "answerB", "answerC"],
        "label": "label",
    },
    label_map={**{str(i): i - 1 for i in (1, 2, 3)}, **{f"{i}\n": i - 1 for i in (1, 2, 3)}},
)

SIQA = Task(
    name="siqa",
    kind=Kind.MULTIPLE_CHOICE,
    metric="accuracy",
    languages=EN,
    splits=TRAIN_DEV,
    num_choices=3,
    tags=ENGLISH_TRAIN,
    description="Social IQa (Sap et al. 2019): the first stage of XTREME-R's XCOPA recipe.",
    sources=Sources(
        hub=(
            HubSource(
                "allenai/social_i_qa",
                {"train": "train", "validation": "validation"},
                rows=SIQA_ROWS,
            ),
        ),
        local=(
            LocalSource(
                "jsonl_labels",
                {
                    "train": (
                        "socialiqa-train-dev/train.jsonl",
                        "socialiqa-train-dev/train-labels.lst",
                    ),
                    "validation": (
                        "socialiqa-train-dev/dev.jsonl",
                        "socialiqa-train-dev/dev-labels.lst",
                    ),
                },
                SIQA_ROWS,
                note="https://storage.googleapis.com/ai2-mosaic/public/socialiqa/"
                "socialiqa-train-dev.zip",
            ),
        ),
    ),
)

XCOPA = Task(
    name="xcopa",
    scored_as="xcopa",
    kind=Kind.MULTIPLE_CHOICE,
    metric="accuracy",
    languages=XCOPA_LANGS,
    splits=_eval_splits(XCOPA_LANGS, "validation", "test", train=None),
    num_choices=2,
    train_task="copa",
    prepare_tasks=("siqa",),  # XTREME-R's scripts/train_xcopa.sh: SIQA, then COPA
    tags=XTREME_R,
    description="XCOPA: COPA translated into 11 languages.",
    sources=Sources(
        hub=(
            HubSource(
                "cambridgeltl/xcopa",
                {"validation": "validation", "test": "test"},
                name="{lang}",
                rows=COPA_ROWS,
            ),
        ),
        local=(
            LocalSource(
                "jsonl",
                {
                    "validation": "xcopa/data/{lang}/val.{lang}.jsonl",
                    "test": "xcopa/data/{lang}/test.{lang}.jsonl",
                },
                COPA_ROWS,
                note="https://github.com/cambridgeltl/xcopa/tree/master/data",
            ),
        ),
    ),
)

# XTREME-R fine-tunes a dual encoder for Mewsli-X and LAReQA on English pairs (scripts/
# train_mewslix.sh, train_lareqa.sh): 64 tokens a side for Mewsli-X, 96 question and 256 answer
# tokens for LAReQA (its batch, rate and epochs: configs/paper/common.py).
MEWSLIX_PAIRS = Task(
    name="mewslix_pairs",
    kind=Kind.RETRIEVAL_PAIRS,
    metric="accuracy",
    languages=EN,
    splits={"train": EN},
    max_length=64,
    tags=ENGLISH_TRAIN,
    description="Mewsli-X's English Wikipedia mention-entity pairs: the dual encoder's training "
    "data (marked mention -> entity description).",
    sources=Sources(
        local=(
            LocalSource(
                "mewslix_pairs",
                {"train": "mewslix/wikipedia_pairs-train.jsonl"},
                note="scripts/download_mewslix_data.sh of google-research/xtreme",
            ),
        ),
        hub_unavailable="Mewsli-X is built by a script from Wikipedia dumps (google-research "
        "dense_representations_for_entity_retrieval/mel/get-mewsli-x.sh); put its output "
        "jsonl files under mewslix/ and use source='local'",
    ),
)

MEWSLIX = Task(
    name="mewslix",
    scored_as="mewslix",
    kind=Kind.RETRIEVAL,
    metric="map@20",
    languages=MEWSLIX_LANGS,
    splits=_eval_splits(MEWSLIX_LANGS, "validation", "test", train=None),
    max_length=64,
    train_task="mewslix_pairs",
    tags=XTREME_R,
    description="Mewsli-X entity retrieval: WikiNews mentions against one candidate set.",
    sources=Sources(
        local=(
            LocalSource(
                "mewslix",
                {
                    split: (
                        f"mewslix/wikinews_mentions-{name}.jsonl",
                        "mewslix/candidate_set_entities.jsonl",
                    )
                    for split, name in (("validation", "dev"), ("test", "test"))
                },
                note="scripts/download_mewslix_data.sh of google-research/xtreme",
            ),
        ),
        hub_unavailable="Mewsli-X is built by a script from WikiNews dumps (google-research "
        "dense_representations_for_entity_retrieval/mel/get-mewsli-x.sh); put its output "
        "jsonl files under mewslix/ and use source='local'",
    ),
)

LAREQA_SQUAD = Task(
    name="lareqa_squad",
    kind=Kind.RETRIEVAL_PAIRS,
    metric="accuracy",
    languages=EN,
    splits={"train": EN},
    max_length=256,
    query_max_length=96,
    tags=ENGLISH_TRAIN,
    description="SQuAD v1.1 as LAReQA's training pairs: question -> answer sentence + paragraph.",
    sources=Sources(
        local=(
            LocalSource(
                "lareqa_pairs",
                {"train": "squad/train-v1.1.json"},
                note="https://rajpurkar.github.io/SQuAD-explorer/dataset/train-v1.1.json",
            ),
        ),
        hub_unavailable="the pairs need SQuAD's paragraphs as released; download train-v1.1.json "
        "into squad/ and use source='local'",
    ),
)

LAREQA = Task(
    name="lareqa",
    scored_as="lareqa",
    kind=Kind.RETRIEVAL,
    metric="map@20",
    languages=LAREQA_LANGS,
    splits=_eval_splits(LAREQA_LANGS, "test", train=None),
    max_length=256,
    query_max_length=96,
    train_task="lareqa_squad",
    tags=XTREME_R,
    description="LAReQA (XQuAD-R): answer-sentence retrieval from a pool in 11 languages.",
    sources=Sources(
        local=(
            LocalSource(
                "lareqa",
                {"test": "lareqa/xquad-r/*.json"},
                note="https://github.com/google-research-datasets/lareqa (xquad-r/{lang}.json)",
            ),
        ),
        hub_unavailable="the hub copy (google-research-datasets/xquad_r) drops the sentence "
        "breaks the candidates are built from; download xquad-r/*.json from "
        "github.com/google-research-datasets/lareqa into lareqa/xquad-r/ and use source='local'",
    ),
)


def _wider(task: Task, name: str, languages: list[str], local: LocalSource | None = None) -> Task:
    """An XTREME-R variant: the same sources over a wider language set."""
    splits = {split: EN if split == "train" else tuple(languages) for split in task.splits}
    sources = replace(task.sources, local=(local,)) if local else task.sources
    return replace(
        task, name=name, languages=tuple(languages), splits=splits, tags=XTREME_R, sources=sources
    )


TASKS = [
    XNLI, PAWSX, UDPOS, PANX, XQUAD, MLQA, TYDIQA, BUCC, TATOEBA, COPA, SIQA, XCOPA,
    MEWSLIX_PAIRS, MEWSLIX, LAREQA_SQUAD, LAREQA,
    _wider(UDPOS, "udpos_xtreme_r", UDPOS_R_LANGS, _udpos_local("2.5", "2.7")),
    _wider(PANX, "panx_xtreme_r", PANX_R_LANGS),
    _wider(XQUAD, "xquad_xtreme_r", XQUAD_R_LANGS),
    _wider(TATOEBA, "tatoeba_xtreme_r", TATOEBA_R_LANGS),
]  # fmt: skip
