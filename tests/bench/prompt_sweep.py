"""The prompt-format sweep behind the small-model profile (docs/benchmarks.md).

Not a test: ``python -m tests.bench.prompt_sweep [--cases FILE] [--dsn DSN]``. It stores
each case's statements with the memory engine, keeps what recall gives for the question,
then asks the embedded model (llama.cpp's server, raw chat requests) the question with each
prompt format × decoding setting and prints hit rate and reply times. The shipped format
is built by ``application.prompts.build_prompt`` itself; the others are the alternatives
it was measured against.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from hybridmem.domain.context import AssembledContext, ContextSource

import hybridmem
from hybridmem.adapters.local_llm.server import EmbeddedLlamaServer
from hybridmem.application.chat import DEFAULT_PERSONA
from hybridmem.application.prompts import build_prompt
from hybridmem.domain.prompting import PromptStyle
from hybridmem_bench.answers import DEFAULT_CASES, AnswerCase, contains_any, load_cases
from hybridmem_bench.stats import percentile

SHORT = "You are a helpful assistant. Answer in one short sentence."
Messages = list[dict[str, str]]


def _third_person(context: AssembledContext) -> list[str]:
    lines = [i.text for i in context.used if i.source is not ContextSource.MESSAGE]
    lines += [
        f'The user said: "{i.text}"'
        for i in context.used
        if i.source is ContextSource.MESSAGE and i.label == "user"
    ]
    return lines


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines) or "- nothing"


def standard(context: AssembledContext, question: str) -> Messages:
    """The persona and titled memory sections (the standard style, as before issue 13)."""
    prompt = build_prompt(
        PromptStyle.STANDARD, persona=DEFAULT_PERSONA, context=context, question=question
    )
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": question}]


def short_system_bullets(context: AssembledContext, question: str) -> Messages:
    """A short system text with the memory as plain third-person bullets."""
    system = f"{SHORT}\nFacts about the user:\n{_bullets(_third_person(context))}"
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


def facts_in_user_turn(context: AssembledContext, question: str) -> Messages:
    """Short system text; the bullets in the user's turn before the question."""
    turn = f"What you know about me:\n{_bullets(_third_person(context))}\n\n{question}"
    return [{"role": "system", "content": SHORT}, {"role": "user", "content": turn}]


def example_third_person(context: AssembledContext, question: str) -> Messages:
    """One worked example with a single fact; third-person bullets in the user turn."""
    return [
        {"role": "system", "content": SHORT},
        {
            "role": "user",
            "content": "Facts about me:\n- Has a cat named Tom\n\nWhat is my cat called?",
        },
        {"role": "assistant", "content": "Your cat is called Tom."},
        {
            "role": "user",
            "content": f"Facts about me:\n{_bullets(_third_person(context))}\n\n{question}",
        },
    ]


def shipped(context: AssembledContext, question: str) -> Messages:
    """The compact style as shipped: second-person lines, a two-line worked example."""
    prompt = build_prompt(PromptStyle.COMPACT, persona="", context=context, question=question)
    turns = [{"role": m.role.value, "content": m.content} for m in prompt.examples]
    return [
        {"role": "system", "content": prompt.system},
        *turns,
        {"role": "user", "content": prompt.message.content},
    ]


FORMATS: dict[str, Callable[[AssembledContext, str], Messages]] = {
    "standard": standard,
    "short-system-bullets": short_system_bullets,
    "facts-in-user-turn": facts_in_user_turn,
    "example-third-person": example_third_person,
    "compact (shipped)": shipped,
}
STOP = ["\n\n", "User:", "<|im_end|>"]
DECODINGS: dict[str, dict[str, Any]] = {
    "server defaults, 512 tokens": {"max_tokens": 512},
    "greedy, repeat penalty 1.1, 64": {
        "temperature": 0,
        "repeat_penalty": 1.1,
        "max_tokens": 64,
        "stop": STOP,
    },
    "t 0.2, top-k 40, repeat penalty 1.3, 64": {
        "temperature": 0.2,
        "top_k": 40,
        "top_p": 0.9,
        "repeat_penalty": 1.3,
        "max_tokens": 64,
        "stop": STOP,
    },
    "greedy, no penalty, 64 (shipped)": {"temperature": 0, "max_tokens": 64, "stop": STOP},
}


async def recalled(cases: list[AnswerCase], dsn: str | None) -> list[AssembledContext]:
    """What recall gives for each question after its statements were stored."""
    contexts = []
    with tempfile.TemporaryDirectory(prefix="hybridmem-sweep-") as data_dir:
        async with hybridmem.open_memory(
            dsn,
            data_dir=None if dsn else data_dir,
            log_level="WARNING",
            llm="openai",
            llm_base_url="http://127.0.0.1:9/v1",  # never called: extraction is rule-based
        ) as memory:
            for case in cases:
                user = f"sweep-{uuid.uuid4().hex[:10]}"
                for statement in case.statements:
                    await memory.add_messages(
                        user, "facts", [{"role": "user", "content": statement}]
                    )
                contexts.append((await memory.recall(user, case.question)).context)
                await memory.forget_user(user)
    return contexts


async def sweep(cases: list[AnswerCase], contexts: list[AssembledContext], threads: int) -> None:
    server = EmbeddedLlamaServer(None, threads=threads)
    base_url = await server.start()
    limits = httpx.Limits(max_keepalive_connections=0)
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
            await client.post(
                "/chat/completions",
                json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4},
            )
            print("| prompt format | decoding | reply has the value | p50 s | p95 s |")
            print("|---|---|---:|---:|---:|")
            for format_name, build in FORMATS.items():
                for decoding_name, decoding in DECODINGS.items():
                    hits, seconds = 0, []
                    for case, context in zip(cases, contexts, strict=True):
                        body = {"messages": build(context, case.question), "seed": 7, **decoding}
                        started = time.perf_counter()
                        response = await client.post("/chat/completions", json=body)
                        seconds.append(time.perf_counter() - started)
                        reply = response.json()["choices"][0]["message"]["content"] or ""
                        hits += contains_any(reply, case.expected)
                    print(
                        f"| {format_name} | {decoding_name} | {hits}/{len(cases)} "
                        f"({hits / len(cases):.0%}) | {statistics.median(seconds):.2f} | "
                        f"{percentile(seconds, 0.95):.2f} |",
                        flush=True,
                    )
    finally:
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--dsn", help="PostgreSQL for the memory (default: embedded, temporary)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    cases = load_cases(args.cases)
    contexts = asyncio.run(recalled(cases, args.dsn))
    asyncio.run(sweep(cases, contexts, args.threads))


if __name__ == "__main__":
    main()
