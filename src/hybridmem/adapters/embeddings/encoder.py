"""The BERT encoder's forward pass in numpy, float32 throughout: embeddings → encoder layers
→ mean over each text's tokens → L2 normalization.

Several texts go through one pass: their tokens are packed end to end into one
(tokens, hidden) matrix, so every linear layer is one matrix product for the whole batch with
no padding; only attention, where each text sees its own tokens alone, pads them to the
batch's longest text and masks the rest (one batched product for all texts and heads).
numpy is imported when a pass runs, never at import time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float32]
    Ids = NDArray[np.int64]

# Token rows per feed-forward block: 128 x 1536 float32 intermediates (768 KB) stay in cache,
# and the matrix products are still large enough to run at full speed.
_ROWS_PER_BLOCK = 128

# Rational approximation of erf on [-4, 4] (outside, erf is ±1 in float32), the one Eigen and
# XLA use for float32: numpy has no erf, and BERT's "gelu" is the exact erf form, not the tanh
# one (which would be off by up to ~1e-3 per activation). Max error about 4e-7.
_ERF_NUMERATOR = (
    -2.72614225801306e-10,
    2.77068142495902e-08,
    -2.10102402082508e-06,
    -5.69250639462346e-05,
    -7.34990630326855e-04,
    -2.95459980854025e-03,
    -1.60960333262415e-02,
)
_ERF_DENOMINATOR = (
    -1.45660718464996e-05,
    -2.13374055278905e-04,
    -1.68282697438203e-03,
    -7.37332916720468e-03,
    -1.42647390514189e-02,
)


@dataclass(frozen=True, slots=True)
class Layer:
    """One encoder layer; matrices are stored (in, out) so activations multiply on the left."""

    qkv_weight: Array  # query, key and value fused: one matmul instead of three
    qkv_bias: Array
    attention_out_weight: Array
    attention_out_bias: Array
    attention_norm_weight: Array
    attention_norm_bias: Array
    intermediate_weight: Array
    intermediate_bias: Array
    output_weight: Array
    output_bias: Array
    output_norm_weight: Array
    output_norm_bias: Array


@dataclass(frozen=True, slots=True)
class Encoder:
    """The weights of a BERT encoder and the forward pass over them (thread-safe: a pass
    only allocates its own arrays)."""

    word_embeddings: Array
    position_embeddings: Array
    token_type_embedding: Array  # every text is a single segment: token type 0
    embedding_norm_weight: Array
    embedding_norm_bias: Array
    layers: tuple[Layer, ...]
    heads: int
    norm_eps: float

    def forward(self, texts: Sequence[Ids]) -> Array:
        """One L2-normalized vector per text of token ids (each at least one token)."""
        import numpy as np

        lengths = np.fromiter((len(ids) for ids in texts), dtype=np.int64, count=len(texts))
        starts = np.cumsum(lengths) - lengths
        positions = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
        x = self.word_embeddings[np.concatenate(texts)]
        x += self.position_embeddings[positions]
        x += self.token_type_embedding
        x = self._layer_norm(x, self.embedding_norm_weight, self.embedding_norm_bias)
        attend = _Attention(lengths, positions, self.heads)
        for layer in self.layers:
            context = attend(x @ layer.qkv_weight + layer.qkv_bias)
            attended = context @ layer.attention_out_weight
            attended += layer.attention_out_bias
            attended += x
            x = self._layer_norm(attended, layer.attention_norm_weight, layer.attention_norm_bias)
            out = _feed_forward(x, layer)
            out += x
            x = self._layer_norm(out, layer.output_norm_weight, layer.output_norm_bias)
        pooled: Array = np.add.reduceat(x, starts, axis=0)
        pooled /= lengths[:, None].astype(np.float32)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
        return pooled

    def _layer_norm(self, x: Array, weight: Array, bias: Array) -> Array:
        """Normalizes ``x`` (which it overwrites) over the hidden axis."""
        import numpy as np

        x -= x.mean(axis=-1, keepdims=True)
        variance = np.einsum("ij,ij->i", x, x)[:, None]
        variance *= np.float32(1 / x.shape[1])
        variance += np.float32(self.norm_eps)
        np.sqrt(variance, out=variance)
        x /= variance
        x *= weight
        x += bias
        return x


class _Attention:
    """Multi-head self-attention of each text over its own tokens, for one batch's shape."""

    def __init__(self, lengths: Ids, positions: Ids, heads: int) -> None:
        import numpy as np

        self._heads = heads
        self._texts = len(lengths)
        self._longest = int(lengths.max())
        if self._texts == 1:
            self._slots = None
            self._mask = None
        else:
            # Where each packed token row sits in the (texts x longest) padded layout, and an
            # additive mask that gives padding keys zero weight after the softmax.
            self._slots = np.repeat(np.arange(self._texts) * self._longest, lengths) + positions
            padding = np.arange(self._longest)[None, :] >= lengths[:, None]
            self._mask = np.where(padding, np.float32(-np.inf), np.float32(0)).astype(np.float32)[
                :, None, None, :
            ]

    def __call__(self, qkv: Array) -> Array:
        """Context vectors for the packed rows of ``qkv`` (query, key, value side by side)."""
        import numpy as np

        width = qkv.shape[1]
        hidden = width // 3
        head_size = hidden // self._heads
        texts, longest = self._texts, self._longest
        if self._slots is not None:
            padded = np.zeros((texts * longest, width), dtype=np.float32)
            padded[self._slots] = qkv
            qkv = padded
        # (texts·longest, 3·hidden) → (3, texts, heads, longest, head_size), contiguous:
        # numpy multiplies strided stacks several times slower.
        parts = qkv.reshape(texts, longest, 3, self._heads, head_size).transpose(2, 0, 3, 1, 4)
        query, key, value = np.ascontiguousarray(parts)
        query *= np.float32(1 / math.sqrt(head_size))
        scores = query @ key.transpose(0, 1, 3, 2)
        if self._mask is not None:
            scores += self._mask
        scores -= scores.max(axis=-1, keepdims=True)  # softmax without overflow
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context: Array = (scores @ value).transpose(0, 2, 1, 3).reshape(texts * longest, hidden)
        return context if self._slots is None else context[self._slots]


def _feed_forward(x: Array, layer: Layer) -> Array:
    """Intermediate dense → GELU → output dense, a block of rows at a time.

    Blocks keep the 4x-wide intermediate activations in cache; whole-batch ones would be
    tens of MB, re-faulted from the OS at every step, which cost more than the arithmetic.
    """
    import numpy as np

    out = np.empty_like(x)
    for start in range(0, x.shape[0], _ROWS_PER_BLOCK):
        rows = slice(start, start + _ROWS_PER_BLOCK)
        inner = x[rows] @ layer.intermediate_weight
        inner += layer.intermediate_bias
        _gelu_in_place(inner)
        np.matmul(inner, layer.output_weight, out=out[rows])
    out += layer.output_bias
    return out


def _gelu_in_place(x: Array) -> None:
    """Exact (erf) GELU, ``x · (1 + erf(x / √2)) / 2``, in float32, overwriting ``x``.

    In place, because fresh temporaries for each of the ~20 steps cost more than the math.
    """
    import numpy as np

    z = x * np.float32(1 / math.sqrt(2))
    np.clip(z, np.float32(-4), np.float32(4), out=z)
    z2 = z * z
    numerator = z2 * np.float32(_ERF_NUMERATOR[0])  # Horner's rule, in z²
    for coefficient in _ERF_NUMERATOR[1:-1]:
        numerator += np.float32(coefficient)
        numerator *= z2
    numerator += np.float32(_ERF_NUMERATOR[-1])
    denominator = z2 * np.float32(_ERF_DENOMINATOR[0])
    for coefficient in _ERF_DENOMINATOR[1:-1]:
        denominator += np.float32(coefficient)
        denominator *= z2
    denominator += np.float32(_ERF_DENOMINATOR[-1])
    z *= numerator
    z /= denominator  # z is now erf(x / √2)
    z += np.float32(1)
    z *= np.float32(0.5)
    x *= z
