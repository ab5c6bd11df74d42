"""``hybridmem bench answers``: does the chat answer from memory?

Each case states facts in one session, then asks about them in other words in a fresh
session, through the real chat turn (``ChatService``) with the configured model (the
embedded one by default). A reply counts as a hit when it contains one of the case's
expected values (case and accents ignored). Reported beside it: how often memory recall
put an expected value in front of the model at all, reply times, and the replies the
degenerate-output check cut or replaced.
"""

from __future__ import annotations

import json
import os
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hybridmem.application.recording import IncomingMessage
from hybridmem.domain.messages import Role
from hybridmem.service.services import Services
from hybridmem.service.settings import Settings
from hybridmem_bench.progress import Progress
from hybridmem_bench.stats import machine, number, percentile

DEFAULT_CASES = Path("tests/data/chat_recall_dev.jsonl")


@dataclass(frozen=True, slots=True)
class AnswerCase:
    """Facts stated, then a question about them with acceptable answer substrings."""

    case_id: str
    statements: tuple[str, ...]
    question: str
    expected: tuple[str, ...]
    attribute: str = ""


def load_cases(path: Path) -> list[AnswerCase]:
    """Read a JSON-lines file of cases; ValueError naming the line when one is malformed."""
    cases: list[AnswerCase] = []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            case = AnswerCase(
                case_id=str(raw["id"]),
                statements=tuple(str(s) for s in raw["statements"]),
                question=str(raw["question"]),
                expected=tuple(str(e) for e in raw["expected"]),
                attribute=str(raw.get("attribute", "")),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"line {line_number}: {exc}") from exc
        if not case.statements or not case.expected:
            raise ValueError(f"line {line_number}: statements and expected must not be empty")
        cases.append(case)
    if not cases:
        raise ValueError("no cases")
    return cases


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def contains_any(text: str, expected: Sequence[str]) -> bool:
    """Whether ``text`` contains one of ``expected`` (case and accents ignored)."""
    folded = _folded(text)
    return any(_folded(value) in folded for value in expected)


async def run_answers_benchmark(
    services: Services,
    settings: Settings,
    cases: Sequence[AnswerCase],
    *,
    statements_via_chat: bool = False,
    progress: bool = True,
    source: str = "",
) -> dict[str, Any]:
    """Run every case on fresh users and sessions; return the report."""
    chat, memory, worker, users = services.chat, services.recorder, services.worker, services.users
    model, embedder = services.model, services.embedder
    run = uuid.uuid4().hex[:8]

    # One uncounted turn: the first request pays for warming the model's caches.
    await users.ensure(f"bench-{run}-warmup")
    await chat.turn(f"bench-{run}-warmup", "warmup", "Hello!")

    bar = Progress(len(cases), "questions", enabled=progress)
    results: list[dict[str, Any]] = []
    for index, case in enumerate(cases):
        user_id = f"bench-{run}-{index}"
        await users.ensure(user_id)
        for statement in case.statements:
            if statements_via_chat:
                await chat.turn(user_id, "facts", statement)
            else:
                await memory.add_messages(
                    user_id, "facts", [IncomingMessage(role=Role.USER, content=statement)]
                )
        await worker.drain(within=120)
        started = time.perf_counter()
        reply = await chat.turn(user_id, "question", case.question)
        seconds = time.perf_counter() - started
        results.append(
            {
                "id": case.case_id,
                "attribute": case.attribute,
                "question": case.question,
                "expected": list(case.expected),
                "reply": reply.reply,
                "hit": contains_any(reply.reply, case.expected),
                "recalled": contains_any(reply.recall.context.text, case.expected),
                "facts_used": [f.fact.text for f in reply.recall.facts],
                "degenerate": reply.degenerate,
                "cut": reply.cut,
                "seconds": round(seconds, 3),
                "model_ms": reply.model_ms,
                "output_tokens": reply.output_tokens,
            }
        )
        bar.advance()
    bar.close()
    for user_id in [f"bench-{run}-warmup", *(f"bench-{run}-{i}" for i in range(len(cases)))]:
        await users.delete(user_id)
    return {
        "machine": {**machine(), "load_average": [round(x, 2) for x in os.getloadavg()]},
        "cases": source,
        "model": model.info.name,
        "prompt_style": model.info.prompt_style.value,
        "sampling": settings.llm_sampling if settings.llm_provider != "gemini" else {},
        "threads": settings.local_model_threads,
        "statements_via": "chat" if statements_via_chat else "memory",
        "embeddings": "on" if embedder is not None else "off",
        "summary": summarize(results),
        "results": results,
    }


def summarize(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Hit rates, reply times and degenerate counts of a run."""
    count = len(results)
    hits = sum(1 for r in results if r["hit"])
    recalled = [r for r in results if r["recalled"]]
    seconds = [r["seconds"] for r in results]
    model = [r["model_ms"] / 1000 for r in results]
    reasons = Counter(r["degenerate"] for r in results if r["degenerate"])
    return {
        "questions": count,
        "hits": hits,
        "hit_rate": round(hits / count, 3) if count else 0.0,
        "recalled": len(recalled),
        "hit_rate_when_recalled": (
            round(sum(1 for r in recalled if r["hit"]) / len(recalled), 3) if recalled else 0.0
        ),
        "reply_p50_s": round(percentile(seconds, 0.5), 2),
        "reply_p95_s": round(percentile(seconds, 0.95), 2),
        "model_p50_s": round(percentile(model, 0.5), 2),
        "model_p95_s": round(percentile(model, 0.95), 2),
        "degenerate": sum(reasons.values()),
        "degenerate_reasons": dict(sorted(reasons.items())),
        "cut": sum(1 for r in results if r["cut"]),
    }


def render_markdown(report: dict[str, Any]) -> str:
    """A short markdown account of an answers benchmark report."""
    m, s = report["machine"], report["summary"]
    load = ", ".join(str(x) for x in m["load_average"])
    sampling = ", ".join(f"{k}={v!r}" for k, v in report["sampling"].items() if v is not None)
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs (load average {load}); model {report['model']}, "
        f"prompt style {report['prompt_style']}, {report['threads']} thread(s); {sampling}; "
        f"cases {report['cases']}; statements through {report['statements_via']}; "
        f"semantic search {report['embeddings']}.",
        "",
        "| questions | reply has the value | recall had it | hit rate when recalled "
        "| reply p50 s | p95 s | degenerate (replaced) | cut loops |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s['questions']} | {s['hits']} ({s['hit_rate']:.0%}) | {s['recalled']} | "
        f"{s['hit_rate_when_recalled']:.0%} | {number(s['reply_p50_s'])} | "
        f"{number(s['reply_p95_s'])} | "
        f"{s['degenerate']} {s['degenerate_reasons'] or ''} | {s['cut']} |",
    ]
    misses = [r for r in report["results"] if not r["hit"]]
    if misses:
        lines += ["", "Misses:"]
        lines += [
            f"- {r['id']} ({'recalled' if r['recalled'] else 'not recalled'}): "
            f"{r['question']!r} → {r['reply']!r}"
            for r in misses
        ]
    return "\n".join(lines)
