"""``hybridmem bench embedding``: the sentence embedder alone — one query's latency (what
every search and chat recall pays) and the throughput of batched message embedding (what
the background ``memory.index`` jobs do) — without a database or a server."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from hybridmem.service.library import load_embedder
from hybridmem_bench.stats import machine, number, summary_ms

# Words of ordinary chat questions; queries are random draws, so no two repeat (the
# embedder keeps vectors of texts it has seen, and a cached query costs no forward pass).
_WORDS = tuple(
    " ".join(
        [
            "what did I tell you about my dog Bruno and the trip to Berlin last March when",
            "we visited the museum with Alice after moving from Paris because of the new job",
            "offer at the bank near the river where do I live now which coffee do I like tea",
            "guitar lessons on Saturdays marathon training knee injury vegetarian since my",
            "sister Priya works as a nurse",
        ]
    ).split()
)


def _texts(rng: random.Random, count: int, low: int, high: int) -> list[str]:
    return [
        " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high))) for _ in range(count)
    ]


# all-MiniLM-L6-v2's matrix products per layer, (in, out): query/key/value fused, attention
# output, feed-forward in and out; six layers. 20 words are about 24 word pieces with
# [CLS] and [SEP].
_LAYER_SHAPES = ((384, 1152), (384, 384), (384, 1536), (1536, 384))
_LAYERS = 6
_FLOOR_TOKENS = 24


def _matmul_floor() -> Callable[[], float]:
    """A timer of the matrix products of one forward pass over ``_FLOOR_TOKENS`` tokens alone
    (random float32 weights of the model's shapes, each layer its own, as in the model): no
    numpy implementation of the model can be faster than this on the machine."""
    import numpy as np

    rng = np.random.default_rng(0)
    weights = [
        [rng.standard_normal(shape, dtype=np.float32) for shape in _LAYER_SHAPES]
        for _ in range(_LAYERS)
    ]
    inputs = {n: rng.standard_normal((_FLOOR_TOKENS, n), dtype=np.float32) for n in (384, 1536)}

    def once() -> float:
        start = time.perf_counter()
        for layer in weights:
            for weight in layer:
                inputs[weight.shape[0]] @ weight
        return time.perf_counter() - start

    return once


def run_embedding_benchmark(
    *, queries: int, words: int, messages: int, batch: int, model_dir: Path | None
) -> dict[str, Any]:
    """Time ``queries`` distinct questions of ``words`` words one at a time (each followed
    by the floor), the same questions again (answered from the cache), and ``messages``
    messages of 5-60 words embedded ``batch`` at a time and, in turns, one at a time."""
    rng = random.Random(20261204)  # noqa: S311  (reproducible test texts, not secrets)
    started = time.perf_counter()
    embedder = load_embedder(model_dir)
    load_seconds = time.perf_counter() - started
    for text in _texts(rng, 5, words, words):  # first calls fault the weights in
        embedder.embed([text])
    questions = [text + "?" for text in _texts(rng, queries, words, words)]

    def timed(text: str) -> float:
        start = time.perf_counter()
        embedder.embed([text])
        return time.perf_counter() - start

    # Measures that are compared run in turns, not one after the other, so a change in the
    # machine's load during the run weighs on both alike.
    floor_once = _matmul_floor()
    fresh, floor = [], []
    for question in questions:
        fresh.append(timed(question))
        floor.append(floor_once())
    cached = [timed(question) for question in questions]
    bodies = _texts(rng, messages, 5, 60)
    batched_seconds = one_by_one_seconds = 0.0
    for offset in range(0, len(bodies), batch):
        chunk = bodies[offset : offset + batch]
        start = time.perf_counter()
        embedder.embed(chunk)
        batched_seconds += time.perf_counter() - start
        # the same messages, changed a little: nothing comes from the cache
        one_by_one_seconds += sum(timed(text + ".") for text in chunk)
    return {
        "benchmark": "embedding",
        "machine": machine(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "model": embedder.name,
        "model_load_s": round(load_seconds, 2),
        "query_words": words,
        "queries": queries,
        "query": summary_ms(fresh),
        "query_cached": summary_ms(cached),
        "matmul_floor_tokens": _FLOOR_TOKENS,
        "matmul_floor": summary_ms(floor),
        "batch_size": batch,
        "messages": messages,
        "batched_messages_per_s": round(messages / batched_seconds, 1),
        "one_by_one_messages_per_s": round(messages / one_by_one_seconds, 1),
    }


def render_markdown(report: dict[str, Any]) -> str:
    """The report as the table docs/benchmarks.md shows."""
    query, cached, floor = report["query"], report["query_cached"], report["matmul_floor"]
    return "\n".join(
        [
            f"Embedding ({report['model']}, numpy, {report['cpus_usable']} usable CPU(s); "
            f"{report['machine']['date']}; model load {number(report['model_load_s'])} s)",
            "",
            "| measure | p50 | p95 | p99 |",
            "|---|---|---|---|",
            f"| query of {report['query_words']} words, ms ({report['queries']} distinct) "
            f"| {number(query['p50_ms'])} | {number(query['p95_ms'])} "
            f"| {number(query['p99_ms'])} |",
            f"| the same queries again (cached), ms | {number(cached['p50_ms'])} "
            f"| {number(cached['p95_ms'])} | {number(cached['p99_ms'])} |",
            f"| floor: the matrix products alone, {report['matmul_floor_tokens']} tokens, ms "
            f"| {number(floor['p50_ms'])} | {number(floor['p95_ms'])} "
            f"| {number(floor['p99_ms'])} |",
            "",
            f"Messages of 5-60 words ({report['messages']}): "
            f"{number(report['batched_messages_per_s'])}/s in batches of {report['batch_size']}, "
            f"{number(report['one_by_one_messages_per_s'])}/s one at a time.",
        ]
    )


def bench_embedding(
    queries: Annotated[int, typer.Option(min=1, help="Distinct queries timed")] = 200,
    words: Annotated[int, typer.Option(min=1, max=200, help="Words per query")] = 20,
    messages: Annotated[int, typer.Option(min=1, help="Messages for the throughput run")] = 256,
    batch: Annotated[int, typer.Option(min=1, max=256, help="Messages per embed call")] = 16,
    cpu: Annotated[
        int | None, typer.Option(help="Pin the run to this CPU (like taskset -c N)")
    ] = None,
    model_dir: Annotated[
        Path | None, typer.Option(help="Model directory (default: the installed wheel's)")
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
) -> None:
    """Query embedding latency (p50/p95/p99) and batched message throughput of the
    sentence embedder, on this machine, without a database."""
    if cpu is not None:
        try:
            os.sched_setaffinity(0, {cpu})
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"cannot run on CPU {cpu}: {exc}", param_hint="--cpu") from exc
    report = run_embedding_benchmark(
        queries=queries, words=words, messages=messages, batch=batch, model_dir=model_dir
    )
    if output is not None:
        output.write_text(json.dumps(report, indent=2))
    typer.echo(render_markdown(report))
