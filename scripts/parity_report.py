"""Max abs difference of our XLM-R against transformers' PyTorch XLM-R, per output, f32 and bf16.

Needs the test extra (torch). Run:  python scripts/parity_report.py
"""

import tempfile

import jax.numpy as jnp
import numpy as np
import torch
import transformers

from jaxstilts.model import load_pretrained, load_tokenizer
from jaxstilts.model.tokenizer import tiny_tokenizer_dir

CLASSES = {"classification": "XLMRobertaForSequenceClassification",
           "span": "XLMRobertaForQuestionAnswering", "tagging": "XLMRobertaForTokenClassification",
           "mlm": "XLMRobertaForMaskedLM", "multiple_choice": "XLMRobertaForMultipleChoice"}
PAIRS = [("The cat sat on the mat.", "Le chat est assis sur le tapis."),
         ("Кошка сидит на коврике.", "猫坐在垫子上。"),
         ("बिल्ली चटाई पर बैठी है।", "القطة تجلس على الحصيرة.")]


def main():
    tok = load_tokenizer(tiny_tokenizer_dir())
    enc = tok([a for a, _ in PAIRS], [b for _, b in PAIRS], padding=True, return_tensors="np")
    ids, mask = enc["input_ids"], enc["attention_mask"]
    config = transformers.XLMRobertaConfig(vocab_size=len(tok), hidden_size=48,
                                           num_hidden_layers=3, num_attention_heads=3,
                                           intermediate_size=80, num_labels=3)
    print("| output | float32 max abs diff | bfloat16 max abs diff | output scale |")
    print("|---|---|---|---|")
    for head, cls in CLASSES.items():
        torch.manual_seed(0)
        config.num_labels = 2 if head == "span" else 3
        hf = getattr(transformers, cls)(config).eval()
        with torch.no_grad():
            for p in hf.parameters():
                p.add_(torch.randn_like(p) * 0.1)
        x, m = ids, mask
        if head == "multiple_choice":
            x, m = ids[None], mask[None]
        with torch.no_grad():
            out = hf(input_ids=torch.tensor(x), attention_mask=torch.tensor(m),
                     output_hidden_states=True)
        refs = {f"hidden state {i}": h.numpy() for i, h in enumerate(out.hidden_states)}
        if head == "span":
            refs.update(start=out.start_logits.numpy(), end=out.end_logits.numpy())
        else:
            refs["logits"] = out.logits.numpy()
        with tempfile.TemporaryDirectory() as folder:
            hf.save_pretrained(folder)
            diffs = {}
            for dtype in ("float32", "bfloat16"):
                model = load_pretrained(folder, head, dtype=dtype)
                xi = jnp.asarray(x.reshape(-1, x.shape[-1]))
                mi = jnp.asarray(m.reshape(-1, x.shape[-1]))
                states = model.encoder(xi, mi, output_hidden_states=True).hidden_states
                got = {f"hidden state {i}": np.asarray(h, np.float32) for i, h in enumerate(states)}
                res = model(jnp.asarray(x), jnp.asarray(m))
                if head == "span":
                    got.update(start=np.asarray(res.start), end=np.asarray(res.end))
                else:
                    got["logits"] = np.asarray(res)
                diffs[dtype] = {k: float(np.abs(got[k] - refs[k]).max()) for k in refs}
        names = [k for k in refs if not k.startswith("hidden")]
        if head == "classification":
            names = list(refs)
        for k in names:
            scale = float(np.abs(refs[k]).max())
            print(f"| {head} {k} | {diffs['float32'][k]:.2e} | {diffs['bfloat16'][k]:.2e} | "
                  f"{scale:.2f} |")


if __name__ == "__main__":
    main()
