"""Regenerate the embedded demo data (deterministic): `python build_demo_data.py [TEMPLATES_TSV]`.

TEMPLATES_TSV (default: the copy in jaxstilts/assets/multichecklist) is XTREME-R's MultiCheckList
`checklist_templates.tsv` (Apache-2.0). Two tasks, in
official file formats, with labels that follow one simple pattern in every language, so a tiny
model learns them in minutes on CPU:

* demo_nli (the related intermediate task, English, GLUE MNLI TSV): the target's decision on
  other sentences. "Anna called Emma last night." -> the same sentence: entailment / "Emma called
  Anna last night.": contradiction / "Anna called Maya last night.": neutral; ten frames of who
  did what to whom, never a comparative.
* demo_xnli (target, XNLI-1.0 TSV): MultiCheckList's comparative template "A is taller than B."
  in 7 languages -> same sentence: entailment; names swapped: contradiction; a third person:
  neutral. English train 2000 / dev 150, test 150 in each of en + 6 zero-shot languages
  (de ru zh ar hi th). The demo trains on the first 100 training pairs (`target.train_examples`,
  scarce target data), the `tiny` config on all 2000, the target-size study on 100 to 2000.
* mlm/{lang}.txt: the demo sentences, one per line, for continued masked-LM training.
* demo_sst (an unrelated intermediate task, English, GLUE SST-2 TSV): single sentences about the
  room's objects, "Mary thinks the lamp is lovely." -> positive / "... is awful." -> negative.
Every task has its own random stream, so changing one leaves the others' files as they are.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGS = ("en", "de", "ru", "zh", "ar", "hi", "th")
LABELS = ("entailment", "neutral", "contradiction")
# One pool of Latin-script names for every language: the label pattern then rests on tokens the
# languages share, so a tiny model trained on English shows some zero-shot transfer.
NAMES = [
    "John",
    "Mary",
    "Peter",
    "Linda",
    "David",
    "Susan",
    "Tom",
    "Emma",
    "Paul",
    "Anna",
    "Mark",
    "Sara",
    "Adam",
    "Nina",
    "Luke",
    "Rosa",
    "Omar",
    "Lily",
    "Ivan",
    "Maya",
    "Karl",
    "Ella",
    "Hugo",
    "Iris",
    "Leo",
    "Ada",
    "Max",
    "Eva",
    "Ben",
    "Zoe",
]
OBJECTS = "sofa chair table lamp door clock mirror desk bed window box piano rug shelf".split()
COLORS = "red blue yellow green pink white black orange grey purple brown".split()
SIZES = "big small tiny enormous".split()

XNLI_COLUMNS = (
    "language gold_label sentence1_binary_parse sentence2_binary_parse sentence1_parse "
    "sentence2_parse sentence1 sentence2 promptID pairID genre label1 label2 label3 label4 label5 "
    "sentence1_tokenized sentence2_tokenized match"
).split()
MNLI_COLUMNS = (
    "index promptID pairID genre sentence1_binary_parse sentence2_binary_parse sentence1_parse "
    "sentence2_parse sentence1 sentence2 label1 gold_label"
).split()


def comparative_templates(tsv: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The first block of MultiCheckList ('A is COMP than B'): its context template and the
    comparative adjectives, per language."""
    with open(tsv, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    header = rows[0]
    column = {lang: header.index(lang) for lang in LANGS}
    block = []
    for row in rows[1:]:
        if row[0] == "Name" and block:
            break
        block.append(row)
    template = {lang: next(r[c] for r in block if r[0] == "Context") for lang, c in column.items()}
    adjectives = {}
    for lang, c in column.items():
        words = []
        for r in block:
            if r[0] != "adj":
                continue
            value = r[c]
            if lang == "th":  # "แกกว่า แก่": the template adds กว่า itself, so use the base form
                words.append(value.split()[-1])
            else:
                words.append(value.replace("，", ",").replace("،", ",").split(",")[0].strip())
        adjectives[lang] = words
    return template, adjectives


def comparative(template: str, first: str, second: str, adj: str) -> str:
    return template.format(first_name=first, first_name1=second, adj=[adj])


def xnli_rows(template, adjectives, lang: str, n: int, rng: random.Random, start_id: int):
    rows = []
    for k in range(n):
        a, b, c = rng.sample(NAMES, 3)
        i = rng.randrange(len(adjectives[lang]))
        adj = adjectives[lang][i]
        label = LABELS[k % 3]
        premise = comparative(template[lang], a, b, adj)
        if label == "entailment":
            hypothesis = premise
        elif label == "contradiction":
            hypothesis = comparative(template[lang], b, a, adj)
        else:
            hypothesis = comparative(template[lang], *rng.choice([(a, c), (c, b)]), adj)
        pair = str(start_id + k)
        values = {name: "" for name in XNLI_COLUMNS}
        values.update(
            language=lang,
            gold_label=label,
            sentence1=premise,
            sentence2=hypothesis,
            promptID=pair,
            pairID=pair,
            genre="demo",
            label1=label,
            match="True",
        )
        rows.append(values)
    rng.shuffle(rows)
    return rows


# demo_nli's sentences: who did what to whom, never a comparative (the target's sentences).
RELATIONS = (
    "{a} called {b}.",
    "{a} helped {b}.",
    "{a} visited {b}.",
    "{a} thanked {b}.",
    "{a} follows {b}.",
    "{a} taught {b}.",
    "{a} pushed {b}.",
    "{a} beat {b}.",
    "{a} gave {b} a {obj}.",
    "{a} sold {b} a {color} {obj}.",
)


def nli_rows(n: int, rng: random.Random, start_id: int):
    """English NLI with the target's decision on other sentences: the same sentence entails,
    the names swapped contradict, a third person is neutral."""
    rows = []
    for k in range(n):
        a, b, c = rng.sample(NAMES, 3)
        frame = rng.choice(RELATIONS)
        slots = dict(obj=rng.choice(OBJECTS), color=rng.choice(COLORS))
        premise = frame.format(a=a, b=b, **slots)
        label = LABELS[k % 3]
        first, second = {"entailment": (a, b), "contradiction": (b, a),
                         "neutral": rng.choice([(a, c), (c, b)])}[label]
        hypothesis = frame.format(a=first, b=second, **slots)
        values = {name: "" for name in MNLI_COLUMNS}
        values.update(
            index=str(k),
            promptID=str(start_id + k),
            pairID=f"{start_id + k}n",
            genre="demo",
            sentence1=premise,
            sentence2=hypothesis,
            label1=label,
            gold_label=label,
        )
        rows.append(values)
    rng.shuffle(rows)
    return rows


POSITIVE = "lovely beautiful great wonderful comfortable elegant charming perfect".split()
NEGATIVE = "ugly awful broken dirty terrible uncomfortable shabby useless".split()
SST_FRAMES = (
    "The {obj} is {adj}.",
    "{name} thinks the {obj} is {adj}.",
    "What a {adj} {obj}!",
    "{name} says the {color} {obj} looks {adj}.",
    "The {size} {obj} in the room is really {adj}.",
)


def sst_rows(n: int, rng: random.Random) -> list[dict]:
    """Single-sentence sentiment (GLUE SST-2 columns: sentence, label 0 negative / 1 positive)."""
    rows = []
    for k in range(n):
        label = k % 2
        adj = rng.choice(POSITIVE if label else NEGATIVE)
        sentence = rng.choice(SST_FRAMES).format(
            obj=rng.choice(OBJECTS), adj=adj, name=rng.choice(NAMES), color=rng.choice(COLORS),
            size=rng.choice(SIZES))
        rows.append({"sentence": sentence[0].upper() + sentence[1:], "label": str(label)})
    rng.shuffle(rows)
    return rows


def write_tsv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\t".join(columns) + "\n")
        for row in rows:
            f.write("\t".join(row[c] for c in columns) + "\n")


def main(tsv: Path) -> None:
    # One random stream per task, so that changing one task leaves the others' files as they are.
    template, adjectives = comparative_templates(tsv)
    nli = random.Random(20200519)
    write_tsv(HERE / "demo_nli/train.tsv", MNLI_COLUMNS, nli_rows(2000, nli, 1000))
    write_tsv(HERE / "demo_nli/dev_matched.tsv", MNLI_COLUMNS, nli_rows(150, nli, 5000))
    rng = random.Random(20200517)
    train = xnli_rows(template, adjectives, "en", 2000, rng, 10000)
    dev = xnli_rows(template, adjectives, "en", 150, rng, 20000)
    test = [
        row for i, lang in enumerate(LANGS)
        for row in xnli_rows(template, adjectives, lang, 150, rng, 30000 + 1000 * i)
    ]  # fmt: skip
    write_tsv(HERE / "demo_xnli/xnli.train.tsv", XNLI_COLUMNS, train)
    write_tsv(HERE / "demo_xnli/xnli.dev.tsv", XNLI_COLUMNS, dev)
    write_tsv(HERE / "demo_xnli/xnli.test.tsv", XNLI_COLUMNS, test)
    english = sorted({r["sentence1"] for r in nli_rows(300, random.Random(20200520), 0)})
    for lang in LANGS:
        sentences = sorted(
            {
                r[s]
                for r in train + dev + test
                if r["language"] == lang
                for s in ("sentence1", "sentence2")
            }
        )
        if lang == "en":
            sentences += english
        rng.shuffle(sentences)
        (HERE / "mlm").mkdir(exist_ok=True)
        (HERE / f"mlm/{lang}.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    sst = random.Random(20200518)
    write_tsv(HERE / "demo_sst/train.tsv", ["sentence", "label"], sst_rows(2000, sst))
    write_tsv(HERE / "demo_sst/dev.tsv", ["sentence", "label"], sst_rows(150, sst))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        from jaxstilts.model.tokenizer import multichecklist_path

        main(multichecklist_path())
