"""``hybridmem bench extraction``: facts and updates from labelled user messages.

Every message goes through the production write path — ``MessageRecorder.add_messages``
(the router's write gate), the outbox, the worker's extraction job (rule extractor,
temporal rules) and the fact store — on fresh users, and the stored facts are then read
back and scored as :mod:`hybridmem_bench.extraction_scoring` defines.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hybridmem.domain.facts import Fact
from hybridmem.service.library import Memory
from hybridmem_bench.extraction_scoring import (
    ExtractionCase,
    ExtractionScore,
    Pair,
    UpdateCase,
    score_extraction,
    score_update,
)
from hybridmem_bench.progress import Progress
from hybridmem_bench.stats import machine

#: Messages of one conversation are a minute apart, in order (as a chat would send them).
_STEP = timedelta(minutes=1)
_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def _say(memory: Memory, user_id: str, messages: Sequence[str]) -> Sequence[Fact]:
    for index, text in enumerate(messages):
        message = {"role": "user", "content": text, "occurred_at": _START + index * _STEP}
        await memory.add_messages(user_id, "bench", [message], flush=True)
    return (await memory.view(user_id)).facts  # current and past


def _pair(fact: Fact) -> Pair:
    return Pair(fact.attribute.value, fact.value)


async def run_extraction_benchmark(
    memory: Memory,
    cases: Sequence[ExtractionCase],
    updates: Sequence[UpdateCase],
    *,
    progress: bool = True,
    sources: tuple[str, str] = ("", ""),
) -> dict[str, Any]:
    """Run every case on a fresh user (deleted afterwards); return the report."""
    run = uuid.uuid4().hex[:8]
    bar = Progress(len(cases) + len(updates), "cases", enabled=progress)
    total = ExtractionScore(0, 0, 0)
    extraction: list[dict[str, Any]] = []
    users: list[str] = []
    for index, case in enumerate(cases):
        user_id = f"bench-x-{run}-{index}"
        users.append(user_id)
        predicted = [_pair(fact) for fact in await _say(memory, user_id, [case.text])]
        score = score_extraction(case.expected, predicted)
        total += score
        extraction.append(
            {
                "id": case.case_id,
                "text": case.text,
                "expected": [[p.attribute, p.value] for p in case.expected],
                "predicted": [[p.attribute, p.value] for p in predicted],
                "false_positives": score.false_positives,
                "false_negatives": score.false_negatives,
            }
        )
        bar.advance()
    conversations: list[dict[str, Any]] = []
    checks = {"current": [0, 0], "past": [0, 0], "absent": [0, 0]}
    for index, update in enumerate(updates):
        user_id = f"bench-u-{run}-{index}"
        users.append(user_id)
        facts = await _say(memory, user_id, update.messages)
        current = [_pair(f) for f in facts if f.is_current]
        closed = [_pair(f) for f in facts if not f.is_current]
        result = score_update(update, current, closed)
        for name, ok, count in (
            ("current", result.current_ok, result.current_total),
            ("past", result.past_ok, result.past_total),
            ("absent", result.absent_ok, result.absent_total),
        ):
            checks[name][0] += ok
            checks[name][1] += count
        conversations.append(
            {
                "id": update.case_id,
                "messages": list(update.messages),
                "right": result.fully_right,
                "current": [[p.attribute, p.value] for p in current],
                "closed": [[p.attribute, p.value] for p in closed],
            }
        )
        bar.advance()
    bar.close()
    for user_id in users:
        await memory.forget_user(user_id)
    right = sum(1 for c in conversations if c["right"])
    return {
        "machine": {**machine(), "load_average": [round(x, 2) for x in os.getloadavg()]},
        "cases": sources[0],
        "updates": sources[1],
        "extraction": {
            "messages": len(cases),
            "true_positives": total.true_positives,
            "false_positives": total.false_positives,
            "false_negatives": total.false_negatives,
            "precision": round(total.precision, 3),
            "recall": round(total.recall, 3),
            "f1": round(total.f1, 3),
        },
        "updates_summary": {
            "conversations": len(conversations),
            "fully_right": right,
            "share_right": round(right / len(conversations), 3) if conversations else 0.0,
            "checks": {name: {"ok": ok, "of": of} for name, (ok, of) in checks.items()},
        },
        "results": extraction,
        "conversations": conversations,
    }


def render_markdown(report: dict[str, Any]) -> str:
    """A short markdown account of an extraction benchmark report, with the misses."""
    m, x, u = report["machine"], report["extraction"], report["updates_summary"]
    load = ", ".join(str(v) for v in m["load_average"])
    c = u["checks"]
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs (load average {load}); cases {report['cases']}, "
        f"updates {report['updates']}; the production write path (rules).",
        "",
        "| messages | precision | recall | F1 | TP | FP | FN |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {x['messages']} | {x['precision']:.3f} | {x['recall']:.3f} | {x['f1']:.3f} | "
        f"{x['true_positives']} | {x['false_positives']} | {x['false_negatives']} |",
        "",
        "| conversations | fully right | current ok | past ok | absent ok |",
        "|---:|---:|---:|---:|---:|",
        f"| {u['conversations']} | {u['fully_right']} ({u['share_right']:.0%}) | "
        f"{c['current']['ok']}/{c['current']['of']} | {c['past']['ok']}/{c['past']['of']} | "
        f"{c['absent']['ok']}/{c['absent']['of']} |",
    ]
    misses = [r for r in report["results"] if r["false_positives"] or r["false_negatives"]]
    if misses:
        lines += ["", "Extraction misses (expected → stored):"]
        lines += [f"- {r['id']} {r['text']!r}: {r['expected']} → {r['predicted']}" for r in misses]
    wrong = [c for c in report["conversations"] if not c["right"]]
    if wrong:
        lines += ["", "Updates not fully right (current | closed):"]
        lines += [f"- {c['id']} {c['messages']}: {c['current']} | {c['closed']}" for c in wrong]
    return "\n".join(lines)
