"""``hybridmem bench memory``: ingest throughput and search latency per store size.

One user gets N synthetic facts (bulk-applied through the fact memory port, the same
path extraction uses), then a fixed mix of questions is searched and timed. A separate
measurement pushes real messages through the whole pipeline (journal → outbox →
extraction → facts and graph).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from hybridmem.application.recording import IncomingMessage
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.facts import FactCandidate, make_candidate
from hybridmem.domain.messages import Role
from hybridmem.domain.retrieval import FactQuery
from hybridmem.domain.router import plan_read
from hybridmem.domain.temporal import TemporalAction, TemporalDecision, TemporalPlan
from hybridmem.service.container import Container
from hybridmem.service.services import Services
from hybridmem.service.services import _ready as resolve  # until this bench moves (issue 11)
from hybridmem_bench.stats import machine, summary_ms

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


def _value(attribute: Attribute, i: int, rng: random.Random) -> str:
    word, other, place = rng.choice(_WORDS), rng.choice(_WORDS), rng.choice(_PLACES)
    return {
        Attribute.LIKES: f"{word} {other} {i}",
        Attribute.HOBBIES: f"{word} club {i}",
        Attribute.DISLIKES: f"{word} night {i}",
        Attribute.LANGUAGES: f"language {i}",
    }.get(attribute, f"visited {place} for {word} {i}")


_MIX = (
    Attribute.LIKES,
    Attribute.HOBBIES,
    Attribute.DISLIKES,
    Attribute.LANGUAGES,
    Attribute.OTHER,
)


def _candidates(count: int, rng: random.Random, start: datetime) -> list[FactCandidate]:
    made: list[FactCandidate] = []
    for i in range(count):
        attribute = _MIX[i % len(_MIX)]
        candidate = make_candidate(
            attribute,
            _value(attribute, i, rng),
            observed_at=start + timedelta(seconds=i),
            message_id=f"b{i}",
        )
        if candidate is not None:
            made.append(candidate)
    return made


async def _fill(container: Container, user_id: str, target: int, have: int) -> float:
    facts = await resolve(container.fact_memory())
    rng = random.Random(target)  # noqa: S311 - synthetic data, not security
    start = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=have)
    batch: list[TemporalDecision] = []
    started = time.perf_counter()
    for index, candidate in enumerate(_candidates(target - have, rng, start)):
        fact = candidate.to_fact(fact_id=f"bench-{have + index}", user_id=user_id)
        batch.append(TemporalDecision(TemporalAction.ADD, fact, None, "benchmark"))
        if len(batch) == 500:
            await facts.apply(user_id, TemporalPlan(tuple(batch)))
            batch = []
    if batch:
        await facts.apply(user_id, TemporalPlan(tuple(batch)))
    return time.perf_counter() - started


async def run_memory_benchmark(
    container: Container,
    services: Services,
    *,
    sizes: list[int],
    queries: int,
    pipeline_messages: int,
) -> dict[str, Any]:
    """Measure; ``container`` must have its resources initialised."""
    users = services.users
    memory = services.recorder
    worker = services.worker
    facts = await resolve(container.fact_memory())
    user_id = f"bench-{int(time.time())}"
    await users.ensure(user_id)
    report: dict[str, Any] = {"machine": machine(), "sizes": []}

    # The full write pipeline on real sentences.
    pipeline_user = f"{user_id}-pipeline"
    await users.ensure(pipeline_user)
    sentences = [
        f"I like {_WORDS[i % len(_WORDS)]} and I live in {_PLACES[i % len(_PLACES)]}."
        for i in range(pipeline_messages)
    ]
    started = time.perf_counter()
    for i, sentence in enumerate(sentences):
        await memory.add_messages(
            pipeline_user,
            "bench",
            [IncomingMessage(role=Role.USER, content=sentence, message_id=f"p{i}")],
        )
    recorded = time.perf_counter() - started
    await worker.drain(within=600)
    total = time.perf_counter() - started
    report["pipeline"] = {
        "messages": pipeline_messages,
        "record_messages_per_s": round(pipeline_messages / recorded, 1),
        "end_to_end_messages_per_s": round(pipeline_messages / total, 1),
    }

    have = 0
    for size in sorted(sizes):
        elapsed = await _fill(container, user_id, size, have)
        inserted = size - have
        have = size
        # Autovacuum analyzes a table after bulk inserts; do it now rather than timing
        # queries planned on stale statistics, then warm the cache.
        database = await resolve(container.database())
        async with database.connection() as conn:
            await conn.execute("ANALYZE facts")
        warmup = 20
        latencies: list[float] = []
        for i in range(queries + warmup):
            question = _QUESTIONS[i % len(_QUESTIONS)]
            plan = plan_read(question)
            query = FactQuery(
                text=question,
                limit=10,
                attributes=plan.attributes,
                include_invalidated=plan.include_invalidated,
            )
            started = time.perf_counter()
            await facts.search(user_id, query)
            if i >= warmup:
                latencies.append(time.perf_counter() - started)
        report["sizes"].append(
            {
                "facts": size,
                "ingest_facts_per_s": round(inserted / elapsed, 1) if elapsed else None,
                "queries": queries,
                "search": summary_ms(latencies),
            }
        )
    await users.delete(user_id)
    await users.delete(pipeline_user)
    return report


def render_markdown(report: dict[str, Any]) -> str:
    """A markdown table of a memory benchmark report."""
    m = report["machine"]
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}.",
        "",
        "| facts (one user) | ingest facts/s | search p50 ms | p95 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in report["sizes"]:
        s = row["search"]
        lines.append(
            f"| {row['facts']:,} | {row['ingest_facts_per_s']:,} | {s['p50_ms']} | "
            f"{s['p95_ms']} | {s['p99_ms']} |"
        )
    p = report["pipeline"]
    lines += [
        "",
        f"Write pipeline ({p['messages']} messages): recorded at "
        f"{p['record_messages_per_s']} messages/s; extracted into facts and graph at "
        f"{p['end_to_end_messages_per_s']} messages/s end to end.",
    ]
    return "\n".join(lines)
