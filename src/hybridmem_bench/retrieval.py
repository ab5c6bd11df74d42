"""``hybridmem bench retrieval``: evidence recall@k on conversations in the LoCoMo format.

Every turn of every conversation is ingested through the library API (``Memory``) with its
``dia_id`` as the message id, so each fact, relation and message derived from it carries
that id as provenance. Each question is then answered by ``Memory.retrieve`` and scored by
evidence recall@k = |evidence ∩ provenance of the top k items| / |evidence|, the measure
of the LoCoMo paper's retrieval experiments. A plain BM25 over the raw turns can be scored
the same way, side by side (``--baseline bm25``).

Speakers → users (``mapping``). LoCoMo conversations are between two people, and its
questions are asked by an observer of the whole conversation, about a named person ("When
did Caroline go to the support group?"), with answers often in what the *other* person
said. hybridmem remembers per user, so:

- ``per-speaker`` (default): one user per speaker; each turn is recorded once, as its
  speaker's own (role ``user``) message, so first-person statements ("I moved to Boston")
  become facts of the person who said them and one speaker's single-valued facts never
  close the other's. A question searches both speakers' memories — together they are the
  whole conversation, what LoCoMo retrieves from — and the two ranked lists are merged by
  their fused scores, the speaker the question names first winning ties.
- ``mirrored``: one user per speaker holding the whole conversation from their side (the
  other speaker's turns as role ``assistant``, history only), as Mem0's LoCoMo evaluation
  stores it; a question searches only the memory of the speaker it names first (else
  speaker_a). Every turn is stored twice, and the other person is cast as an assistant.
- ``one-user``: both speakers' turns go to one user (role ``user``, named by speaker). One
  search per question, but "I live in Boston" from one speaker and "I live in Denver" from
  the other become one person's facts, the second closing the first.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hybridmem.domain.accounts import ID_PATTERN
from hybridmem.domain.errors import NotFound
from hybridmem.domain.recall import MemoryItem
from hybridmem.service.library import Memory
from hybridmem_bench.progress import Progress
from hybridmem_bench.retrieval_bm25 import BM25, tokenize
from hybridmem_bench.retrieval_locomo import (
    CATEGORY_NAMES,
    Question,
    Sample,
    Turn,
    load_file,
    load_samples,
    normalize_dia_id,
    normalize_evidence,
    parse_session_time,
)
from hybridmem_bench.retrieval_report import render_markdown
from hybridmem_bench.retrieval_scoring import Scores, evidence_recall
from hybridmem_bench.stats import machine

__all__ = [
    "BM25",
    "CATEGORY_NAMES",
    "DEFAULT_KS",
    "MAPPINGS",
    "Question",
    "Sample",
    "Turn",
    "evidence_recall",
    "load_file",
    "load_samples",
    "normalize_dia_id",
    "normalize_evidence",
    "parse_session_time",
    "render_markdown",
    "run_retrieval_benchmark",
    "tokenize",
]

MAPPINGS: tuple[str, ...] = ("per-speaker", "mirrored", "one-user")
DEFAULT_KS: tuple[int, ...] = (1, 5, 10, 25, 50)
_WARMUP_QUESTIONS = 5
_NO_BUDGET = 1_000_000


def _slug(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]+", "-", value).strip("-.")
    return cleaned or "x"


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where one sample's turns are stored and which memories a question searches."""

    mapping: str
    speaker_a: str
    users: dict[str, str]  # speaker → user id

    def stores(self, speaker: str) -> list[tuple[str, str]]:
        """(user id, role) under which a turn of ``speaker`` is recorded."""
        if self.mapping == "mirrored":
            # every speaker's memory holds the whole conversation from their side
            return [
                (user_id, "user" if other == speaker else "assistant")
                for other, user_id in self.users.items()
            ]
        return [(self.users[speaker], "user")]

    def search_users(self, question: str) -> list[str]:
        """The user ids to search for ``question``: the speaker it names first (else
        speaker_a) leads; ``per-speaker`` searches every speaker, the others one memory."""
        lowered = question.lower()

        def position(speaker: str) -> int:
            found = lowered.find(speaker.lower())
            return found if found >= 0 else len(lowered) + 1

        ordered = sorted(
            self.users, key=lambda speaker: (position(speaker), speaker != self.speaker_a)
        )
        user_ids = list(dict.fromkeys(self.users[speaker] for speaker in ordered))
        return user_ids if self.mapping == "per-speaker" else user_ids[:1]

    def all_users(self) -> set[str]:
        """Every user id the sample was stored under."""
        return set(self.users.values())


def _layout(sample: Sample, run: str, mapping: str) -> _Layout:
    """Speaker → hybridmem user for one sample, under the run's prefix."""
    base = f"lc{run}-{_slug(sample.sample_id)}"
    speakers = dict.fromkeys(
        [sample.speaker_a, sample.speaker_b, *(t.speaker for t in sample.turns)]
    )
    ids: dict[str, str] = {}
    for speaker in speakers:
        if mapping == "one-user":
            ids[speaker] = base[:128]
            continue
        user_id = f"{base}-{_slug(speaker)}"[:128]
        while user_id in ids.values():  # two names that slug alike
            user_id = f"{user_id[:120]}-{len(ids)}"
        ids[speaker] = user_id
    for user_id in ids.values():
        if not ID_PATTERN.match(user_id):
            raise ValueError(f"cannot make a user id from {sample.sample_id!r}: {user_id!r}")
    return _Layout(mapping, sample.speaker_a, ids)


async def _ingest(memory: Memory, sample: Sample, layout: _Layout) -> None:
    by_session: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for turn in sample.turns:
        for user_id, role in layout.stores(turn.speaker):
            by_session[turn.session][user_id].append(
                {
                    "role": role,
                    "content": turn.text,
                    "message_id": turn.dia_id,
                    "name": turn.speaker,
                    "occurred_at": turn.occurred_at,
                }
            )
    for number in sorted(by_session):
        for user_id, messages in by_session[number].items():
            await memory.add_messages(user_id, f"session-{number}", messages, flush=False)
        # one drain per session: extraction stays in conversation order (jobs are FIFO per
        # user) and a drain never has more than one session's work
        await memory.flush()


async def _search(
    memory: Memory, user_ids: Sequence[str], question: str, limit: int, latencies: list[float]
) -> list[MemoryItem]:
    async def one(user_id: str) -> list[MemoryItem]:
        started = time.perf_counter()
        # The recall chat uses, with a budget that never cuts: the top k of this list is
        # the context chat gets with a limit of k (contexts are prefixes of longer ones).
        recalled = await memory.recall(user_id, question, limit=limit, budget_tokens=_NO_BUDGET)
        found = list(recalled.items)
        latencies.append(time.perf_counter() - started)
        return found

    lists = await asyncio.gather(*(one(user_id) for user_id in user_ids))
    # The fused scores of recall are reciprocal-rank sums, on the same scale for every
    # user, so one ordering by score merges the speakers; ties go to the preferred speaker.
    merged = [
        (item.score, preference, rank, item)
        for preference, found in enumerate(lists)
        for rank, item in enumerate(found)
    ]
    merged.sort(key=lambda entry: (-entry[0], entry[1], entry[2]))
    return [entry[3] for entry in merged[:limit]]


async def run_retrieval_benchmark(
    memory: Memory,
    samples: Sequence[Sample],
    *,
    ks: Sequence[int] = DEFAULT_KS,
    baseline: str | None = None,
    mapping: str = "per-speaker",
    progress: bool = True,
    keep: bool = False,
    source: str | None = None,
) -> dict[str, Any]:
    """Ingest ``samples`` into ``memory``, answer every question, score recall@k.

    Users are created under a fresh per-run prefix and deleted afterwards unless ``keep``.
    """
    if mapping not in MAPPINGS:
        raise ValueError(f"mapping must be one of {', '.join(MAPPINGS)}")
    if baseline not in (None, "bm25"):
        raise ValueError("the only baseline is bm25")
    ks = tuple(sorted({int(k) for k in ks}))
    if not ks or ks[0] < 1:
        raise ValueError("k values must be positive")
    limit = ks[-1]
    run = uuid.uuid4().hex[:6]
    layouts = {sample.sample_id: _layout(sample, run, mapping) for sample in samples}

    turns = sum(len(sample.turns) for sample in samples)
    bar = Progress(turns, "turns ingested", enabled=progress)
    started = time.perf_counter()
    try:
        for sample in samples:
            await _ingest(memory, sample, layouts[sample.sample_id])
            bar.advance(len(sample.turns))
        bar.close()
        ingest_seconds = time.perf_counter() - started

        scored = [
            (sample, question)
            for sample in samples
            for question in sample.questions
            if question.evidence
        ]
        # First searches pay for connection warm-up and plan caching, not per question.
        for sample, question in scored[:_WARMUP_QUESTIONS]:
            order = layouts[sample.sample_id].search_users(question.question)
            await _search(memory, order, question.question, limit, [])

        ours = Scores(ks)
        bm25 = Scores(ks) if baseline == "bm25" else None
        indexes = (
            {
                sample.sample_id: BM25([(t.dia_id, t.text) for t in sample.turns])
                for sample in samples
            }
            if bm25 is not None
            else {}
        )
        turn_texts = {s.sample_id: {t.dia_id: t.text for t in s.turns} for s in samples}
        records: list[dict[str, Any]] = []
        bar = Progress(len(scored), "questions", enabled=progress)
        for sample, question in scored:
            order = layouts[sample.sample_id].search_users(question.question)
            began = time.perf_counter()
            items = await _search(memory, order, question.question, limit, ours.latencies)
            ours.question_latencies.append(time.perf_counter() - began)
            ours.add(
                question,
                [item.render() for item in items],
                [item.provenance for item in items],
                [item.store.value for item in items],
            )
            record: dict[str, Any] = {
                "sample": sample.sample_id,
                "category": question.category,
                "question": question.question,
                "evidence": list(question.evidence),
                "first_hit": ours.first_hits[-1],
            }
            if bm25 is not None:
                texts = turn_texts[sample.sample_id]
                began = time.perf_counter()
                hits = indexes[sample.sample_id].search(question.question, limit)
                elapsed = time.perf_counter() - began
                bm25.latencies.append(elapsed)
                bm25.question_latencies.append(elapsed)
                bm25.add(question, [texts[i] for i, _ in hits], [(i,) for i, _ in hits])
                record["bm25_first_hit"] = bm25.first_hits[-1]
            records.append(record)
            bar.advance()
        bar.close()
    finally:
        if not keep:
            for user_id in sorted({u for layout in layouts.values() for u in layout.all_users()}):
                # a run that failed early never created some of its users
                with contextlib.suppress(NotFound):
                    await memory.forget_user(user_id)

    all_questions = [q for sample in samples for q in sample.questions]
    unresolvable = [u for q in all_questions for u in q.unresolvable]
    report: dict[str, Any] = {
        "benchmark": "retrieval",
        "run": run,  # user ids were lc<run>-<sample>-<speaker>
        "machine": machine(),
        "file": source,
        "k": list(ks),
        "mapping": mapping,
        "dataset": {
            "samples": len(samples),
            "sessions": sum(sample.sessions for sample in samples),
            "turns": turns,
            "questions": len(all_questions),
            "questions_scored": len(scored),
            "questions_without_evidence": len(all_questions) - len(scored),
            "questions_by_category": {
                str(c): n for c, n in sorted(Counter(q.category for q in all_questions).items())
            },
            "evidence_ids": sum(len(q.evidence) for q in all_questions),
            "evidence_entries_normalized": sum(q.normalized for q in all_questions),
            "evidence_unresolvable": len(unresolvable),
            "evidence_unresolvable_examples": sorted(set(unresolvable))[:20],
            "unparsed_session_dates": sum(sample.unparsed_dates for sample in samples),
            "irregular_turn_ids": sum(sample.irregular_turn_ids for sample in samples),
            "empty_turns": sum(sample.empty_turns for sample in samples),
        },
        "ingest": {
            "seconds": round(ingest_seconds, 2),
            "turns_per_s": round(turns / ingest_seconds, 1) if ingest_seconds else None,
        },
        "systems": {"hybridmem": ours.summary()},
        "questions": records,
    }
    if bm25 is not None:
        report["systems"]["bm25"] = bm25.summary()
    return report
