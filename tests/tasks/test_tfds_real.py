"""The TFDS source against the real `tensorflow_datasets` (run by `.ci/tfds`; needs the extra).

`tfds.testing.mock_data` turns every `tfds` builder into one that downloads nothing, so each task
that names a TFDS dataset is read through the real builder (its name, config and feature spec)
and through `load_examples(..., source="tfds")` to canonical rows. Two gaps of the mock are closed
here: its random examples are not self-consistent (tags longer than tokens, answers outside the
context, a HellaSwag label of 58), so `_examples` derives consistent ones from the real feature
spec; and without metadata on disk it accepts any split name, so `_as_dataset` checks the split
against the builder's own split generators, as a real prepared dataset would.
"""

import functools
from dataclasses import replace
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from jaxstilts.tasks import Kind, RowMap, Sources, TfdsSource, get_task, load_examples, task_names
from jaxstilts.tasks.problems import MISSING_FIELD, UNKNOWN_LABEL, DataError

NUM_EXAMPLES = 6  # a multiple of every class count (2, 3): each label name shows up
SEQUENCE_LENGTH = 4  # items in every sequence feature (HellaSwag has four endings)
TEXT = "Zürich 東京"  # non-ASCII: the reader must decode UTF-8 bytes to str

TFDS_TASKS = [name for name in task_names() if get_task(name).sources.tfds]


def _fake(feature, i: int, j: int = 0, key: str = "", source: str = ""):
    """Example `i` of `feature`: every text of it is `TEXT i` (so SQuAD answers start at 0 in
    the context), class labels cycle through the names, other numbers are 0; ids are unique
    across the builders of a task (`idx` = i, a string `uid`/`id` names the builder), as in the
    real releases, where the readers reject a repeated id."""
    if isinstance(feature, tfds.features.FeaturesDict):
        return {name: _fake(inner, i, j, name, source) for name, inner in feature.items()}
    if isinstance(feature, tfds.features.Sequence):
        items = [_fake(feature.feature, i, j + k, key, source) for k in range(SEQUENCE_LENGTH)]
        return tf.nest.map_structure(lambda *xs: np.array(xs), *items)
    if isinstance(feature, tfds.features.ClassLabel):
        return (i + j) % feature.num_classes
    if feature.tf_dtype == tf.string:
        return (f"{source} {i}" if key in ("uid", "id") else f"{TEXT} {i}").encode()
    return np.asarray(i if key == "idx" else 0, feature.np_dtype)


def _examples(builder) -> list:
    return [_fake(builder.info.features, i, source=builder.info.full_name)
            for i in range(NUM_EXAMPLES)]


@functools.cache
def _builder_splits(full_name: str, builder) -> frozenset[str]:
    """The split names in the builder's code (its `_split_generators`, downloads faked)."""
    fake_path = lambda structure: tf.nest.map_structure(lambda _: "/nonexistent", structure)
    downloads = mock.MagicMock()
    for method in ("download", "download_and_extract", "extract"):
        getattr(downloads, method).side_effect = fake_path
    generators = builder._split_generators(downloads)
    names = generators if isinstance(generators, dict) else [g.name for g in generators]
    return frozenset(str(name) for name in names)


def _as_dataset(self, split, decoders=None, read_config=None, shuffle_files=False):
    known = _builder_splits(self.info.full_name, self)
    if split not in known:
        raise ValueError(f"Unknown split {split!r} of {self.info.full_name}: {sorted(known)}")
    examples = _examples(self)
    return tf.data.Dataset.from_generator(
        lambda: iter(examples), output_signature=self.info.features.get_tensor_spec()
    )


@pytest.fixture
def mock_tfds():
    with tfds.testing.mock_data(as_dataset_fn=_as_dataset):
        yield


def _tfds_splits(task) -> list[str]:
    return sorted({split for component in task.sources.tfds for split in component.splits})


def test_the_catalog_names_tfds_datasets():
    assert {"mnli", "anli_plus", "qqp", "sst2", "squad_v1", "squad_v2", "hellaswag"} <= set(
        TFDS_TASKS
    )
    assert {"panx", "panx_xtreme_r", "copa"} <= set(TFDS_TASKS)


@pytest.mark.parametrize("name", TFDS_TASKS)
def test_every_tfds_task_reads_through_the_real_builder(name, mock_tfds, tmp_path):
    task = get_task(name)
    for split in _tfds_splits(task):
        assert split in task.splits, f"{name}: TFDS split {split} is not a split of the task"
        languages = task.languages_of(split)
        examples = load_examples(task, split, source="tfds", tfds_data_dir=str(tmp_path))
        reads = sum(len(c.splits.get(split, ())) for c in task.sources.tfds)
        assert len(examples) == NUM_EXAMPLES * reads * len(languages), (name, split)
        assert examples.report.kept == examples.report.read == len(examples)
        assert not examples.report.repaired and not examples.report.excluded
        assert set(examples.rows["language"]) == set(languages)
        _check_rows(task, examples.rows)


def _check_rows(task, rows) -> None:
    texts = {f"{TEXT} {i}" for i in range(NUM_EXAMPLES)}
    if task.kind == Kind.PAIR_CLASSIFICATION:
        assert set(rows["text_a"]) == texts
        assert set(rows["label"]) == set(task.labels)  # the real ClassLabel names, all of them
    elif task.kind == Kind.MULTIPLE_CHOICE:
        assert all(text.startswith(TEXT) for text in rows["context"])
        assert all(len(c) == task.num_choices and set(c) <= texts for c in rows["choices"])
        assert set(rows["label"]) <= set(range(task.num_choices))
    elif task.kind == Kind.SPAN_EXTRACTION:
        assert set(rows["context"]) == texts and set(rows["question"]) == texts
        for context, answers in zip(rows["context"], rows["answers"]):
            assert answers["text"] == [context] * SEQUENCE_LENGTH
            assert answers["answer_start"] == [0] * SEQUENCE_LENGTH
    elif task.kind == Kind.TAGGING:
        assert all(len(t) == len(g) for t, g in zip(rows["tokens"], rows["tags"]))
        assert {tag for tags in rows["tags"] for tag in tags} == set(task.labels)
    else:
        raise AssertionError(f"{task.name}: no row check for {task.kind}")


def _with_tfds(task_name: str, source: TfdsSource):
    task = get_task(task_name)
    return replace(task, sources=Sources(tfds=(source,)))


NLI = RowMap(fields={"text_a": "premise", "text_b": "hypothesis", "label": "label"})


def test_a_tfds_name_that_does_not_exist_fails(mock_tfds, tmp_path):
    for name in ("glue/mnlii", "gluee/mnli"):
        task = _with_tfds("mnli", TfdsSource(name, {"train": "train"}, NLI))
        with pytest.raises(ValueError, match=f"TFDS has no dataset {name}"):
            load_examples(task, "train", source="tfds", tfds_data_dir=str(tmp_path))


def test_a_tfds_split_that_does_not_exist_fails(mock_tfds, tmp_path):
    task = _with_tfds("mnli", TfdsSource("glue/mnli", {"validation": "validation"}, NLI))
    with pytest.raises(ValueError, match="Unknown split 'validation'.*validation_matched"):
        load_examples(task, "validation", source="tfds", tfds_data_dir=str(tmp_path))


def test_a_tfds_feature_that_does_not_exist_fails(mock_tfds, tmp_path):
    fields = {"text_a": "premis", "text_b": "hypothesis", "label": "label"}
    task = _with_tfds("mnli", TfdsSource("glue/mnli", {"train": "train"}, RowMap(fields=fields)))
    with pytest.raises(DataError, match="tfds glue/mnli split train row 0.*'premis'") as error:
        load_examples(task, "train", source="tfds", tfds_data_dir=str(tmp_path))
    assert error.value.reason == MISSING_FIELD


def test_class_label_names_that_are_not_the_task_labels_fail(mock_tfds, tmp_path):
    # ANLI's ClassLabel says e/n/c; without a label map they are not NLI labels.
    fields = {"text_a": "context", "text_b": "hypothesis", "label": "label"}
    task = _with_tfds("anli_plus", TfdsSource("anli/r1", {"train": "train"}, RowMap(fields)))
    with pytest.raises(DataError, match="'e' not in") as error:
        load_examples(task, "train", source="tfds", tfds_data_dir=str(tmp_path))
    assert error.value.reason == UNKNOWN_LABEL
