"""XLM-R in Flax NNX, its heads, and Hugging Face checkpoint I/O."""

from jaxstilts.model.config import XLMRConfig
from jaxstilts.model.heads import HEAD_KINDS, SpanLogits
from jaxstilts.model.hf import LoadReport, load_pretrained, save_pretrained
from jaxstilts.model.modeling import XLMRModel
from jaxstilts.model.tokenizer import load_tokenizer
from jaxstilts.model.xlmr import XLMREncoder

__all__ = ["HEAD_KINDS", "LoadReport", "SpanLogits", "XLMRConfig", "XLMREncoder", "XLMRModel",
           "load_pretrained", "load_tokenizer", "save_pretrained"]
