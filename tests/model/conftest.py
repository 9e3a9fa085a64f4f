"""Tiny random XLM-R checkpoints written by transformers' PyTorch classes, and real text batches."""

import numpy as np
import pytest
import torch
import transformers

# Odd sizes on purpose: hidden 48 over 3 heads (head dim 16), FFN 80, 3 layers.
TINY_HF = dict(hidden_size=48, num_hidden_layers=3, num_attention_heads=3, intermediate_size=80,
               max_position_embeddings=64, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
               eos_token_id=2, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)

HF_CLASSES = {
    None: "XLMRobertaModel",
    "classification": "XLMRobertaForSequenceClassification",
    "multiple_choice": "XLMRobertaForMultipleChoice",
    "span": "XLMRobertaForQuestionAnswering",
    "tagging": "XLMRobertaForTokenClassification",
    "mlm": "XLMRobertaForMaskedLM",
}
NUM_LABELS = {"classification": 3, "tagging": 5}

PAIRS = [
    ("The cat sat on the mat.", "Le chat est assis sur le tapis."),
    ("Кошка сидит на коврике.", "猫坐在垫子上。"),
    ("बिल्ली चटाई पर बैठी है।", "القطة تجلس على الحصيرة."),
]


def hf_config(tokenizer, head=None):
    labels = NUM_LABELS.get(head, 2)
    return transformers.XLMRobertaConfig(vocab_size=len(tokenizer), num_labels=labels,
                                         **TINY_HF)


def build_hf_model(tokenizer, head=None, seed=0):
    """A transformers model, every parameter random (LayerNorms and biases too), in eval mode."""
    torch.manual_seed(seed)
    cls = getattr(transformers, HF_CLASSES[head])
    kwargs = {"add_pooling_layer": False} if head is None else {}
    model = cls(hf_config(tokenizer, head), **kwargs)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.1 + (1.0 if p.ndim == 1 and p.shape[0] == 48 else 0.0))
    return model.eval()


@pytest.fixture(scope="session")
def text_batch(tokenizer):
    """Sentence pairs in six scripts, padded: [3, length] ids and mask."""
    enc = tokenizer([a for a, _ in PAIRS], [b for _, b in PAIRS], padding=True,
                    return_tensors="np")
    assert (enc["attention_mask"] == 0).any(), "the batch should contain padding"
    return enc["input_ids"].astype(np.int32), enc["attention_mask"].astype(np.int32)


@pytest.fixture(scope="session")
def choice_batch(tokenizer):
    """Two questions with three answer choices each: [2, 3, length]."""
    qs = ["Where is the cat?", "Где кошка?"]
    choices = [["on the mat", "in the sky", "под столом"], ["на коврике", "在天上", "nowhere"]]
    firsts = [q for q in qs for _ in range(3)]
    seconds = [c for row in choices for c in row]
    enc = tokenizer(firsts, seconds, padding=True, return_tensors="np")
    shape = (2, 3, enc["input_ids"].shape[1])
    return (enc["input_ids"].reshape(shape).astype(np.int32),
            enc["attention_mask"].reshape(shape).astype(np.int32))


@pytest.fixture(scope="session")
def hf_checkpoint(tokenizer, tmp_path_factory):
    """`hf_checkpoint(head)` -> (folder written by transformers, the torch model)."""
    cache = {}

    def get(head=None):
        if head not in cache:
            model = build_hf_model(tokenizer, head)
            folder = tmp_path_factory.mktemp(f"hf-{head}")
            model.save_pretrained(folder)
            cache[head] = (folder, model)
        return cache[head]

    return get
