"""Tasks as data: the registry, sources (hub / official local files / TFDS) and featurizers.

task = get_task("xnli")
examples = load_examples(task, "test", "de", data_dir="download/")   # or source="hub"
features = featurize(examples, tokenizer, cache_dir="cache/")
batch = features.collate(range(8), length=128)
"""

from jaxstilts.kinds import IGNORE
from jaxstilts.tasks.base import (
    DEFAULT_MAX_LENGTH,
    HubSource,
    Kind,
    LocalSource,
    RowMap,
    Sources,
    Task,
    TfdsSource,
)
from jaxstilts.tasks.catalog_demo import DEMO_DATA, demo_mlm_files
from jaxstilts.tasks.features import Features, FeaturizeConfig
from jaxstilts.tasks.featurize import (
    features_of,
    featurize,
    infer_labels,
    tokenizer_fingerprint,
)
from jaxstilts.tasks.hub import SourceUnavailable
from jaxstilts.tasks.problems import DataError, LoadReport
from jaxstilts.tasks.registry import (
    get_task,
    has_target_phase,
    register,
    target_recipe,
    target_training,
    task_from_config,
    task_names,
)
from jaxstilts.tasks.sources import Examples, load_examples

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "DEMO_DATA",
    "IGNORE",
    "DataError",
    "Examples",
    "Features",
    "FeaturizeConfig",
    "HubSource",
    "Kind",
    "LoadReport",
    "LocalSource",
    "RowMap",
    "SourceUnavailable",
    "Sources",
    "Task",
    "TfdsSource",
    "demo_mlm_files",
    "featurize",
    "features_of",
    "get_task",
    "infer_labels",
    "load_examples",
    "register",
    "has_target_phase",
    "target_recipe",
    "target_training",
    "task_from_config",
    "task_names",
    "tokenizer_fingerprint",
]
