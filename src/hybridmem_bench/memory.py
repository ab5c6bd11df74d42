"""``hybridmem bench memory``: ingest throughput and recall latency per store size.

Everything goes through the public library API (``hybridmem.open_memory``). One user gets
N synthetic facts (``Memory.import_facts``: normalised like extraction, added in batches
through the fact store), then a fixed mix of questions is recalled and timed
(``Memory.search``: the one recall pipeline chat uses, over facts, relations and
messages). A separate measurement pushes real messages through the whole write pipeline
(journal → outbox → extraction → facts and graph).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from hybridmem.service.library import Memory
from hybridmem_bench.progress import Progress
from hybridmem_bench.stats import machine, number, summary_ms

_WORDS = [
    "chess",
    "tennis",
    "jazz",
    "opera",
    "sushi",
    "ramen",
    "hiking",
    "sailing",
    "poetry",
    "painting",
    "climbing",
    "cycling",
    "baking",
    "gardening",
    "astronomy",
    "photography",
    "football",
    "cricket",
    "yoga",
    "pottery",
    "knitting",
    "salsa",
    "tango",
    "violin",
    "piano",
    "guitar",
    "drums",
    "coding",
    "robotics",
    "chemistry",
    "history",
    "geology",
    "birding",
    "surfing",
    "skiing",
    "running",
    "swimming",
    "rowing",
    "fencing",
    "archery",
    "karate",
    "judo",
    "boxing",
    "curry",
    "pasta",
    "tacos",
    "dumplings",
    "coffee",
    "tea",
    "mangoes",
    "cherries",
    "lemons",
    "basil",
    "mint",
    "saffron",
]
_PLACES = [
    "Delhi",
    "Mumbai",
    "Pune",
    "Chennai",
    "Kolkata",
    "Paris",
    "Berlin",
    "Madrid",
    "Lisbon",
    "Rome",
    "Vienna",
    "Prague",
    "Oslo",
    "Tokyo",
    "Osaka",
    "Seoul",
    "Lima",
    "Quito",
    "Denver",
    "Boston",
    "Austin",
    "Seattle",
    "Toronto",
    "Sydney",
    "Perth",
]
_QUESTIONS = (
    "Where do I live?",
    "What do I like?",
    "Do I like jazz?",
    "What are my hobbies?",
    "Where did I live before?",
    "What's my dog called?",
    "Where do I work?",
    "What languages do I speak?",
    "Am I allergic to anything?",
    "Tell me what I enjoy about sailing",
)


#: The attribute mix of the synthetic facts (values in the normaliser's vocabulary).
_MIX = ("likes", "hobbies", "dislikes", "languages", "other")


def _value(attribute: str, i: int, rng: random.Random) -> str:
    word, other, place = rng.choice(_WORDS), rng.choice(_WORDS), rng.choice(_PLACES)
    return {
        "likes": f"{word} {other} {i}",
        "hobbies": f"{word} club {i}",
        "dislikes": f"{word} night {i}",
        "languages": f"language {i}",
    }.get(attribute, f"visited {place} for {word} {i}")


def _facts(first: int, count: int, rng: random.Random, start: datetime) -> list[dict[str, Any]]:
    return [
        {
            "attribute": _MIX[i % len(_MIX)],
            "value": _value(_MIX[i % len(_MIX)], i, rng),
            "observed_at": start + timedelta(seconds=i),
            "message_id": f"b{i}",
        }
        for i in range(first, first + count)
    ]


async def _fill(memory: Memory, user_id: str, target: int, have: int, bar: Progress) -> float:
    rng = random.Random(target)  # noqa: S311 - synthetic data, not security
    start = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=have)
    elapsed = 0.0
    for first in range(have, target, 1000):
        batch = _facts(first, min(1000, target - first), rng, start)
        started = time.perf_counter()
        await memory.import_facts(user_id, batch)
        elapsed += time.perf_counter() - started
        bar.advance(len(batch))
    return elapsed


async def run_memory_benchmark(
    memory: Memory,
    *,
    sizes: list[int],
    queries: int,
    pipeline_messages: int,
    progress: bool = True,
) -> dict[str, Any]:
    """Measure on an open library memory (fresh users, removed afterwards)."""
    user_id = f"bench-{int(time.time())}"
    report: dict[str, Any] = {"machine": machine(), "sizes": []}
    warmup = 20
    steps = pipeline_messages + max(sizes, default=0) + len(sizes) * (queries + warmup)
    bar = Progress(steps, "steps", enabled=progress)

    # The full write pipeline on real sentences.
    pipeline_user = f"{user_id}-pipeline"
    sentences = [
        f"I like {_WORDS[i % len(_WORDS)]} and I live in {_PLACES[i % len(_PLACES)]}."
        for i in range(pipeline_messages)
    ]
    started = time.perf_counter()
    for i, sentence in enumerate(sentences):
        await memory.add_messages(
            pipeline_user,
            "bench",
            [{"role": "user", "content": sentence, "message_id": f"p{i}"}],
            flush=False,
        )
        bar.advance()
    recorded = time.perf_counter() - started
    await memory.flush(within=600)
    total = time.perf_counter() - started
    report["pipeline"] = {
        "messages": pipeline_messages,
        "record_messages_per_s": round(pipeline_messages / recorded, 1),
        "end_to_end_messages_per_s": round(pipeline_messages / total, 1),
    }

    have = 0
    for size in sorted(sizes):
        elapsed = await _fill(memory, user_id, size, have, bar)
        inserted = size - have
        have = size
        latencies: list[float] = []
        for i in range(queries + warmup):  # the first ones warm the caches, uncounted
            question = _QUESTIONS[i % len(_QUESTIONS)]
            started = time.perf_counter()
            await memory.search(user_id, question, limit=10)
            if i >= warmup:
                latencies.append(time.perf_counter() - started)
            bar.advance()
        report["sizes"].append(
            {
                "facts": size,
                "ingest_facts_per_s": round(inserted / elapsed, 1) if elapsed else None,
                "queries": queries,
                "search": summary_ms(latencies),
            }
        )
    bar.close()
    await memory.forget_user(user_id)
    await memory.forget_user(pipeline_user)
    return report


def render_markdown(report: dict[str, Any]) -> str:
    """A markdown table of a memory benchmark report."""
    m = report["machine"]
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}; "
        f"semantic search {report.get('embeddings', 'as configured')}.",
        "",
        "| facts (one user) | ingest facts/s | recall p50 ms | p95 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in report["sizes"]:
        s = row["search"]
        lines.append(
            f"| {row['facts']:,} | {number(row['ingest_facts_per_s'])} | {number(s['p50_ms'])} | "
            f"{number(s['p95_ms'])} | {number(s['p99_ms'])} |"
        )
    p = report["pipeline"]
    lines += [
        "",
        f"Write pipeline ({p['messages']} messages): recorded at "
        f"{number(p['record_messages_per_s'])} messages/s; extracted into facts and graph at "
        f"{number(p['end_to_end_messages_per_s'])} messages/s end to end.",
    ]
    return "\n".join(lines)
