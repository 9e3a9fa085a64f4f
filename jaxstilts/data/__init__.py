"""Input pipeline: Grain batches of featurized tasks (buckets, shards, resumable iterator state)."""

from jaxstilts.data.buckets import default_buckets
from jaxstilts.data.pipeline import BatchIterator, BatchLoader, LoaderConfig

__all__ = ["BatchIterator", "BatchLoader", "LoaderConfig", "default_buckets"]
