"""MultiCheckList test cases (XTREME-R): the six CheckList QA tests in 50 languages.

Reads `assets/multichecklist/checklist_templates.tsv` by the rules of XTREME-R's
`generate_tests.py:read_translations` and fills each test's templates by the rules of its
`generate_test_utils.py` (written here from those rules, not copied): which slots vary together
per language (placeholder columns), the animal/vehicle defaults, the 200-case cap of the property
test, the name lexicons of CheckList's `Editor` (`assets/multichecklist/names.json`). A case is one
filled template: its contexts × its questions are the examples; a case fails if any example does.
`tests/fixtures/official/` pins every rule against the official generator's real output.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import json
import re
import string
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

COMPARISON = "A is COMP than B. Who is more / less COMP?"
INTENSIFIERS = "Intensifiers (very, super, extremely) and reducers (somewhat, kinda, etc)?"
PROPERTIES = "size, shape, age, color"
PROFESSION = "Profession vs nationality"
ANIMAL = "Animal vs Vehicle"
ANIMAL2 = "Animal vs Vehicle v2"
TESTS = (COMPARISON, INTENSIFIERS, PROPERTIES, PROFESSION, ANIMAL, ANIMAL2)
SHORT = {COMPARISON: "comp", INTENSIFIERS: "intens", PROPERTIES: "prop", PROFESSION: "prof",
         ANIMAL: "animal", ANIMAL2: "animal2"}
# Templates written for a male first name (adjectives agree with it): first_name -> male.
GENDER_MARKED = (COMPARISON, INTENSIFIERS, PROFESSION)
# Arg rows of these tests keep empty cells, to stay aligned with their placeholder columns.
KEEPS_EMPTY_ARGS = (PROPERTIES, PROFESSION)
CASES_PER_TEST = 200  # XTREME-R's num_test_samples
PROPERTY_CAP = 200  # the property test stops adding groups past this many cases (a constant there)
LEXICON_SLOTS = ("first_name", "male", "female")


def assets_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "assets" / "multichecklist"


@dataclasses.dataclass
class Entry:
    """One test in one language, as the template file gives it (empty cells kept for alignment)."""

    name: str
    capability: str
    contexts: list[str]
    questions: list[str]
    answers: list[str]
    args: dict[str, list[str]]


def read_templates(path: str | Path | None = None) -> dict[str, dict[str, Entry]]:
    """language -> test name -> Entry, merging a language's variant columns in column order."""
    path = Path(path) if path is not None else assets_dir() / "checklist_templates.tsv"
    out: dict[str, dict[str, Entry]] = collections.defaultdict(dict)
    columns: list[str] = []
    state: dict[str, Any] = {}

    def reset() -> None:
        state.update(name=None, capability=None, contexts=collections.defaultdict(list),
                     questions=collections.defaultdict(list),
                     answers=collections.defaultdict(list),
                     args=collections.defaultdict(lambda: collections.defaultdict(list)))

    def close(lineno: int) -> None:
        name = state["name"]
        if not (state["capability"] and state["contexts"] and state["questions"]
                and state["answers"]):
            raise ValueError(f"{path}:{lineno}: test {name!r} lacks a Capability, Context, "
                             "Question or Answer row")
        for lang in state["contexts"]:
            out[lang][name] = Entry(name, state["capability"], state["contexts"][lang],
                                    state["questions"][lang], state["answers"][lang],
                                    dict(state["args"][lang]))
        reset()

    reset()
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lineno = 0
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()  # as the official reader: a row's outer tabs go too
        cells = line.split("\t")
        if lineno == 1:
            columns = cells[1:]
            continue
        field, values = cells[0], cells[1:]
        name = state["name"]
        if not line:
            if name is not None:
                close(lineno)
            continue
        if field == "Name":
            state["name"] = values[0]
        elif field == "Capability":
            state["capability"] = values[0]
        elif field in ("Context", "Question", "Answer"):
            key = {"Context": "contexts", "Question": "questions", "Answer": "answers"}[field]
            for col, text in zip(columns, values):
                if name in GENDER_MARKED:
                    text = text.replace("first_name", "male")
                if not col.endswith("placeholders"):
                    if key != "answers" or text.strip():
                        state[key][col].append(text)
                elif key != "answers":
                    state["args"][col.split("-")[0]][f"{key}_placeholders"].append(text)
                elif col == "qu-placeholders" and name == ANIMAL:
                    state["args"]["qu"]["answer_placeholders"].append(text)
        else:
            for col, text in zip(columns, values):
                if not col.endswith("placeholders"):
                    if text.strip() or name in KEEPS_EMPTY_ARGS:
                        state["args"][col][field].append(text)
                else:
                    state["args"][col.split("-")[0]][f"{field}_placeholders"].append(text)
    if state["name"] is not None:
        close(lineno)
    return dict(out)


def complete_languages(entries: dict[str, dict[str, Entry]]) -> tuple[list[str], dict[str, str]]:
    """(languages with every test's contexts, questions and answers; language -> why skipped)."""
    ok, skipped = [], {}
    for lang, tests in entries.items():
        missing = [SHORT[t] for t in TESTS if t not in tests
                   or not any(tests[t].contexts) or not any(tests[t].questions)
                   or not tests[t].answers]
        if missing:
            skipped[lang] = f"templates incomplete for {', '.join(missing)}"
        else:
            ok.append(lang)
    return ok, skipped


# ---------------------------------------------------------------- answers, as CheckList judges


_ARTICLES = {
    "af": r"(’n)\b", "ar": r"\sال^|ال", "bn": r"\b(একটি|একজন)", "de": r"\b(ein|eine|einen)\b",
    "el": r"\b(Ο|ένα|μια)\b", "en": r"\b(a|an|the|in|at)\b",
    "es": r"\b(un|una|unos|unas|el|la|los|las)\b", "eu": r"\b(bat)\b", "fa": r"\b(یک)\b",
    "fr": r"\b(un|une|le|la|en)\b", "hi": r"\b(एक)", "hu": r"\b(egy)\b", "it": r"\b(un|una)\b",
    "ml": r"\b(ഒരു)", "mr": r"\b(एक)", "my": r"\b(တစ်ဦး)", "nl": r"\b(een)\b",
    "pa": r"\b(ਇੱਕ|ਇਕ)", "pt": r"\b(um|uma)\b", "ta": r"\b(ஒரு)", "tl": r"\b(Si)\b",
    "tr": r"\b(bir)\b", "vi": r"\b(một)\b", "wo": r"\b(dafa)\b", "yo": r"\b(kan)\b",
}
_EXTRA_PUNCTUATION = {"bn": "৷", "hi": "৷", "pa": "।", "ru": ",", "ur": "\u200f"}


def clean_answer(text: str, lang: str) -> str:
    """XTREME-R's answer normalisation: articles become spaces, outer punctuation goes.

    Where a language has no article list the empty pattern puts a space between characters,
    exactly as the official `re.sub('', ' ', text)` does; both sides get it, so it only matters
    for spacing.
    """
    punctuation = "„”,. " if lang == "pl" else ",. " + _EXTRA_PUNCTUATION.get(lang, "")
    return re.sub(_ARTICLES.get(lang, ""), " ", text).strip(punctuation)


def answer_matches(prediction: str, expected: str, lang: str) -> bool:
    """CheckList's SQuAD expectation in XTREME-R: equal after `clean_answer`."""
    return clean_answer(prediction, lang) == clean_answer(expected, lang)


# ---------------------------------------------------------------- groups: what varies together


@dataclasses.dataclass(frozen=True)
class Group:
    """Templates filled together: contexts, (question, answer) pairs, fill lists per slot."""

    contexts: tuple[str, ...]
    qas: tuple[tuple[str, str], ...]
    slots: dict[str, tuple]  # given slots only; name slots come from the lexicons
    nsamples: int


def _group(contexts, questions, answers, nsamples, **slots) -> Group:
    return Group(tuple(contexts), tuple(zip(questions, answers)),
                 {k: tuple(v) for k, v in slots.items()}, int(nsamples))


def _nonempty(xs: list[str]) -> list[str]:
    return [x for x in xs if x]


def _separator(lang: str) -> str:
    return {"my": " ", "th": " ", "ur": "،", "ar": "،", "fa": "،", "zh": "，"}.get(lang, ", ")


def _matches(key: str, placeholders: str) -> bool:
    """Does a placeholder cell name this English value (whole or by its last word)?"""
    return bool(placeholders and key in placeholders) or key.split(" ")[-1] in placeholders


def _contexts_by(keys, contexts: list[str], placeholders: list[str]) -> dict[str, list[str]]:
    """Each key's contexts: those whose placeholder column names it, and those with no
    placeholder (shared by every key)."""
    out: dict[str, list[str]] = {k: [] for k in keys}
    for context, ph in zip(contexts, placeholders):
        for key, kept in out.items():
            if _matches(key, ph) or (not ph and context):
                kept.append(context)
    return out


def _split(values: list[str], sep: str) -> list[tuple[str, ...]]:
    return [tuple(v.split(sep)) for v in values]


def comparison_groups(lang: str, t: Entry, en: Entry, n: int) -> list[Group]:
    sep = _separator(lang)
    contexts = _nonempty(t.contexts)
    if lang not in ("ja", "ta", "ru", "hu", "pt"):
        return [_group(contexts, _nonempty(t.questions), t.answers, n,
                       adj=_split(t.args["adj"], sep))]
    by_ph: dict[str, dict[str, list[str]]] = {}
    for question, ph in zip(t.questions, t.args["questions_placeholders"]):
        d = by_ph.setdefault(ph, {"questions": [], "adj": []})
        d["questions"].append(question)
        for adj, en_adjs in zip(_nonempty(t.args["adj"]), en.args["adj"]):
            if not ph or en_adjs.split(",")[1] in ph:
                d["adj"].append(adj)
    if "" in by_ph:  # questions for every adjective join every group
        shared = _nonempty(by_ph.pop("")["questions"])
        for d in by_ph.values():
            d["questions"] += shared
    each = n // len(by_ph)
    return [_group(contexts, d["questions"], t.answers, each, adj=_split(d["adj"], sep))
            for d in by_ph.values()]


def intensifier_groups(lang: str, t: Entry, en: Entry, n: int) -> list[Group]:
    a = t.args
    if lang not in ("de", "ru", "ja", "vi"):
        return [_group(_nonempty(t.contexts), _nonempty(t.questions), t.answers, n,
                       s=a["state"], very=a["very"], somewhat=a["somewhat"])]
    by_state = {en_s: {"questions": [], "contexts": [], "state": [s]}
                for s, en_s in zip(a["state"], en.args["state"])}
    for field in ("questions", "contexts"):
        for text, ph in zip(getattr(t, field), a[f"{field}_placeholders"]):
            for state in (ph.split(", ") if ph else []):
                by_state[state][field].append(text)
    each = n // len(by_state)
    # The official code also groups very/somewhat by state but fills from the full lists.
    return [_group(d["contexts"], d["questions"], t.answers, each, s=d["state"],
                   very=a["very"], somewhat=a["somewhat"]) for d in by_state.values()]


def _property_product(args: dict[str, list[str]], en2t: dict[str, str]) -> list[SimpleNamespace]:
    props = []
    for p1, p2 in itertools.combinations(list(en2t), 2):
        for v1, v2 in itertools.product(_nonempty(args[p1]), _nonempty(args[p2])):
            props.append(SimpleNamespace(p1=en2t[p1], p2=en2t[p2], v1=v1, v2=v2))
    return props


_PROPERTY_BY_QUESTION = ("es", "he", "et", "fi", "fr", "it", "uk", "ur", "bg", "nl", "hi", "ru",
                         "ja", "fa", "pl", "pt", "el", "lt", "de")


def property_group_sequence(lang: str, t: Entry, en: Entry, n: int) -> list[Group]:
    """The property test's groups in order; `generate` stops adding them past PROPERTY_CAP."""
    sep = _separator(lang)
    a = t.args
    en_props = en.args["property"]
    en2t = dict(zip(en_props, _nonempty(a["property"])))
    contexts = _nonempty(t.contexts)
    if lang not in ("my", "he", "th", "zh", "hi", "ja", "ta", "ko", "ml", "mr", "pa"):
        # CheckList's {c:...} option; it changes nothing in the filled text
        contexts = [c.replace("{obj[1]}", "{c:obj[1]}") for c in contexts]
    objs = _split(_nonempty(a["obj"]), sep)
    if lang == "mr":
        obj_of = {en_o: o for o, en_o in zip(objs, en.args["obj"])}
        contexts_of = _contexts_by(obj_of, t.contexts, a["contexts_placeholders"])
        each = n // len(obj_of)
        return [_group(contexts_of[k], _nonempty(t.questions), t.answers, each, obj=[o],
                       p=_property_product(a, en2t)) for k, o in obj_of.items()]
    if lang not in _PROPERTY_BY_QUESTION:
        return [_group(contexts, _nonempty(t.questions), t.answers, n, obj=objs,
                       p=_property_product(a, en2t))]
    age_ph: dict[str, str] = {}
    q_props: dict[str, set[str]] = collections.defaultdict(set)
    for question, ph in zip(t.questions, a["questions_placeholders"]):
        if ph:
            if lang == "ru" and ph.startswith("age"):
                age_ph[question] = ph
                ph = "age"
            q_props[question].update(ph.strip().split(", "))
        elif question:
            q_props[question].update(en_props)
    nl_context = {}
    if lang == "nl":
        for context, ph in zip(contexts, a["contexts_placeholders"]):
            for prop in ph.split(", "):
                nl_context[prop] = context
    by_obj = {en_o: {"args": collections.defaultdict(list), "obj": o}
              for o, en_o in zip(objs, en.args["obj"])}
    for p in en_props:
        for value, ph in zip(a[p], a[p + "_placeholders"]):
            for key, d in by_obj.items():
                if _matches(key, ph):
                    d["args"][p].append(value)
                elif not ph and value:
                    d["args"][p].append(value)
    each = int(n // len(q_props) / 10)
    if lang == "pl":
        each *= 3
    elif lang == "ru":
        each = 1
    names_property = lang not in ("pl", "ru")
    groups = []
    for q1, props1 in q_props.items():
        for q2, props2 in q_props.items():
            if lang != "ru" and ("p1" not in q1 or "p2" not in q2):
                continue
            if lang == "pl" and (("p1" not in q1 and "age" not in props1)
                                 or ("p2" not in q2 and "age" not in props2)):
                continue
            if props1 == props2 and len(props1) == 1:
                continue
            for key, d in by_obj.items():
                if lang in ("ru", "pl") and (("age" in props1 and key not in age_ph[q1])
                                             or ("age" in props2 and key not in age_ph[q2])):
                    continue
                props = []
                for p1, p2 in itertools.product(sorted(props1), sorted(props2)):
                    if p1 == p2:
                        continue
                    for v1, v2 in itertools.product(d["args"][p1], d["args"][p2]):
                        fill = {"v1": v1, "v2": v2}
                        if names_property or (lang == "pl" and p1 != "age"):
                            fill["p1"] = en2t[p1]
                        if names_property or (lang == "pl" and p2 != "age"):
                            fill["p2"] = en2t[p2]
                        props.append(SimpleNamespace(**fill))
                ctx = contexts
                if lang == "nl":
                    ctx = [nl_context["material" if "material" in props1 else "color"]]
                groups.append(_group(ctx, [q1, q2], t.answers, each, obj=[d["obj"]], p=props))
    return groups


def profession_groups(lang: str, t: Entry, en: Entry, n: int) -> list[Group]:
    a = t.args
    if lang not in ("fr", "he", "it", "es", "uk", "ru", "pt", "el", "lt"):
        return [_group(_nonempty(t.contexts), _nonempty(t.questions), t.answers, n,
                       nationality=_nonempty(a["nationality"]),
                       profession=_nonempty(a["profession"]))]
    by_prof = {en_p: {"nationality": [], "profession": [p], "contexts": [], "questions": []}
               for p, en_p in zip(_nonempty(a["profession"]), en.args["profession"])}
    for field, values, phs in (("nationality", a["nationality"], a["nationality_placeholders"]),
                               ("contexts", t.contexts, a["contexts_placeholders"]),
                               ("questions", t.questions, a["questions_placeholders"])):
        for value, ph in zip(values, phs):
            for key, d in by_prof.items():
                if _matches(key, ph):
                    d[field].append(value)
                elif not ph and value:
                    d[field].append(value)
    each = int(n // len(by_prof) * 1.5)
    return [_group(d["contexts"], d["questions"], t.answers, each,
                   nationality=d["nationality"], profession=d["profession"])
            for d in by_prof.values()]


def animal_groups(lang: str, name: str, t: Entry, en: Entry, default: Entry, en_default: Entry,
                  n: int) -> list[Group]:
    """Both animal tests draw animals and vehicles from the first one's lists."""
    animals = _nonempty(default.args["animal"])
    vehicles = _nonempty(default.args["vehicle"])
    questions = _nonempty(t.questions)
    if lang in ("nl", "fi"):
        animal_of = {en_a: x for x, en_a in zip(animals, en_default.args["animal"])}
        contexts_of = _contexts_by(animal_of, t.contexts, t.args["contexts_placeholders"])
        each = n // len(animal_of)
        return [_group(contexts_of[k], questions, t.answers, each, animal=[x],
                       vehicle=vehicles) for k, x in animal_of.items()]
    if lang in ("ru", "tr"):
        by_context = {en_c: {"contexts": [c], "animal": [], "vehicle": []}
                      for c, en_c in zip(_nonempty(t.contexts), en.contexts)}
        for arg in ("animal", "vehicle"):
            for value, ph in zip(default.args[arg], default.args[f"{arg}_placeholders"]):
                for key, d in by_context.items():
                    if ph and key in ph:
                        d[arg].append(value)
                    elif not ph and value:
                        d[arg].append(value)
        each = n // len(by_context)
        ctx: list[str] = []
        for d in by_context.values():
            ctx += d["contexts"]
        # one group over all contexts, each animal and vehicle once (the official takes sets)
        an = list(dict.fromkeys(x for d in by_context.values() for x in d["animal"]))
        ve = list(dict.fromkeys(x for d in by_context.values() for x in d["vehicle"]))
        return [_group(ctx, questions, t.answers, each, animal=an, vehicle=ve)]
    if lang == "qu" and name == ANIMAL:  # Quechua's second context takes other answers
        contexts = _nonempty(t.contexts)
        return [_group([contexts[0]], t.questions, t.answers, n // 2, animal=animals,
                       vehicle=vehicles),
                _group([contexts[1]], t.questions, t.args["answer_placeholders"], n // 2,
                       animal=animals, vehicle=vehicles)]
    return [_group(_nonempty(t.contexts), questions, t.answers, n, animal=animals,
                   vehicle=vehicles)]


def groups_of(test: str, lang: str, entries: dict[str, dict[str, Entry]], n: int) -> list[Group]:
    """Every group the test may fill in this language, in the official order."""
    t, en = entries[lang][test], entries["en"][test]
    if test == COMPARISON:
        return comparison_groups(lang, t, en, n)
    if test == INTENSIFIERS:
        return intensifier_groups(lang, t, en, n)
    if test == PROPERTIES:
        return property_group_sequence(lang, t, en, n)
    if test == PROFESSION:
        return profession_groups(lang, t, en, n)
    return animal_groups(lang, test, t, en, entries[lang][ANIMAL], entries["en"][ANIMAL], n)


# ---------------------------------------------------------------- filling templates


def load_names(path: str | Path | None = None) -> dict[str, dict[str, list[str]]]:
    """language -> {'male', 'female', 'first_name'} as CheckList's Editor(language) has them."""
    path = Path(path) if path is not None else assets_dir() / "names.json"
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = {}
    for lang in list(data["lexicons"]) + list(data["same_as"]):
        lex = data["lexicons"][data["same_as"].get(lang, lang)]
        first = [x for pair in zip(lex["male"], lex["female"]) for x in pair]
        out[lang] = {"male": lex["male"], "female": lex["female"], "first_name": first}
    return out


_OPTION = re.compile(r"{([^}]+):([^}]+)}")


def slot_keys(group: Group) -> list[str]:
    """The slots a group's templates name: `{adj[0]}`, `{p.v1}`, `{a:animal}` -> adj, p, animal."""
    keys = []
    texts = list(group.contexts) + [x for qa in group.qas for x in qa]
    for text in texts:
        for _, field, spec, _ in string.Formatter().parse(text):
            if not field:
                continue
            key = f"{field}:{spec}" if spec else field
            key = re.sub(r".*?:", "", re.sub(r"\[.*\]", "", re.sub(r"\..*", "", key)))
            if key not in keys:
                keys.append(key)
    return sorted(keys)


def _with_article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" and word else "a"


def render(text: str, mapping: dict[str, Any]) -> str:
    """str.format with CheckList's `{a:slot}` (English article) and `{c:slot}` (no-op) options."""
    def option(m: re.Match) -> str:
        opts, thing = m.group(1, 2)
        prefix = f"{_with_article(('{' + thing + '}').format(**mapping))} " if "a" in opts else ""
        return prefix + "{" + thing + "}"
    return _OPTION.sub(option, text).format(**mapping)


def _same_key(value: Any) -> str:
    """How the official duplicate check sees a value (its str)."""
    if isinstance(value, tuple):
        return str(list(value))
    if isinstance(value, SimpleNamespace):
        return repr(sorted(vars(value).items()))
    return str(value)


@dataclasses.dataclass
class Case:
    """One test case: every (context, question) pair of one fill, with its expected answer."""

    test: str
    lang: str
    group: int
    fill: dict[str, Any]
    examples: list[tuple[str, str, str]]  # (context, question, expected answer)


def fill_group(group: Group, names: dict[str, list[str]], rng: np.random.Generator,
               test: str, lang: str, index: int) -> list[Case]:
    """Draw `nsamples` fills (each slot independently), drop fills that repeat a value."""
    keys = slot_keys(group)
    pools = []
    for key in keys:
        base = re.sub(r"\d+$", "", key)
        if base in group.slots:
            pools.append(group.slots[base])
        elif base in LEXICON_SLOTS:
            pools.append(tuple(names[base]))
        else:
            raise ValueError(f"MultiCheckList {SHORT[test]}/{lang}: template slot {{{key}}} has "
                             "no values")
        if not pools[-1]:
            raise ValueError(f"MultiCheckList {SHORT[test]}/{lang}: slot {{{key}}} has no values")
    # A group whose templates name no slot (a German state no question was written for: no
    # contexts, no questions) fills once, as CheckList's Editor does: one case, no examples,
    # which CheckList counts as passed.
    count = group.nsamples if keys else 1
    draws = [rng.integers(0, len(pool), size=count) for pool in pools]
    cases = []
    for i in range(count):
        values = [pool[d[i]] for pool, d in zip(pools, draws)]
        if len({_same_key(v) for v in values}) != len(values):
            continue
        fill = dict(zip(keys, values))
        contexts = [render(c, fill) for c in group.contexts]
        qas = [(render(q, fill), render(a, fill)) for q, a in group.qas]
        cases.append(Case(test, lang, index, fill,
                          [(c, q, a) for c, (q, a) in itertools.product(contexts, qas)]))
    return cases


def generate(entries: dict[str, dict[str, Entry]], names: dict[str, dict[str, list[str]]],
             test: str, lang: str, n: int = CASES_PER_TEST, seed: int = 0) -> list[Case]:
    """The cases of one test in one language (about n; fills with repeated values are dropped)."""
    rng = np.random.default_rng([seed, TESTS.index(test), sum(map(ord, lang)), len(lang)])
    lex = names.get(lang, names["en"])
    cases: list[Case] = []
    for i, group in enumerate(groups_of(test, lang, entries, n)):
        if test == PROPERTIES and len(cases) > PROPERTY_CAP and lang != "mr":
            break
        cases += fill_group(group, lex, rng, test, lang, i)
        if test == PROPERTIES and lang == "mr" and len(cases) > PROPERTY_CAP:
            break
    return cases


def generate_all(n: int = CASES_PER_TEST, seed: int = 0,
                 languages: list[str] | None = None) -> tuple[list[Case], dict[str, str]]:
    """Every test in every language with complete templates; (cases, skipped language -> why)."""
    entries = read_templates()
    names = load_names()
    ok, skipped = complete_languages(entries)
    if languages is not None:
        unknown = sorted(set(languages) - set(entries))
        if unknown:
            raise ValueError(f"MultiCheckList has no templates for {', '.join(unknown)} "
                             f"(it has {', '.join(sorted(entries))})")
        ok = [lang for lang in ok if lang in languages]
    cases = [c for test in TESTS for lang in ok for c in generate(entries, names, test, lang, n,
                                                                  seed)]
    return cases, skipped
