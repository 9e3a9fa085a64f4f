"""The dual encoder's vectors and in-batch loss against XTREME-R's PyTorch computation
(third_party/bert.py `BertForRetrieval`: HF's pooler, L2-normalized, logits = cosine x scale,
cross-entropy with labels 0..B-1 over its per-GPU batch), computed independently in torch."""

import numpy as np
import pytest
import torch
from flax import nnx

from jaxstilts.model.config import XLMRConfig
from jaxstilts.model.heads import make_head
from jaxstilts.train.step import loss_and_metrics

D = 64


@pytest.fixture(scope="module")
def head():
    return make_head("dual_encoder", XLMRConfig.preset("tiny"), nnx.Rngs(0))


def _official_loss(q: torch.Tensor, c: torch.Tensor, scale: float) -> torch.Tensor:
    """What one forward of BertForRetrieval returns for pooled vectors q, c of one batch."""
    normalize = torch.nn.functional.normalize
    q, c = normalize(q, p=2, dim=1), normalize(c, p=2, dim=1)
    logits = torch.matmul(q, c.T) * scale
    return torch.nn.CrossEntropyLoss()(logits, torch.arange(q.shape[0]))


def test_vectors_are_hf_pooler_outputs_normalized(head):
    rng = np.random.default_rng(0)
    hidden = rng.normal(size=(5, 7, D)).astype(np.float32)
    pooler = torch.nn.Linear(D, D)
    with torch.no_grad():
        pooler.weight.copy_(torch.from_numpy(np.array(head.dense.kernel[...]).T.copy()))
        pooler.bias.copy_(torch.from_numpy(np.array(head.dense.bias[...])))
        expected = torch.nn.functional.normalize(
            torch.tanh(pooler(torch.from_numpy(hidden)[:, 0])), p=2, dim=1).numpy()
    ours = np.asarray(head(hidden, np.ones((5, 7), np.int32)))
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_in_batch_loss_is_xtremes(head):
    rng = np.random.default_rng(1)
    raw = rng.normal(size=(4, 2, D)).astype(np.float32)
    vectors = raw / np.linalg.norm(raw, axis=-1, keepdims=True)
    logits = head.logits(vectors)
    assert logits.shape == (4, 4)
    loss, metrics = loss_and_metrics("dual_encoder", logits, {})
    expected = _official_loss(torch.from_numpy(raw[:, 0]), torch.from_numpy(raw[:, 1]), 100.0)
    np.testing.assert_allclose(float(loss), expected.item(), rtol=1e-5)
    hits = (vectors[:, 0] @ vectors[:, 1].T).argmax(-1) == np.arange(4)
    assert float(metrics["accuracy"]) == pytest.approx(hits.mean())


def test_padding_rows_are_neither_queries_nor_negatives(head):
    rng = np.random.default_rng(2)
    raw = rng.normal(size=(3, 2, D)).astype(np.float32)
    vectors = raw / np.linalg.norm(raw, axis=-1, keepdims=True)
    valid = np.array([1, 1, 0], np.int32)  # the last row pads the batch
    loss, metrics = loss_and_metrics("dual_encoder", head.logits(vectors), {"valid": valid})
    expected = _official_loss(torch.from_numpy(raw[:2, 0]), torch.from_numpy(raw[:2, 1]), 100.0)
    np.testing.assert_allclose(float(loss), expected.item(), rtol=1e-5)
    assert float(metrics["count"]) == 2
