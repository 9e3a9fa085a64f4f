"""MultiCheckList cases are the ones XTREME-R's generator makes: same groups of templates, same
slot values, same clean-up, case counts alike; checked against the official generator's real
output (`tests/fixtures/official/multichecklist/`, README there)."""

import gzip
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from jaxstilts.tasks import checklist as ck

OFFICIAL = Path(__file__).resolve().parents[1] / "fixtures" / "official" / "multichecklist"


@pytest.fixture(scope="module")
def official_groups():
    with gzip.open(OFFICIAL / "groups.json.gz", "rt", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def official_run():
    return json.loads((OFFICIAL / "run.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def entries():
    return ck.read_templates()


@pytest.fixture(scope="module")
def names():
    return ck.load_names()


@pytest.fixture(scope="module")
def cases_200(entries, names):
    """Our cases at XTREME-R's size (200 per test), every test and language."""
    return {(t, lang): ck.generate(entries, names, t, lang, 200, seed=0)
            for t in ck.TESTS for lang in entries}


def _norm(value):
    """A hashable form of a slot value, ours (tuple, namespace) or the official (list, dict)."""
    if isinstance(value, SimpleNamespace):
        value = vars(value)
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_language_is_complete_and_in_the_official_order(entries, official_run):
    languages, skipped = ck.complete_languages(entries)
    assert languages == official_run["languages"] and len(languages) == 50 and skipped == {}


def test_groups_templates_and_slot_values_are_the_official_ones(entries, official_groups):
    for lang, tests in official_groups.items():
        for test, groups in tests.items():
            ours = ck.groups_of(test, lang, entries, 200)
            assert len(ours) == len(groups), (test, lang)
            for i, (g, off) in enumerate(zip(ours, groups)):
                where = (ck.SHORT[test], lang, i)
                assert list(g.contexts) == off["templates"]["contexts"], where
                assert [list(qa) for qa in g.qas] == off["templates"]["qas"], where
                assert g.nsamples == off["nsamples"], where
                given = [k for k in ck.slot_keys(g)
                         if re.sub(r"\d+$", "", k) not in ck.LEXICON_SLOTS]
                assert sorted(given) == sorted(off["items"]), where
                for key in given:
                    assert (sorted(map(_norm, g.slots[key]))
                            == sorted(map(_norm, off["items"][key]))), (*where, key)


def test_name_lexicons_are_checklists_editor_ones(names, official_run):
    for lang, lex in official_run["names"].items():
        assert names[lang]["male"] == lex["male"] and names[lang]["female"] == lex["female"]


def test_every_generated_case_is_a_fill_of_an_official_group(cases_200, official_groups, names):
    """Each case: its group's official templates filled with official slot values (names from
    the Editor's lexicons), no value repeated, rendered to exactly our examples."""
    for (test, lang), cases in cases_200.items():
        groups = official_groups[lang][test]
        allowed = [{k: set(map(_norm, v)) for k, v in g["items"].items()} for g in groups]
        for case in cases:
            off = groups[case.group]
            for key, value in case.fill.items():
                base = re.sub(r"\d+$", "", key)
                pool = (set(names[lang][base]) if base in ck.LEXICON_SLOTS
                        else allowed[case.group][key])
                assert _norm(value) in pool, (ck.SHORT[test], lang, key, value)
            assert len({_norm(v) for v in case.fill.values()}) == len(case.fill)
            contexts = [ck.render(c, case.fill) for c in off["templates"]["contexts"]]
            qas = [(ck.render(q, case.fill), ck.render(a, case.fill))
                   for q, a in off["templates"]["qas"]]
            assert case.examples == [(c, q, a) for c in contexts for q, a in qas]


def test_case_counts_agree_with_the_official_run(cases_200, official_run, entries):
    """Fills repeating a value are dropped at random (there as here; each group asks for the
    same number of fills, pinned above), so the counts agree up to that chance: within 4
    standard deviations of the difference of two such draws (drop rate from both counts)."""
    for (test, lang), cases in cases_200.items():
        official = official_run["cases"][lang][test]["count"]
        asked = sum(g.nsamples for g in ck.groups_of(test, lang, entries, 200))
        if test == ck.PROPERTIES:  # stops past 200 cases: asked is what it reached
            asked = max(len(cases), official)
        p = min(max((2 * asked - len(cases) - official) / (2 * asked), 0.0), 1.0)
        tolerance = max(3.0, 4 * (2 * asked * p * (1 - p)) ** 0.5)
        assert abs(len(cases) - official) <= tolerance, (ck.SHORT[test], lang, len(cases),
                                                         official)


def _pattern(text: str, slots: dict) -> str:
    """A regex of one template: each {slot...} any of the texts its values render to (a name:
    any text; names are checked the other way round, above)."""
    out, pos = [], 0
    for m in re.finditer(r"{([^}]+)}", text):
        out.append(re.escape(text[pos:m.start()]))
        field = m.group(0)
        key = re.sub(r".*?:", "", re.sub(r"\[.*\]", "", re.sub(r"\..*", "", m.group(1))))
        base = re.sub(r"\d+$", "", key)
        if base in ck.LEXICON_SLOTS:
            out.append(".+?")
            pos = m.end()
            continue
        values = slots[base]
        options = set()
        for v in values:
            try:
                options.add(ck.render(field, {key: v}))
            except (AttributeError, IndexError):  # a value without that part fits no case
                pass
        out.append("(?:" + "|".join(map(re.escape, sorted(options, key=len, reverse=True))) + ")")
        pos = m.end()
    return "".join(out) + re.escape(text[pos:])


def _matches(case: list, group: ck.Group, compiled: dict) -> bool:
    """Whether an official case (its examples) is a fill of `group`; patterns cached."""
    key = id(group)
    if key not in compiled:
        compiled[key] = [tuple(re.compile(_pattern(t, group.slots)) for t in (c, q, a))
                         for c in group.contexts for q, a in group.qas]
    pats = compiled[key]
    return len(case) == len(pats) and all(
        pc.fullmatch(c) and pq.fullmatch(q) and pa.fullmatch(a)
        for (pc, pq, pa), (c, q, a) in zip(pats, case))


def test_official_cases_are_in_our_fill_space(entries, official_run):
    """The official run's first cases per test and language match one of our first groups."""
    for lang, tests in official_run["cases"].items():
        for test, record in tests.items():
            groups, compiled = ck.groups_of(test, lang, entries, 200)[:3], {}
            for case in record["cases"]:
                assert any(_matches(case, g, compiled) for g in groups), \
                    (ck.SHORT[test], lang, case[0])


def test_answer_clean_up_is_xtreme_rs():
    rows = json.loads((OFFICIAL / "clean.json").read_text(encoding="utf-8"))
    assert len({lang for _, lang, _ in rows}) == 50
    assert [ck.clean_answer(text, lang) for text, lang, _ in rows] == [o for _, _, o in rows]
    assert ck.answer_matches("the dog.", "a dog", "en")
    assert not ck.answer_matches("dog and a car", "a dog", "en")


def test_a_language_with_incomplete_templates_is_skipped_with_a_note(tmp_path):
    lines = (ck.assets_dir() / "checklist_templates.tsv").read_text(encoding="utf-8").split("\n")
    column = lines[0].split("\t").index("sw")
    out = []
    for line in lines:
        cells = line.split("\t")
        if cells[0] == "Answer" and len(cells) > column:
            cells[column] = ""
        out.append("\t".join(cells))
    path = tmp_path / "templates.tsv"
    path.write_text("\n".join(out), encoding="utf-8")
    languages, skipped = ck.complete_languages(ck.read_templates(path))
    assert "sw" not in languages and len(languages) == 49
    assert skipped == {"sw": "templates incomplete for comp, intens, prop, prof, animal, animal2"}


def test_a_slot_without_values_is_one_line_naming_test_language_and_slot(entries, names):
    import numpy as np

    group = ck.Group(("{first_name} has {pet}.",), (("What?", "{pet}"),), {}, 2)
    with pytest.raises(ValueError, match=r"animal/en: template slot \{pet\} has no values"):
        ck.fill_group(group, names["en"], np.random.default_rng(0), ck.ANIMAL, "en", 0)
