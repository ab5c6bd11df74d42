"""``hybridmem bench answers``: does the chat answer from memory?

Each case states facts in one session, then asks about them in other words in a fresh
session, through the real chat turn (``POST /api/chat`` of a real server) with the
configured model (the embedded one by default). A reply counts as a hit when it contains
one of the case's expected values (case and accents ignored). Reported beside it: how
often memory recall put an expected value in front of the model at all, reply times, and
the replies the degenerate-output check cut or replaced.
"""

from __future__ import annotations

import json
import os
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from hybridmem.service.settings import Settings
from hybridmem_bench.http_users import sign_up, wait_for_jobs
from hybridmem_bench.progress import Progress
from hybridmem_bench.stats import machine, number, percentile

DEFAULT_CASES = Path("tests/data/chat_recall_dev.jsonl")
# an embedded 135M model on a loaded 2-core machine: a reply may take tens of seconds
REQUEST_TIMEOUT_S = 300.0
JOBS_TIMEOUT_S = 120.0


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
    client: httpx.AsyncClient,
    settings: Settings,
    cases: Sequence[AnswerCase],
    *,
    statements_via_chat: bool = False,
    progress: bool = True,
    source: str = "",
    settle: Callable[[], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Run every case on fresh users and sessions of the server ``client`` talks to
    (started with ``settings``), through its HTTP API; return the report. ``settle``
    waits until what was recorded is extracted (default: until the server's job backlog
    is empty)."""
    settle = settle or partial(wait_for_jobs, client, within=JOBS_TIMEOUT_S)
    run = uuid.uuid4().hex[:8]
    user_ids = [f"bench-{run}-warmup", *(f"bench-{run}-{i}" for i in range(len(cases)))]
    # One uncounted turn: the first request pays for warming the model's caches.
    warmup = await sign_up(client, user_ids[0])
    signed_in = [warmup]
    await _chat(client, warmup, "warmup", "Hello!")
    model = (await client.get("/v1/models", headers=warmup)).json()["data"][0]["id"]
    bar = Progress(len(cases), "questions", enabled=progress)
    results: list[dict[str, Any]] = []
    for case, user_id in zip(cases, user_ids[1:], strict=True):
        headers = await sign_up(client, user_id)
        signed_in.append(headers)
        if statements_via_chat:
            for statement in case.statements:
                await _chat(client, headers, "facts", statement)
        else:
            response = await client.post(
                "/api/sessions/facts/messages",
                headers=headers,
                json={"messages": [{"role": "user", "content": s} for s in case.statements]},
            )
            response.raise_for_status()
        await settle()
        started = time.perf_counter()
        reply = await _chat(client, headers, "question", case.question)
        results.append(_result(case, reply, time.perf_counter() - started))
        bar.advance()
    bar.close()
    for headers in signed_in:
        await client.delete("/api/users/me", headers=headers)
    return {
        "machine": {**machine(), "load_average": [round(x, 2) for x in os.getloadavg()]},
        "cases": source,
        "model": model,
        "prompt_style": "compact" if settings.llm_small_model else "standard",
        "sampling": settings.llm_sampling if settings.llm_provider != "gemini" else {},
        "threads": settings.local_model_threads,
        "statements_via": "chat" if statements_via_chat else "memory",
        "embeddings": settings.embeddings,
        "summary": summarize(results),
        "results": results,
    }


async def _chat(
    client: httpx.AsyncClient, headers: dict[str, str], session_id: str, text: str
) -> dict[str, Any]:
    response = await client.post(
        "/api/chat", headers=headers, json={"session_id": session_id, "message": text}
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def _result(case: AnswerCase, reply: dict[str, Any], seconds: float) -> dict[str, Any]:
    """One case's outcome from the chat body: the reply, what memory put in the prompt
    (its items, in prompt order), and what the service did to the model's reply."""
    recalled = "\n".join(item["text"] for item in reply["memory"]["items"])
    return {
        "id": case.case_id,
        "attribute": case.attribute,
        "question": case.question,
        "expected": list(case.expected),
        "reply": reply["reply"],
        "hit": contains_any(reply["reply"], case.expected),
        "recalled": contains_any(recalled, case.expected),
        "facts_used": [fact["text"] for fact in reply["memory"]["facts_used"]],
        "degenerate": reply["quality"]["replaced"],
        "cut": reply["quality"]["cut"],
        "seconds": round(seconds, 3),
        "model_ms": reply["timings"]["model_ms"],
        "output_tokens": reply["usage"]["output_tokens"],
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
