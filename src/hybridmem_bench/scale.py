"""``hybridmem bench scale``: the chat's recall (``Memory.retrieve``) against one user's
history size, beside a plain dense-vector baseline over the same messages.

Everything goes through the public library API (``hybridmem.open_memory``): the user's
history grows to each size in turn (1k, then 9k more to reach 10k, …) as chat messages
recorded in batches and flushed (journal → outbox → extraction and, with semantic search,
message embedding), then distinct questions are recalled and timed, query embedding
included. The baseline embeds the same message texts with the same embedder (batched, not
counted as ingest) into a numpy matrix and answers each question by exact cosine top-k,
its query embedding included too. The two are timed in turns, question by question, so a
change in the machine's load weighs on both alike.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from hybridmem.domain.errors import UpstreamError, UpstreamUnavailable
from hybridmem.service.cli_support import settings_or_exit as _settings
from hybridmem.service.library import Memory, load_embedder
from hybridmem_bench.progress import Progress
from hybridmem_bench.scratch import DatabaseUrl, on_scratch_memory, write_report
from hybridmem_bench.stats import machine, number, summary_ms

#: Messages per ``add_messages`` call, and between flushes (what a busy chat backlog is).
_BATCH = 100
_FLUSH_EVERY = 1000
#: Messages per session: a history is many conversations, not one endless session.
_SESSION = 40
_WARMUP = 10
_LIMIT = 10
#: The issue's targets for recall p95 by history size.
_TARGETS = ((10_000, 30.0), (100_000, 60.0))

_SUBJECTS = (
    "my sister Priya",
    "Bruno the dog",
    "my manager",
    "our neighbour Tom",
    "my old flatmate",
    "the kids",
    "Grandma",
    "my friend Alice",
    "the new intern",
    "my running club",
)
_VERBS = (
    "talked about",
    "finally tried",
    "complained about",
    "booked",
    "could not stop mentioning",
    "gave up on",
    "planned",
    "remembered",
    "laughed about",
    "asked me about",
)
_THINGS = (
    "the trip to Berlin",
    "guitar lessons",
    "a vegetarian curry recipe",
    "the marathon in October",
    "moving to Lisbon",
    "the knee injury",
    "a pottery class",
    "the bank job offer",
    "sailing on the lake",
    "the museum on Sunday",
    "tax forms",
    "a birthday surprise",
    "learning Japanese",
    "the broken dishwasher",
    "a jazz concert",
)
_WHEN = (
    "yesterday",
    "last week",
    "this morning",
    "in March",
    "over dinner",
    "on the train",
    "before the holidays",
    "after work",
)


def target_p95_ms(size: int) -> float:
    """The issue's recall p95 target at ``size`` messages."""
    for ceiling, target in _TARGETS:
        if size <= ceiling:
            return target
    return _TARGETS[-1][1]


class Texts:
    """Message texts and distinct questions, from a LoCoMo-format corpus (turns cycled,
    questions in a fixed shuffled order) or a synthetic generator of varied sentences."""

    def __init__(self, turns: Sequence[str], questions: Sequence[str], *, seed: int = 12) -> None:
        if not turns or not questions:
            raise ValueError("the corpus has no turns or no questions")
        self._turns = list(turns)
        self._questions = list(questions)
        random.Random(seed).shuffle(self._questions)  # noqa: S311 - reproducible order
        self._asked = 0

    @classmethod
    def from_corpus(cls, path: Path) -> Texts:
        """Turns and questions of a LoCoMo-format JSON file."""
        from hybridmem_bench.retrieval_locomo import load_file

        samples = load_file(path)
        turns = [turn.text for sample in samples for turn in sample.turns if turn.text.strip()]
        questions = [q.question for sample in samples for q in sample.questions if q.question]
        return cls(turns, questions)

    @classmethod
    def synthetic(cls, seed: int = 12) -> Texts:
        """Built-in sentences: subject, verb, thing, time and a number, all combinations."""
        rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        turns: dict[str, None] = {}  # distinct, in order of drawing
        while len(turns) < 5000:
            sentence = (
                f"{rng.choice(_SUBJECTS).capitalize()} {rng.choice(_VERBS)} "
                f"{rng.choice(_THINGS)} {rng.choice(_WHEN)}, around {rng.randint(2, 90)} "
                "people came."
            )
            turns[sentence] = None
        questions = [
            f"What did {subject} say about {thing} {when}?"
            for subject, thing, when in itertools.product(_SUBJECTS, _THINGS, _WHEN)
        ]
        return cls(list(turns), questions, seed=seed)

    def message(self, i: int) -> str:
        """The ``i``-th message: a turn as said on the first pass through the corpus; on a
        later pass joined with another turn, so no two messages repeat (an embedder's cache
        would otherwise answer for free)."""
        count = len(self._turns)
        turn, cycle = self._turns[i % count], i // count
        if cycle == 0:
            return turn
        return f"{turn} {self._turns[(i + 7919 * cycle) % count]}"

    def questions(self, count: int) -> list[str]:
        """``count`` questions never handed out before by this instance (questions are
        varied on a later pass, for the same reason as messages)."""
        out = []
        for _ in range(count):
            n, total = self._asked, len(self._questions)
            question = self._questions[n % total]
            out.append(question if n < total else f"{question} ({n // total})")
            self._asked += 1
        return out


class DenseBaseline:
    """Exact cosine top-k over a numpy matrix of message vectors (no index, no database)."""

    def __init__(self, embedder: Any) -> None:
        import numpy as np

        self._np = np
        self._embedder = embedder
        self._matrix = np.zeros((0, int(embedder.dimensions)), dtype=np.float32)

    @property
    def size(self) -> int:
        """Messages indexed."""
        return int(self._matrix.shape[0])

    def add(self, texts: Sequence[str], batch: int = 64) -> float:
        """Embed and append ``texts``; the seconds it took."""
        started = time.perf_counter()
        vectors = [
            vector
            for offset in range(0, len(texts), batch)
            for vector in self._embedder.embed(list(texts[offset : offset + batch]))
        ]
        if vectors:
            added = self._np.asarray(vectors, dtype=self._np.float32)
            self._matrix = self._np.vstack([self._matrix, added])
        return time.perf_counter() - started

    def search(self, query: str, k: int) -> list[int]:
        """Row numbers of the ``k`` messages most similar to ``query``, best first."""
        vector = self._np.asarray(self._embedder.embed([query])[0], dtype=self._np.float32)
        scores = self._matrix @ vector
        k = min(k, scores.shape[0])
        if k == 0:
            return []
        top = self._np.argpartition(-scores, k - 1)[:k]
        return [int(i) for i in top[self._np.argsort(-scores[top])]]


async def _grow(
    memory: Memory, user_id: str, texts: Texts, have: int, target: int, bar: Progress
) -> float:
    """Record messages ``have``..``target`` in batches, flushing as a busy chat would;
    seconds from the first record to the last flush."""
    started = time.perf_counter()
    flushed = have  # the bar counts messages once flushed
    for first in range(have, target, _BATCH):
        batch = [
            {
                "role": "user" if i % 2 == 0 else "assistant",
                "content": texts.message(i),
                "message_id": f"m{i}",
            }
            for i in range(first, min(target, first + _BATCH))
        ]
        # one session per _SESSION messages: a batch across two is recorded in two calls
        for session in sorted({i // _SESSION for i in range(first, first + len(batch))}):
            part = [m for j, m in enumerate(batch, first) if j // _SESSION == session]
            await memory.add_messages(user_id, f"s{session}", part, flush=False)
        if (first + len(batch)) % _FLUSH_EVERY == 0 or first + len(batch) >= target:
            await memory.flush(within=3600)
            bar.advance(first + len(batch) - flushed)
            flushed = first + len(batch)
    return time.perf_counter() - started


async def run_scale_benchmark(
    memory: Memory,
    texts: Texts,
    *,
    sizes: list[int],
    queries: int,
    baseline: DenseBaseline | None,
    progress: bool = True,
) -> dict[str, Any]:
    """Measure on an open library memory (one fresh user, removed afterwards)."""
    user_id = f"bench-scale-{int(time.time())}"
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    ordered = sorted(set(sizes))
    steps = ordered[-1] * (2 if baseline else 1) + len(ordered) * (queries + _WARMUP)
    bar = Progress(steps, "steps", enabled=progress)
    rows: list[dict[str, Any]] = []
    have = 0
    try:
        for size in ordered:
            ingest = await _grow(memory, user_id, texts, have, size, bar)
            embed_seconds = None
            if baseline is not None:
                new = [texts.message(i) for i in range(baseline.size, size)]
                embed_seconds = await asyncio.to_thread(baseline.add, new)
                bar.advance(len(new))
            ours: list[float] = []
            dense: list[float] = []
            returned = 0
            for n, question in enumerate(texts.questions(queries + _WARMUP)):
                started = time.perf_counter()
                items = await memory.retrieve(user_id, question, limit=_LIMIT)
                elapsed = time.perf_counter() - started
                if baseline is not None:
                    # in the worker thread, as the library runs its embedder
                    began = time.perf_counter()
                    await asyncio.to_thread(baseline.search, question, _LIMIT)
                    dense_elapsed = time.perf_counter() - began
                if n >= _WARMUP:  # the first ones warm caches and plans, uncounted
                    ours.append(elapsed)
                    returned += len(items)
                    if baseline is not None:
                        dense.append(dense_elapsed)
                bar.advance()
            row: dict[str, Any] = {
                "messages": size,
                "added": size - have,
                "ingest_s": round(ingest, 2),
                "ingest_messages_per_s": round((size - have) / ingest, 1) if ingest else None,
                "queries": queries,
                "mean_items": round(returned / queries, 2),
                "retrieve": summary_ms(ours),
                "target_p95_ms": target_p95_ms(size),
            }
            row["meets_target"] = row["retrieve"]["p95_ms"] <= row["target_p95_ms"]
            if baseline is not None:
                row["dense"] = summary_ms(dense)
                row["dense_embed_messages_per_s"] = (
                    round((size - have) / embed_seconds, 1) if embed_seconds else None
                )
                row["p95_ratio"] = (
                    round(row["retrieve"]["p95_ms"] / row["dense"]["p95_ms"], 2)
                    if row["dense"]["p95_ms"]
                    else None
                )
            rows.append(row)
            have = size
    finally:
        bar.close()
        cleanup = await _forget(memory, user_id)
    return {
        "benchmark": "scale",
        "cleanup": cleanup,
        "machine": {
            **machine(),
            "load_average_start": load_at_start,
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "cpus_usable": len(os.sched_getaffinity(0)),
        "limit": _LIMIT,
        "warmup": _WARMUP,
        "baseline": "dense" if baseline is not None else "none",
        "sizes": rows,
    }


async def _forget(memory: Memory, user_id: str) -> str:
    """Delete the benchmark's user; a failure is reported, not raised, so a long run's
    figures are not lost to it (a scratch database is removed anyway)."""
    try:
        await memory.forget_user(user_id)
    except UpstreamError as exc:
        typer.echo(f"could not delete the benchmark user {user_id}: {exc}", err=True)
        return f"failed: {exc}"
    return "deleted"


def render_markdown(report: dict[str, Any]) -> str:
    """One markdown table per history size: hybridmem's recall beside the dense baseline."""
    m = report["machine"]
    load = ", ".join(str(x) for x in m["load_average"])
    start = ", ".join(str(x) for x in m.get("load_average_start", ()))
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs ({report['cpus_usable']} usable; load average "
        f"{start} at the start, {load} at the end); corpus {report.get('corpus', 'synthetic')}; "
        "semantic search "
        f"{report.get('embeddings', 'as configured')}; top {report['limit']}, "
        f"{report['warmup']} warm-up queries uncounted.",
    ]
    for row in report["sizes"]:
        r = row["retrieve"]
        lines += [
            "",
            f"**{row['messages']:,} messages** (one user; {row['added']:,} added at "
            f"{number(row['ingest_messages_per_s'])} messages/s end to end; "
            f"{row['queries']} distinct queries, {number(row['mean_items'])} items each)",
            "",
            "| recall | p50 ms | p95 ms | p99 ms |",
            "|---|---:|---:|---:|",
            f"| hybridmem `Memory.retrieve` | {number(r['p50_ms'])} | {number(r['p95_ms'])} "
            f"| {number(r['p99_ms'])} |",
        ]
        if "dense" in row:
            d = row["dense"]
            lines += [
                f"| dense baseline (numpy, exact cosine) | {number(d['p50_ms'])} "
                f"| {number(d['p95_ms'])} | {number(d['p99_ms'])} |",
                f"| ratio hybridmem / dense | {_ratio(r['p50_ms'], d['p50_ms'])} "
                f"| {_ratio(r['p95_ms'], d['p95_ms'])} | {_ratio(r['p99_ms'], d['p99_ms'])} |",
            ]
        verdict = "met" if row["meets_target"] else "missed"
        lines += ["", f"Target p95 ≤ {number(row['target_p95_ms'])} ms: {verdict}."]
    return "\n".join(lines)


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}×" if theirs else "–"


def bench_scale(
    sizes: Annotated[
        str, typer.Option(help="Comma-separated message counts for one user")
    ] = "1000,10000,100000",
    queries: Annotated[int, typer.Option(min=1, help="Distinct queries timed per size")] = 100,
    corpus: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="LoCoMo-format JSON (default: synthetic texts)"
        ),
    ] = None,
    embeddings: Annotated[
        str | None,
        typer.Option(help="Semantic search: auto, on or off (default: the environment's)"),
    ] = None,
    baseline: Annotated[str, typer.Option(help="dense (default) or none")] = "dense",
    database_url: DatabaseUrl = None,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr")] = True,
) -> None:
    """Recall latency (Memory.retrieve, p50/p95/p99, query embedding included) as one
    user's history grows, beside exact dense-vector top-k over the same messages. Never
    touches your data: a temporary data dir (or --database-url) and a fresh user."""
    try:
        counts = [int(part) for part in sizes.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise typer.BadParameter("positive integers, e.g. 1000,10000", param_hint="--sizes")
    if embeddings not in (None, "auto", "on", "off"):
        raise typer.BadParameter("auto, on or off", param_hint="--embeddings")
    if baseline not in ("dense", "none"):
        raise typer.BadParameter("dense or none", param_hint="--baseline")
    try:
        texts = Texts.from_corpus(corpus) if corpus is not None else Texts.synthetic()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        typer.echo(f"cannot read {corpus}: {exc}", err=True)
        raise typer.Exit(2) from exc
    dense = None
    if baseline == "dense":
        try:
            dense = DenseBaseline(load_embedder())
        except UpstreamUnavailable as exc:
            typer.echo(f"the dense baseline needs the embedding model: {exc}", err=True)
            raise typer.Exit(2) from exc
    chosen = _settings(log_level="WARNING", embeddings=embeddings).embeddings

    async def work(memory: Memory) -> dict[str, Any]:
        return await run_scale_benchmark(
            memory, texts, sizes=counts, queries=queries, baseline=dense, progress=progress
        )

    report = on_scratch_memory("scale", database_url, work, embeddings=chosen)
    report["embeddings"] = chosen
    report["corpus"] = corpus.name if corpus is not None else "synthetic"
    write_report(report, output)
    typer.echo(render_markdown(report))
