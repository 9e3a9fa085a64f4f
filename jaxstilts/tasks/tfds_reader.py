"""TensorFlow Datasets source (optional extra `tfds`): imported only when used."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jaxstilts.tasks.base import TfdsSource
from jaxstilts.tasks.hub import SourceUnavailable, class_label_names, named_labels


def _import_tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError as e:
        raise SourceUnavailable(
            "the TFDS source needs TensorFlow Datasets: pip install 'jaxstilts[tfds]' "
            "(tensorflow-datasets and tensorflow-cpu), or use source='hub' or 'local'"
        ) from e
    return tfds


def _plain(value: Any) -> Any:
    """numpy/bytes values of `tfds.as_numpy` -> Python str/int/list/dict."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def tfds_rows(
    source: TfdsSource, split: str, context: Mapping[str, str], data_dir: str | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rows of `split` (our name) from each TFDS split behind it; class labels as their names."""
    tfds = _import_tfds()
    name = source.name.format(**context)
    builder = _builder(tfds, name, data_dir)
    builder.download_and_prepare()
    names = class_label_names(builder.info.features)
    for tfds_split in source.splits[split]:
        dataset = builder.as_dataset(split=tfds_split)
        for i, example in enumerate(tfds.as_numpy(dataset)):
            yield f"tfds {name} split {tfds_split} row {i}", named_labels(_plain(example), names)


def _builder(tfds, name: str, data_dir: str | None):
    """`tfds.builder`, with its page-long "not found" message cut to the line that matters."""
    try:
        return tfds.builder(name, data_dir=data_dir)
    except ValueError as e:  # DatasetNotFoundError, or an unknown config of a known dataset
        first = str(e).strip().splitlines()[0].split(" Here are")[0]
        raise ValueError(f"TFDS has no dataset {name}: {first}") from e
